"""Alerts reach people: signed webhooks retried after a failure by the alert sweep, e-mail,
re-notification by the sweep's Schedule until acknowledged, and a live stream scoped like
cases."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import ScheduleHandle, ScheduleIntervalSpec, ScheduleOverlapPolicy
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment

from activities.alert_sending import AlertSending
from activities.delivery import SIGNATURE_HEADER, AlertDelivery, ChannelCache, sign
from models.boundary import (
    AlertDispatch,
    AlertSweepResult,
    AlertSweepRun,
    AlertTargets,
)
from models.tables import AlertRow
from petitionflow.schedules import ensure_alert_sweep_schedule
from petitionflow.temporal import alert_workflow_id
from tests.api.conftest import Stack
from tests.test_dev_command import free_port
from workflows.alert import AlertWorkflow

FAST = """
[clocks]
acceptance = "PT2S"
[levels]
village = "PT600S"
[alerts]
renotify_every = "PT2S"
"""
SECRET = "webhook-secret-123"


@contextlib.asynccontextmanager
async def serve(app, port: int) -> AsyncIterator[None]:
    # A client that keeps its connection (an alert stream) must not hold the shutdown for ever.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the port was taken: say why
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


async def wait_for(check, timeout: float = 20):
    for _ in range(int(timeout / 0.1)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def alerts(api: Stack, who: str = "supervisor", **params) -> list[dict]:
    return (await api.get("/api/v1/alerts", who=who, **params)).json()["items"]


def sweep_as_of(stack: Stack, as_of: datetime) -> AlertSweepResult:
    """The alert sweep's activity as a worker of ``stack`` runs it, at a pinned instant."""
    delivery = AlertDelivery(
        stack.engine, stack.settings.delivery(), guard=stack.settings.webhook_guard()
    )
    sending = AlertSending(stack.engine, delivery, ChannelCache(stack.engine))
    return ActivityEnvironment().run(sending.send_due_alerts, AlertSweepRun(as_of=as_of))


async def swept(stack: Stack, handle: ScheduleHandle) -> AlertSweepResult:
    """Trigger the sweep's Schedule and wait for that run's result (after a run it started on
    its own that may be going on: overlapping runs wait, not skipped as they are in service)."""
    before = len((await handle.describe()).info.recent_actions)
    await handle.trigger(overlap=ScheduleOverlapPolicy.BUFFER_ONE)
    for _ in range(200):
        info = (await handle.describe()).info
        actions = info.recent_actions
        if len(actions) > before and not info.running_actions:
            started = actions[-1].action
            run = stack.env.client.get_workflow_handle(
                started.workflow_id, run_id=started.first_execution_run_id
            )
            return AlertSweepResult.model_validate(await run.result())
        await asyncio.sleep(0.1)
    info = (await handle.describe()).info
    raise AssertionError(f"the Schedule never started the run: {info}")


async def test_signed_webhook_retried_after_a_500(stack: Stack) -> None:
    received: list[dict] = []
    failures = {"left": 1}

    async def hook(request: Request) -> JSONResponse:
        body = await request.body()
        assert request.headers[SIGNATURE_HEADER] == sign(SECRET, body)
        if failures["left"]:
            failures["left"] -= 1
            return JSONResponse({"error": "busy"}, status_code=500)
        received.append(json.loads(body))
        return JSONResponse({"ok": True})

    port = free_port()
    stack.use_policy(FAST)
    channel = await stack.http.post(
        "/api/v1/alert-channels",
        headers=stack.auth("supervisor"),
        json={
            "unit_id": "pinghu.danghu",
            "kind": "webhook",
            "target": f"http://127.0.0.1:{port}/hook",
            "secret": SECRET,
        },
    )
    assert channel.status_code == 201 and "secret" not in channel.json()
    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with serve(receiver, port), stack.run_worker():
        case_id = (await stack.register()).json()["case_id"]
        # warning (its first attempt answered 500), breach, escalation: each tried once
        await wait_for(lambda: asyncio.sleep(0, result=len(received) >= 2))
        # the failed attempt is the sweep's, once its backoff has passed
        assert (await asyncio.to_thread(sweep_as_of, stack, datetime.now(UTC))).sent == 0
        result = await asyncio.to_thread(
            sweep_as_of, stack, datetime.now(UTC) + timedelta(minutes=1, seconds=5)
        )
        # the retry got through (and the breach, its 2 s period long past, went again)
        assert result.failed == 0 and result.sent >= 1
        kinds = {r["kind"] for r in received}
        assert {"warning", "breach", "escalation"} <= kinds
        first = received[0]
        assert first["case_id"] == case_id and first["title"] == "小区物业费争议"
        assert first["link"].endswith(f"/dashboard#/cases/{case_id}")
        assert "受理告知期限" in next(r for r in received if r["kind"] == "breach")["message"]
        logged = [d for a in await alerts(stack) for d in a["deliveries"]]
        assert {"failed", "sent"} <= {d["status"] for d in logged}
        failed = next(d for d in logged if d["status"] == "failed")
        assert failed["error"] == "HTTP 500" and failed["attempt"] == 1
        assert failed["channel"] == "webhook" and failed["target"].endswith("/hook")


