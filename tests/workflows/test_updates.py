"""Rejected actions leave no trace; the same update id applies once, across continue-as-new."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.cases import CaseDriver

WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def history_length(handle) -> int:
    """Events that record something about the case. The time-skipping server has no
    speculative workflow tasks, so a rejected update costs it an empty workflow task there;
    what matters is that no update, command or marker is recorded."""
    events = (await handle.fetch_history()).events
    return sum(e.event_type not in WORKFLOW_TASK_EVENTS for e in events)


@pytest.mark.parametrize(
    ("action", "role", "params", "error"),
    [
        ("reply", "officer", {"summary": "x"}, "InvalidTransition"),  # state: registered
        ("extend", "officer", {"days": 5, "reason": "x"}, "InvalidTransition"),
        ("accept", "supervisor", {}, "Forbidden"),
        ("accept", "system", {}, "Forbidden"),
        ("decline", "officer", {"reason": "because"}, "InvalidParams"),
        ("approve", "officer", {}, "InvalidParams"),
        ("warn", "officer", {}, "InvalidParams"),  # automatic events are not actions
    ],
)
async def test_rejected_actions_leave_history_unchanged(
    driver: CaseDriver, action: str, role: str, params: dict, error: str
) -> None:
    handle = await driver.start()
    await driver.projected(handle)
    before, snap_before = await history_length(handle), await driver.snapshot(handle)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, action, role=role, **params)
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == error
    if error != "InvalidParams" and role in snap_before.allowed_actions:
        assert cause.details[0]["allowed_actions"] == snap_before.allowed_actions[role]
    assert await history_length(handle) == before
    assert (await driver.snapshot(handle)) == snap_before


async def test_wrong_role_for_a_supervisor_action(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    await driver.projected(handle)
    before = await history_length(handle)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "extend", role="officer", days=5, reason="x")
    assert err.value.cause.type == "Forbidden"  # type: ignore[union-attr]
    assert await history_length(handle) == before


async def continued_from(handle) -> str:
    """The run the newest run continued from ('' for a first run)."""
    first = (await handle.fetch_history()).events[0]
    return first.workflow_execution_started_event_attributes.continued_execution_run_id


async def test_same_update_id_applies_once(driver: CaseDriver) -> None:
    handle = await driver.start()
    first = await driver.act(handle, "accept", update_id="key-1")
    again = await driver.act(handle, "accept", update_id="key-1")
    assert again.state == first.state == "handling"
    assert again.event_seq == first.event_seq
    events = await driver.projected(handle)
    assert [e.action for e in events] == ["register", "accept"]


async def test_continue_as_new_keeps_state_clocks_and_applied_ids(driver: CaseDriver) -> None:
    handle = await driver.start(history_limit=40)
    await driver.act(handle, "accept", update_id="k-accept")
    await driver.act(handle, "assess", claim="partly_reasonable", hardship=True)
    await driver.act(handle, "extend", role="supervisor", days=7, reason="复杂")
    await driver.act(handle, "complete_track", track="resolution", update_id="k-resolution")
    before = await driver.snapshot(handle)
    current = driver.env.client.get_workflow_handle(handle.id)  # follows the newest run
    for _ in range(12):  # assignments grow the history past the limit
        await driver.act(current, "assign", officer_id="u-2")
    for _ in range(100):  # the run continues as new once its projection writes are done
        if await continued_from(current):
            break
        await asyncio.sleep(0.05)
    assert await continued_from(current) == handle.result_run_id, "did not continue as new"

    after = await driver.snapshot(current)
    assert after.state == "handling"
    assert after.tracks == before.tracks
    assert after.deadlines == before.deadlines  # every clock, with its extension, carried over
    assert after.extension_used
    # ids applied in the first run are still honoured in the second
    again = await driver.act(
        current, "complete_track", update_id="k-resolution", track="resolution"
    )
    assert again.event_seq == after.event_seq
    # and the clocks still run: the village level window breaches in the new run. Its due time
    # depends on the start date's rest days, so sleep until just past it (any date of the year).
    village = next(d for d in after.deadlines if d.clock == "level" and d.status == "running")
    assert village.level == "village" and village.due_at is not None
    now = await driver.env.get_current_time()
    await driver.env.sleep(village.due_at - now + timedelta(hours=1))
    snap = await driver.snapshot(current)
    assert snap.level == "town"
    events = await driver.projected(current)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    await driver.save_history(current, "after_continue_as_new")
