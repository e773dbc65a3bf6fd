"""A deadline that falls in a holiday period breaches on the first working day after it.

The test server starts at the real current time, so the holiday is placed where the acceptance
period of a case registered now would end: its nominal last day L and the two days after are made
public holidays by an override file (as an administrator would add a year's schedule).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.testing import WorkflowEnvironment

from models.daycount import WorkCalendar
from tests.workflows.cases import CaseDriver

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = '[levels]\nvillage = "P40D"\n'  # so the statutory clock is the one that breaches


def nominal_last_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date() + timedelta(days=15)


@pytest.fixture
async def calendar(env: WorkflowEnvironment, tmp_path: Path) -> WorkCalendar:
    last = nominal_last_day(await env.get_current_time())
    holidays = [last + timedelta(days=i) for i in range(3)]
    by_year: dict[int, list[date]] = {}
    for day in holidays:
        by_year.setdefault(day.year, []).append(day)
    file = tmp_path / "calendar.toml"
    file.write_text(
        "".join(
            f"[{year}]\nholidays = [{', '.join(d.isoformat() for d in days)}]\n"
            for year, days in by_year.items()
        )
    )
    return WorkCalendar.from_file(file)


async def test_breach_waits_for_the_first_working_day_after_the_holiday(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    handle = await driver.start(policy=POLICY)
    snap = await driver.snapshot(handle)
    last = nominal_last_day(snap.created_at)
    first_working = last + timedelta(days=3)
    while not calendar.is_working_day(first_working):
        first_working += timedelta(days=1)
    expected_due = datetime.combine(first_working + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    acceptance = snap.deadlines[0]
    assert acceptance.clock == "acceptance"
    assert acceptance.due_at == expected_due
    assert "顺延" in acceptance.explanation

    async def sleep_until(moment: datetime) -> None:
        await driver.env.sleep(moment - await driver.env.get_current_time())

    nominal_due = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    await sleep_until(nominal_due + timedelta(hours=1))
    assert (await driver.snapshot(handle)).level == "village"  # not on the holiday
    await sleep_until(expected_due - timedelta(minutes=1))
    assert (await driver.snapshot(handle)).level == "village"  # not before 24:00 of that day
    await sleep_until(expected_due + timedelta(minutes=1))
    snap = await driver.snapshot(handle)
    assert snap.level == "town"
    assert snap.escalations[0].at is not None
    assert snap.escalations[0].at >= expected_due
