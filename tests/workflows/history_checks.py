"""Checks on a workflow's history, and keeping it for replay tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import WorkflowHandle, WorkflowHistory

HISTORIES = Path(__file__).with_name("histories")


# The server's own refusals of a task completion, which the next task cures by itself: new
# events (a signal, an update, a timer) arrived while the worker completed the task, or the
# sticky worker changed. Any other cause is the workflow's code failing.
SERVER_RETRIED = frozenset(
    {
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_UPDATE,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
    }
)


async def assert_no_failed_workflow_tasks(handle: WorkflowHandle[Any, Any]) -> WorkflowHistory:
    """Fail, listing their causes and messages, if any workflow task of the run failed (a
    workflow task that fails is retried forever and hides the error from ``result()``).
    Returns the history for further checks."""
    history = await handle.fetch_history()
    failures = [
        f"event {event.event_id}: "
        f"{WorkflowTaskFailedCause.Name(attributes.cause)} {attributes.failure.message}"
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        and (attributes := event.workflow_task_failed_event_attributes).cause not in SERVER_RETRIED
    ]
    assert not failures, f"workflow tasks failed in {handle.id}:\n" + "\n".join(failures)
    return history


def events_of(history: WorkflowHistory, event_type: EventType.ValueType) -> list[Any]:
    return [event for event in history.events if event.event_type == event_type]


async def save_history(handle: WorkflowHandle[Any, Any], folder: str, name: str) -> None:
    """Keep the history as ``histories/<folder>/<name>.json`` for replay tests when
    PETITIONFLOW_REFRESH_HISTORIES=1."""
    if os.environ.get("PETITIONFLOW_REFRESH_HISTORIES") != "1":
        return
    history = await handle.fetch_history()
    target = HISTORIES / folder
    target.mkdir(parents=True, exist_ok=True)
    data = json.loads(history.to_json())
    (target / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