async def test_email_and_renotification_until_acknowledged(stack: Stack) -> None:
    mails: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mails.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    smtp = Controller(Handler(), hostname="127.0.0.1", port=port)
    smtp.start()
    stack.settings.smtp_port = port
    stack.use_policy(FAST)
    try:
        await stack.http.post(
            "/api/v1/alert-channels",
            headers=stack.auth("admin"),
            json={"unit_id": "pinghu", "kind": "email", "target": "duban@pinghu.gov.cn"},
        )
        client, schedule_id = stack.env.client, f"sweep-{uuid.uuid4().hex[:8]}"
        made = await ensure_alert_sweep_schedule(
            client, task_queue=stack.settings.task_queue, schedule_id=schedule_id
        )
        assert made == "created"
        schedule = client.get_schedule_handle(schedule_id)
        try:
            # Made sure of again at the next worker start: brought up to date, a pause kept.
            await schedule.pause(note="维护")
            assert (
                await ensure_alert_sweep_schedule(
                    client, task_queue=stack.settings.task_queue, schedule_id=schedule_id
                )
                == "updated"
            )
            described = (await schedule.describe()).schedule
            assert described.state.paused
            assert described.spec.intervals == [ScheduleIntervalSpec(every=timedelta(minutes=1))]
            assert described.policy.overlap == ScheduleOverlapPolicy.SKIP
            await schedule.unpause()
            async with stack.run_worker():
                await renotified_until_acknowledged(stack, schedule, mails)
        finally:
            await schedule.delete()
    finally:
        smtp.stop()


async def renotified_until_acknowledged(stack: Stack, schedule: ScheduleHandle, mails) -> None:
    case_id = (await stack.register()).json()["case_id"]

    async def village_breach(sent: int):
        # the village's breach alert itself (the town's own breach, after the escalation, is
        # another alert with mails of its own)
        found = await alerts(stack, who="admin", kind="breach", unit_id="pinghu.danghu.dongmen")
        return found[0] if found and found[0]["notifications"] >= sent else None

    breach = await wait_for(lambda: village_breach(1))
    assert len(breach["deliveries"]) == 1 and breach["deliveries"][0]["status"] == "sent"
    mail = next(m for m in mails if "【超期】" in str(m["Subject"]))
    text = mail.get_content()
    assert "小区物业费争议" in text and "东门社区" in text and case_id in text
    assert mail["To"] == "duban@pinghu.gov.cn"
    # no workflow of its own: the sweep's Schedule sends it again once its period (2 s) passed
    with pytest.raises(RPCError):
        await stack.env.client.get_workflow_handle(alert_workflow_id(breach["alert_id"])).describe()
    await asyncio.sleep(2.5)
    await swept(stack, schedule)
    breach = await wait_for(lambda: village_breach(2))
    assert breach["acknowledged_at"] is None
    assert sum("【超期】" in str(m["Subject"]) for m in mails) >= 2
    assert [d["notification"] for d in breach["deliveries"]] == [1, 2]

    acked = await stack.http.post(
        f"/api/v1/alerts/{breach['alert_id']}/ack", headers=stack.auth("supervisor")
    )
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "u-supervisor"
    again = await stack.http.post(
        f"/api/v1/alerts/{breach['alert_id']}/ack", headers=stack.auth("admin")
    )
    assert again.json()["acknowledged_by"] == "u-supervisor"  # the first one stands
    await asyncio.sleep(2.5)  # another period: acknowledged, so nothing more is sent
    await swept(stack, schedule)
    after = next(a for a in await alerts(stack, who="admin") if a["alert_id"] == breach["alert_id"])
    assert after["notifications"] == 2 and len(after["deliveries"]) == 2


