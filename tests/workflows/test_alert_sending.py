"""Alerts through the workflows, on the time-skipping test server with the project's worker: a
breach results in its alert row and exactly one POST to a local webhook receiver (no workflow
of its own), and the alert sweep's workflow re-notifies it a day later, until acknowledged.

The sweep's history is kept (``histories/sweep-v1``, written when
PETITIONFLOW_REFRESH_HISTORIES=1) for ``test_replay.py``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.delivery import SIGNATURE_HEADER, DeliveryConfig, sign
from api.alerts.repository import AlertRepository
from models.daycount import WorkCalendar
from models.tables import AlertRow
from petitionflow.temporal import alert_workflow_id
from petitionflow.worker import build_worker
from tests.activities.test_delivery import (  # noqa: F401  (the receiver fixture)
    LOCAL,
    SECRET,
    Receiver,
    add_channel,
    receiver,
)
from tests.conftest import FIELD_CIPHER
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import assert_no_failed_workflow_tasks, save_history
from workflows.alert_sweep import AlertSweepWorkflow

FAST_ACCEPTANCE = """
[clocks]
acceptance = "PT100S"
[levels]
village = "PT1000S"
"""


@pytest.fixture
async def alerting(
    env: WorkflowEnvironment, engine: Engine, calendar: WorkCalendar
) -> AsyncIterator[CaseDriver]:
    """The project's worker, allowed to reach the local receiver."""
    task_queue = f"alerts-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            env.client,
            task_queue=task_queue,
            engine=engine,
            calendar=calendar,
            executor=executor,
            delivery=DeliveryConfig(timeout_seconds=5),
            webhook_guard=LOCAL,
            field_cipher=FIELD_CIPHER,
            strict_sandbox=True,
        )
        async with worker:
            driver = CaseDriver(env=env, engine=engine, task_queue=task_queue, calendar=calendar)
            yield driver
            await driver.close()


def by_alert(receiver: Receiver) -> dict[str, list[str]]:  # noqa: F811
    """Alert id → the notification numbers POSTed for it, in order."""
    found: dict[str, list[str]] = {}
    for r in receiver.requests:
        assert r.headers[SIGNATURE_HEADER] == sign(SECRET, r.body)
        found.setdefault(r.headers["X-Petitionflow-Alert-Id"], []).append(
            r.headers["X-Petitionflow-Notification"]
        )
    return found


async def sweep(env: WorkflowEnvironment, task_queue: str, name: str, batch: int = 200) -> int:
    """One run of the alert sweep, as its Schedule starts it; the notifications it sent."""
    handle = await env.client.start_workflow(
        AlertSweepWorkflow.run,
        batch,
        id=f"alert-sweep-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )
    result = await handle.result()
    await assert_no_failed_workflow_tasks(handle)
    await save_history(handle, "sweep-v1", name)
    return result.sent


async def test_a_breach_is_posted_once_then_renotified_by_the_sweep_until_acknowledged(
    env: WorkflowEnvironment,
    alerting: CaseDriver,
    engine: Engine,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(engine, "ch-hook", "webhook", receiver.url, unit_id="pinghu", secret=SECRET)
    handle = await alerting.start(policy=FAST_ACCEPTANCE)
    case_id = (await alerting.snapshot(handle)).case_id
    await alerting.sleep(seconds=110)  # past due: warning, breach, escalation
    await alerting.projected(handle)
    alerts = {a.kind: a for a in alerting.alerts(case_id)}
    assert sorted(alerts) == ["breach", "escalation", "warning"]
    breach = alerts["breach"]
    # one POST per alert, sent by the activity that recorded it
    assert by_alert(receiver) == {a.alert_id: ["1"] for a in alerts.values()}
    assert breach.notifications == 1 and breach.next_notify_at is not None
    assert alerts["warning"].next_notify_at is None  # sent once: nothing left for the sweep
    # no workflow per alert any more
    with pytest.raises(RPCError):
        await env.client.get_workflow_handle(alert_workflow_id(breach.alert_id)).describe()

    assert await sweep(env, alerting.task_queue, "nothing_due") == 0
    await alerting.sleep(days=1, minutes=1)  # the breach's renotify_every (one day) passed
    assert await sweep(env, alerting.task_queue, "renotified") == 1
    assert by_alert(receiver)[breach.alert_id] == ["1", "2"]

    with Session(engine) as session:  # as POST /alerts/{id}/ack does
        row = session.get(AlertRow, breach.alert_id)
        assert row is not None
        AlertRepository(session).acknowledge(row, by="u-supervisor")
    await alerting.sleep(days=1, minutes=1)
    await sweep(env, alerting.task_queue, "acknowledged")  # (the case's later alerts are due)
    assert by_alert(receiver)[breach.alert_id] == ["1", "2"]
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING  # the case itself goes on


async def test_the_sweep_goes_through_every_batch(
    env: WorkflowEnvironment,
    alerting: CaseDriver,
    engine: Engine,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(engine, "ch-hook", "webhook", receiver.url, unit_id="pinghu", secret=SECRET)
    handles = [await alerting.start(policy=FAST_ACCEPTANCE) for _ in range(3)]
    await alerting.sleep(seconds=110)
    for handle in handles:
        await alerting.projected(handle)
    await alerting.sleep(days=1, minutes=1)
    # batches of 2 breaches: 2 + 1, each breach once again
    assert await sweep(env, alerting.task_queue, "batches", batch=2) == 3
    renotified = [n for n in by_alert(receiver).values() if n == ["1", "2"]]
    assert len(renotified) == 3
