"""The clocks started at the instants where day counting goes wrong first: a Sunday, the day
before 国庆, an adjusted working Saturday (调休), 12-31 23:59, and a day in a year with no
published schedule. Each instant is chosen relative to today (the test server cannot go back in
time), so the suite passes on any date; expectations come from the calendar, never from a
hard-coded date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from models.daycount import WorkCalendar
from tests.workflows.cases import CaseDriver
from tests.workflows.test_clocks import ZONE, assert_ends_at_midnight_of_a_working_day

NEXT_YEAR = datetime.now(ZONE).year + 1
# A test schedule for next year: 国庆 10-01..10-07 off, Saturday 10-09 (or the Saturday after
# 10-07) worked; the real one is not published yet, and this test must not depend on it.
ADJUSTED_SATURDAY = next(
    d for d in (date(NEXT_YEAR, 10, 8) + timedelta(days=i) for i in range(7)) if d.weekday() == 5
)
SCHEDULE = (
    f"[{NEXT_YEAR}]\n"
    f"holidays = [{', '.join(str(date(NEXT_YEAR, 10, d)) for d in range(1, 8))}]\n"
    f"workdays = [{ADJUSTED_SATURDAY}]\n"
)


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)


def instants() -> dict[str, datetime]:
    today = datetime.now(ZONE).date() + timedelta(days=2)  # safely ahead of the test server
    at_ten = time(10, 0, tzinfo=ZONE)
    return {
        "sunday": datetime.combine(next_weekday(today, 6), at_ten),
        "eve_of_national_day": datetime.combine(date(NEXT_YEAR, 9, 30), at_ten),
        "adjusted_saturday": datetime.combine(ADJUSTED_SATURDAY, at_ten),
        "new_years_eve_23_59": datetime(NEXT_YEAR, 12, 31, 23, 59, tzinfo=ZONE),
        "unscheduled_year": datetime(NEXT_YEAR + 5, 1, 28, 9, 0, tzinfo=ZONE),
    }


@pytest.fixture
def calendar(tmp_path: Path) -> WorkCalendar:
    file = tmp_path / "calendar.toml"
    file.write_text(SCHEDULE, encoding="utf-8")
    return WorkCalendar.from_file(file)


def expected_due(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    last = start.astimezone(ZONE).date() + timedelta(days=days)
    while not calendar.is_working_day(last):
        last += timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=ZONE)


@pytest.mark.parametrize("instant", sorted(instants()))
async def test_clocks_from_a_difficult_start(
    driver: CaseDriver, calendar: WorkCalendar, instant: str
) -> None:
    start = instants()[instant]
    await driver.env.sleep(start - await driver.env.get_current_time())
    handle = await driver.start()
    snap = await driver.snapshot(handle)
    acceptance = next(d for d in snap.deadlines if d.id == "acceptance#1")
    assert acceptance.due_at == expected_due(acceptance.started_at, 15, calendar)
    assert_ends_at_midnight_of_a_working_day(acceptance.due_at, calendar)
    if instant == "unscheduled_year":
        assert acceptance.provisional

    snap = await driver.act(handle, "accept")
    handling = next(d for d in snap.deadlines if d.id == "handling#1")
    assert handling.due_at == expected_due(handling.started_at, 60, calendar)

    # a pause of whole days, then an extension: still 24:00 of a working day
    await driver.act(handle, "suspend", reason="appraisal")
    await driver.sleep(days=3)
    snap = await driver.act(handle, "resume")
    handling = next(d for d in snap.deadlines if d.id == "handling#1")
    assert_ends_at_midnight_of_a_working_day(handling.due_at, calendar)
    snap = await driver.act(handle, "extend", role="supervisor", days=9, reason="复杂")
    extended = next(d for d in snap.deadlines if d.id == "handling#1")
    assert extended.due_at == expected_due(handling.due_at - timedelta(days=1), 9, calendar)
    assert_ends_at_midnight_of_a_working_day(extended.due_at, calendar)
    for clock in snap.deadlines:
        assert_ends_at_midnight_of_a_working_day(clock.due_at, calendar)