async def test_alerts_are_scoped_like_cases(api: Stack) -> None:
    api.use_policy(FAST)
    await api.register()
    await wait_for(lambda: alerts(api, who="supervisor", kind="breach"))
    assert await alerts(api, who="supervisor_zhapu") == []
    assert await alerts(api, who="supervisor", acknowledged=True) == []
    alert_id = (await alerts(api, who="supervisor"))[0]["alert_id"]
    r = await api.http.post(f"/api/v1/alerts/{alert_id}/ack", headers=api.auth("supervisor_zhapu"))
    assert r.status_code == 404
    r = await api.http.post("/api/v1/alert-channels", headers=api.auth("officer"), json={
        "unit_id": "pinghu.danghu.dongmen", "kind": "email", "target": "x@y.cn"})  # fmt: skip
    assert r.status_code == 403


async def test_alerts_start_no_workflow_and_a_breach_waits_for_the_sweep(api: Stack) -> None:
    """A warning nobody has a channel for is its stored row (list, stream); a breach without
    channels is re-notified by the sweep (its count goes up) until acknowledged. Neither starts
    a workflow of its own."""
    api.use_policy(FAST)
    await api.register()

    async def notified_breaches() -> list[dict]:  # stored, then its first notice counted
        return [a for a in await alerts(api, who="admin", kind="breach") if a["notifications"]]

    breach = (await wait_for(notified_breaches))[0]
    warning = (await alerts(api, who="admin", kind="warning"))[0]
    assert (breach["notifications"], warning["notifications"]) == (1, 0)
    client = api.env.client
    for alert in (breach, warning):
        with pytest.raises(RPCError):
            await client.get_workflow_handle(alert_workflow_id(alert["alert_id"])).describe()
    later = datetime.now(UTC) + timedelta(seconds=3)
    assert (await asyncio.to_thread(sweep_as_of, api, later)).alerts >= 1
    again = next(a for a in await alerts(api, who="admin") if a["alert_id"] == breach["alert_id"])
    assert again["notifications"] == 2 and again["deliveries"] == []


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_stream_reaches_the_subtree_only(stack: Stack) -> None:
    port = free_port()
    app = stack.http._transport.app  # type: ignore[attr-defined]
    stack.use_policy(FAST)
    base = f"http://127.0.0.1:{port}"

    async def listen(who: str, into: list[str], stop: asyncio.Event) -> None:
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", f"{base}/api/v1/alerts/stream", headers=stack.auth(who)) as r,
        ):
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                into.append(line)
                if stop.is_set():
                    return

    async with serve(app, port), stack.run_worker():
        inside: list[str] = []
        outside: list[str] = []
        stop = asyncio.Event()
        listeners = [
            asyncio.create_task(listen("supervisor", inside, stop)),
            asyncio.create_task(listen("supervisor_zhapu", outside, stop)),
        ]
        await asyncio.sleep(0.5)
        case_id = (await stack.register()).json()["case_id"]

        async def breach_streamed():
            return any(line.startswith("data:") and '"kind":"breach"' in line for line in inside)

        await wait_for(breach_streamed)
        assert "event: alert" in inside and "event: case" in inside
        assert any(case_id in line for line in inside)
        stop.set()
        await asyncio.sleep(1.5)
        for task in listeners:
            task.cancel()
        assert not any(line.startswith("data:") for line in outside)


async def test_acknowledging_an_alert_from_before_the_sweep_ends_its_workflow(api: Stack) -> None:
    """Alerts raised before the sweep (migration 0023) were sent by a workflow of their own,
    still re-notifying after the upgrade: acknowledging one signals it, and it ends."""
    now, alert_id = datetime.now(UTC), f"old{uuid.uuid4().hex[:8]}.acceptance-1.breach.1"
    row = AlertRow(
        alert_id=alert_id,
        case_id="old",
        clock_id="acceptance#1",
        kind="breach",
        occurrence=1,
        unit_id="pinghu.danghu.dongmen",
        level="village",
        title="旧告警",
        message="【超期】",
        created_at=now,
        notifications=1,
        by_workflow=True,
    )
    with Session(api.engine) as session, session.begin():
        session.add(row)
    handle = await api.env.client.start_workflow(
        AlertWorkflow.run,
        AlertDispatch(
            alert_id=alert_id,
            renotify_every_seconds=3600,
            first_targets=AlertTargets(acknowledged=False, targets=[]),
        ),
        id=alert_workflow_id(alert_id),
        task_queue=api.settings.task_queue,
    )
    acked = await api.http.post(f"/api/v1/alerts/{alert_id}/ack", headers=api.auth("supervisor"))
    assert acked.status_code == 200
    assert await asyncio.wait_for(handle.result(), timeout=30) == 1  # ended by the signal
