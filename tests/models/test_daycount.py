"""Day counting against worked examples (民法典 201/203, 2026 schedule of the State Council).

2026 schedule used below (国务院办公厅关于2026年部分节假日安排的通知):
- Spring Festival: rest 2026-02-15 (Sun) … 2026-02-23 (Mon); adjusted working days Sat 02-14
  and Sat 02-28.
- National Day + Mid-Autumn: rest 2026-10-01 … 2026-10-07; adjusted working day Sat 10-10.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.daycount import (
    WorkCalendar,
    compute_deadline,
    extend_deadline,
    resume_deadline,
    warn_time,
)
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
    assert "尚未公布" in d.explanation


# A year far enough ahead that no package ships its schedule (the test holds on any date).
UNSCHEDULED = 2031


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(UNSCHEDULED, 1, 1), "元旦"),
        (date(UNSCHEDULED, 1, 22), "除夕"),  # 春节 2031-01-23: four days from 除夕
        (date(UNSCHEDULED, 1, 24), "春节"),
        (date(UNSCHEDULED, 5, 1), "劳动节"),
        (date(UNSCHEDULED, 5, 2), "劳动节"),
        (date(UNSCHEDULED, 10, 1), "国庆"),
        (date(UNSCHEDULED, 10, 3), "国庆"),
    ],
)
def test_statutory_holidays_are_known_in_a_year_without_a_schedule(day, holiday) -> None:
    calendar = WorkCalendar()
    assert not calendar.covers(day)
    assert day.weekday() < 5, "pick weekdays: the holiday, not the weekend, must stop them"
    assert not calendar.is_working_day(day), holiday


def test_a_deadline_in_an_unscheduled_year_rolls_over_new_year_and_stays_provisional() -> None:
    d = due(f"{UNSCHEDULED - 1}-12-17T09:00:00+08:00", "P15D")  # day 15 = 01-01 (元旦, a Wed)
    assert d.provisional
    assert d.rolled_over_from == date(UNSCHEDULED, 1, 1)
    assert d.last_day == date(UNSCHEDULED, 1, 2)


def test_resume_moves_the_unrolled_last_day_by_the_paused_days() -> None:
    # day 15 of a 2026-09-20 event is 10-05 (国庆), rolled to 10-08
    d = due("2026-09-20T10:00:00+08:00", "P15D")
    assert (d.rolled_over_from, d.last_day) == (date(2026, 10, 5), date(2026, 10, 8))
    cal = WorkCalendar()
    # paused 09-25 → 09-30: 10-05 + 5 = Sat 10-10, an adjusted working day (调休): ends there
    r = resume_deadline(d, date(2026, 9, 25), date(2026, 9, 30), zone=SHANGHAI, calendar=cal)
    assert (r.rolled_over_from, r.last_day) == (None, date(2026, 10, 10))
    assert r.due_at == datetime(2026, 10, 11, tzinfo=SHANGHAI)
    assert "中止" in r.explanation and "5 日不计入" in r.explanation
    # paused 09-25 → 09-28: 10-05 + 3 = 10-08, the same day the holiday already gave
    r = resume_deadline(d, date(2026, 9, 25), date(2026, 9, 28), zone=SHANGHAI, calendar=cal)
    assert r.last_day == date(2026, 10, 8)
    # a pause within one day moves nothing
    same = resume_deadline(d, date(2026, 9, 25), date(2026, 9, 25), zone=SHANGHAI, calendar=cal)
    assert same.due_at == d.due_at


def test_extension_counts_from_the_day_after_the_last_day() -> None:
    d = due("2026-03-02T10:00:00+08:00", "P60D")  # last day 05-01 (劳动节) → rolled
    e = extend_deadline(d, 10, zone=SHANGHAI, calendar=WorkCalendar())
    last = d.last_day + timedelta(days=10)
    while not WorkCalendar().is_working_day(last):
        last += timedelta(days=1)
    assert e.last_day == last
    assert e.due_at == datetime.combine(last + timedelta(days=1), datetime.min.time(), SHANGHAI)
    assert "延期 10 日" in e.explanation


def test_working_day_mode_recounts_in_working_days() -> None:
    cal = WorkCalendar()
    d = due("2026-03-02T10:00:00+08:00", "P10D", mode="working")
    e = extend_deadline(d, 5, zone=SHANGHAI, calendar=cal)
    assert (
        sum(
            cal.is_working_day(d.last_day + timedelta(days=i))
            for i in range(1, (e.last_day - d.last_day).days + 1)
        )
        == 5
    )
    assert cal.is_working_day(e.last_day)


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
