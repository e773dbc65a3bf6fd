"""Deadlines computed in the workflow from the calendar snapshot it carries: while the schedules
a period reaches are published, registration and actions schedule no activity for them; a year
without a published schedule (and a case registered before the snapshot) asks the activity.
The clock timer is kept while the next due instant holds, and replaced only when it moves."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from models.daycount import WorkCalendar
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import events_of
from tests.workflows.test_clock_instants import expected_due
from tests.workflows.test_clocks import ZONE

DEADLINE_ACTIVITIES = {"compute_deadlines", "recount_deadlines"}


@pytest.fixture
def calendar(tmp_path: Path) -> WorkCalendar:
    """Published (test) schedules for every year a case of this test can reach, whatever the
    date: 国庆 off on weekdays, the Saturday before it worked."""
    year = datetime.now(ZONE).year
    text = ""
    for y in range(year - 1, year + 3):
        saturday = next(d for d in (date(y, 9, 30) - timedelta(days=i) for i in range(7)))
        while saturday.weekday() != 5:
            saturday -= timedelta(days=1)
        holidays = ", ".join(str(date(y, 10, d)) for d in range(1, 8))
        text += f"[{y}]\nholidays = [{holidays}]\nworkdays = [{saturday}]\n"
    file = tmp_path / "calendar.toml"
    file.write_text(text, encoding="utf-8")
    return WorkCalendar.from_file(file)


def scheduled_activities(history: WorkflowHistory) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    ]


def timer_events_after_update(history: WorkflowHistory, update_id: str) -> list[Any]:
    """Timers started or cancelled from the moment the update was accepted."""
    accepted = next(
        e.event_id
        for e in events_of(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
        if e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        == update_id
    )
    timer_types = {EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED}
    return [e for e in history.events if e.event_id > accepted and e.event_type in timer_types]


async def test_no_activity_on_the_path_while_the_schedules_are_published(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    handle = await driver.start()
    snap = await driver.act(handle, "accept")
    handling = next(d for d in snap.deadlines if d.id == "handling#1")
    assert handling.due_at == expected_due(handling.started_at, 60, calendar)
    assert not handling.provisional
    await driver.act(handle, "suspend", reason="appraisal")
    await driver.sleep(days=3)
    snap = await driver.act(handle, "resume")
    resumed = next(d for d in snap.deadlines if d.id == "handling#1")
    assert resumed.due_at > handling.due_at
    snap = await driver.act(handle, "extend", role="supervisor", days=9, reason="案情复杂")
    extended = next(d for d in snap.deadlines if d.id == "handling#1")
    assert extended.due_at == expected_due(resumed.due_at - timedelta(days=1), 9, calendar)
    history = await handle.fetch_history()
    assert not DEADLINE_ACTIVITIES & set(scheduled_activities(history))

    # Actions that leave the next due instant where it is keep its timer.
    await driver.act(handle, "assess", update_id="keep-1", claim="reasonable")
    await driver.act(handle, "assign", update_id="keep-2", officer_id="u-officer-2")
    history = await handle.fetch_history()
    assert timer_events_after_update(history, "keep-1") == []


async def test_a_year_without_a_published_schedule_asks_the_activity(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    unpublished = datetime.now(ZONE).year + 6  # beyond the fixture's years
    start = datetime(unpublished, 3, 2, 10, tzinfo=ZONE)
    await driver.env.sleep(start - await driver.env.get_current_time())
    handle = await driver.start()
    snap = await driver.snapshot(handle)
    acceptance = next(d for d in snap.deadlines if d.id == "acceptance#1")
    assert acceptance.provisional
    history = await handle.fetch_history()
    assert "compute_deadlines" in scheduled_activities(history)


async def test_a_case_registered_before_the_snapshot_asks_the_activity(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    driver.calendar = None  # as the API registered cases before it sent a snapshot
    handle = await driver.start()
    snap = await driver.act(handle, "accept")
    handling = next(d for d in snap.deadlines if d.id == "handling#1")
    assert handling.due_at == expected_due(handling.started_at, 60, calendar)
    history = await handle.fetch_history()
    assert scheduled_activities(history).count("compute_deadlines") == 2  # registration, accept
