"""Day counting against worked examples (民法典 201/203, 2026 schedule of the State Council).

2026 schedule used below (国务院办公厅关于2026年部分节假日安排的通知):
- Spring Festival: rest 2026-02-15 (Sun) … 2026-02-23 (Mon); adjusted working days Sat 02-14
  and Sat 02-28.
- National Day + Mid-Autumn: rest 2026-10-01 … 2026-10-07; adjusted working day Sat 10-10.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.daycount import WorkCalendar, compute_deadline, warn_time
from models.errors import CalendarError
from models.policy import Span

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def due(start: str, span: str, mode: str = "natural", cal: WorkCalendar = CAL):
    return compute_deadline(
        datetime.fromisoformat(start),
        Span.model_validate(span),
        mode=mode,  # type: ignore[arg-type]
        zone=SHANGHAI,
        calendar=cal,
    )


def test_fifteen_days_ending_in_national_day_roll_to_first_working_day() -> None:
    # Received Sun 2026-09-20. Day 1 is 09-21, day 15 is 10-05 — inside the National Day rest
    # (10-01…10-07). The period ends on the first working day after it: Thu 10-08, at 24:00.
    d = due("2026-09-20T10:00:00+08:00", "P15D")
    assert d.rolled_over_from == date(2026, 10, 5)
    assert d.last_day == date(2026, 10, 8)
    assert d.due_at == datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
    assert not d.provisional
    assert "顺延" in d.explanation and "2026-10-08" in d.explanation


def test_period_ending_on_an_adjusted_working_saturday_ends_that_saturday() -> None:
    # Received Fri 2026-09-25. Day 15 is Sat 10-10, an adjusted working day (调休上班):
    # not a rest day, so the period ends that Saturday at 24:00.
    d = due("2026-09-25T16:30:00+08:00", "P15D")
    assert d.rolled_over_from is None
    assert d.last_day == date(2026, 10, 10)
    assert d.due_at == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)


def test_period_ending_on_an_ordinary_sunday_moves_to_monday() -> None:
    # Received Sat 2026-03-07. Day 15 is Sun 03-22, an ordinary rest day; it ends Mon 03-23.
    d = due("2026-03-07T09:00:00+08:00", "P15D")
    assert d.rolled_over_from == date(2026, 3, 22)
    assert d.due_at == datetime(2026, 3, 24, 0, 0, tzinfo=SHANGHAI)


def test_working_day_mode_across_the_spring_festival() -> None:
    # Received Sun 2026-02-01, 15 working days starting 02-02:
    # 02-02…02-06 (5), 02-09…02-13 (10), Sat 02-14 adjusted working day (11),
    # 02-15…02-23 holiday (0), 02-24, 02-25, 02-26, 02-27 (15). Ends Fri 02-27 at 24:00.
    d = due("2026-02-01T11:00:00+08:00", "P15D", mode="working")
    assert d.last_day == date(2026, 2, 27)
    assert d.due_at == datetime(2026, 2, 28, 0, 0, tzinfo=SHANGHAI)


def test_exact_durations_are_exact() -> None:
    d = due("2026-10-03T10:00:00+08:00", "PT30S")  # in a holiday: no rolling for exact spans
    assert d.due_at == datetime(2026, 10, 3, 10, 0, 30, tzinfo=SHANGHAI)
    assert d.last_day is None


def test_the_day_is_the_day_in_shanghai_not_in_utc() -> None:
    # 2026-09-19T20:00Z is 09-20 04:00 in Shanghai: counting starts the day after 09-20.
    assert (
        due("2026-09-19T20:00:00+00:00", "P15D").due_at
        == due("2026-09-20T10:00:00+08:00", "P15D").due_at
    )


def test_year_without_a_published_schedule_is_provisional() -> None:
    # 2027's schedule is not in the package: weekends only, and the result says so.
    d = due("2027-03-01T09:00:00+08:00", "P15D")  # day 15 = Tue 03-16
    assert d.provisional
    assert d.due_at == datetime(2027, 3, 17, 0, 0, tzinfo=SHANGHAI)
    assert "尚未录入" in d.explanation


def test_override_file_adds_next_year(tmp_path: Path) -> None:
    file = tmp_path / "calendar.toml"
    file.write_text(
        "[2027]\nholidays = [2027-03-16, 2027-03-17]\nworkdays = [2027-03-20]\n", encoding="utf-8"
    )
    cal = WorkCalendar.from_file(file)
    d = due("2027-03-01T09:00:00+08:00", "P15D", cal=cal)
    assert not d.provisional
    assert d.rolled_over_from == date(2027, 3, 16)
    assert d.last_day == date(2027, 3, 18)
    assert cal.is_working_day(date(2027, 3, 20))  # a Saturday made a working day
    assert "overrides 2027" in d.calendar


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[next]\nholidays = []\n", "not a year"),
        ("[2027]\nholidays = [2028-01-01]\n", "another year"),
        ("[2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-01]\n", "both"),
        ("[2027]\nrest = [2027-01-01]\n", "[2027]"),
        ("[2027\n", "cannot read"),
    ],
)
def test_bad_override_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "calendar.toml"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError, match=message.replace("[", r"\[")):
        WorkCalendar.from_file(file)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        due("2026-03-01T09:00:00", "P15D")


def test_warn_time_is_a_share_of_the_window() -> None:
    start = datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI)
    end = datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI)
    assert warn_time(start, end, 0.8) == datetime(2026, 3, 9, 0, 0, tzinfo=SHANGHAI)
