"""Checks on a workflow's history, and keeping it for replay tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowHistory

HISTORIES = Path(__file__).with_name("histories")


async def assert_no_failed_workflow_tasks(handle: WorkflowHandle[Any, Any]) -> WorkflowHistory:
    """Fail, listing their failure messages, if any workflow task of the run failed (a workflow
    task that fails is retried forever and hides the error from ``result()``). Returns the
    history for further checks."""
    history = await handle.fetch_history()
    failures = [
        f"event {event.event_id}: {event.workflow_task_failed_event_attributes.failure.message}"
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
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
