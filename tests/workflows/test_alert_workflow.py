"""AlertWorkflow on the time-skipping test server, with its activities replaced by fakes
registered under the real activity names: the first sending on every channel, re-notification
every ``renotify_every`` until acknowledged, one sending for kinds that do not renotify, the
retry policy of a failing channel, and how the workflow ends.

Every test keeps its history (``histories/alert-v1``, written when
PETITIONFLOW_REFRESH_HISTORIES=1) for ``test_replay.py``."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType, RetryState
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.boundary import (
    AlertDispatch,
    AlertTargets,
    AlertTargetsRequest,
    DeliveryRequest,
    DeliveryTarget,
)
from tests.workflows.history_checks import assert_no_failed_workflow_tasks, events_of, save_history
from workflows.alert import AlertWorkflow

HISTORY_FOLDER = "alert-v1"
ALERT_ID = "c0ffee0000000001.acceptance.breach.1"
HOUR = 3600.0
DAY = 24 * HOUR

WEBHOOK = DeliveryTarget(channel_id="ch-webhook", kind="webhook", target="http://hook.test/a")
WEBHOOK_2 = DeliveryTarget(channel_id="ch-webhook-2", kind="webhook", target="http://hook.test/b")
EMAIL = DeliveryTarget(channel_id="ch-email", kind="email", target="duban@pinghu.gov.cn")

# What the workflow's DELIVERY retry policy means: 1 s, doubling, at most 30 min, 50 attempts.
MAX_ATTEMPTS = 50


def backoff(attempt: int) -> float:
    """Seconds between ``attempt`` and the next one under the DELIVERY retry policy."""
    return float(min(2 ** (attempt - 1), 30 * 60))


@dataclass(frozen=True)
class Attempt:
    activity: str
    channel_id: str
    notification: int
    attempt: int
    at: datetime  # server time the attempt started (after its backoff)


@dataclass
class FakeChannels:
    """Stands in for activities/delivery.py: what the lookup answers, which channels fail, and
    a record of every call."""

    targets: list[DeliveryTarget]
    acknowledged_at_lookup: int | None = None  # the n-th lookup (1-based) says acknowledged
    failing: dict[str, int] = field(default_factory=dict)  # channel id → attempts that fail
    gone: set[str] = field(default_factory=set)  # channels removed since (non-retryable)
    lookup_failures: int = 0  # lookups that fail first (the database is down)
    lookups: list[tuple[int, datetime]] = field(default_factory=list)  # (attempt, at)
    answered: int = 0  # lookups that succeeded
    attempts: list[Attempt] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="alert_targets")
        async def alert_targets(request: AlertTargetsRequest) -> AlertTargets:
            info = activity.info()
            self.lookups.append((info.attempt, info.started_time))
            if self.lookup_failures:
                self.lookup_failures -= 1
                raise ApplicationError("database unavailable")
            self.answered += 1
            acknowledged = (
                self.acknowledged_at_lookup is not None
                and self.answered >= self.acknowledged_at_lookup
            )
            return AlertTargets(acknowledged=acknowledged, targets=self.targets)

        @activity.defn(name="deliver_webhook")
        async def deliver_webhook(request: DeliveryRequest) -> None:
            self._deliver("deliver_webhook", request)

        @activity.defn(name="deliver_email")
        async def deliver_email(request: DeliveryRequest) -> None:
            self._deliver("deliver_email", request)

        return [alert_targets, deliver_webhook, deliver_email]

    def _deliver(self, name: str, request: DeliveryRequest) -> None:
        assert request.alert_id == ALERT_ID
        info = activity.info()
        self.attempts.append(
            Attempt(
                name,
                request.channel_id,
                request.notification,
                info.attempt,
                info.started_time,
            )
        )
        if request.channel_id in self.gone:
            raise ApplicationError("alert or channel removed", type="ChannelGone")
        if info.attempt <= self.failing.get(request.channel_id, 0):
            raise ApplicationError(f"{name} to {request.channel_id} failed: HTTP 500")

    def sent(self) -> list[tuple[str, str, int]]:
        """(activity, channel, notification) of every attempt, in order."""
        return [(a.activity, a.channel_id, a.notification) for a in self.attempts]

    def of(self, channel_id: str, notification: int | None = None) -> list[Attempt]:
        return [
            a
            for a in self.attempts
            if a.channel_id == channel_id and notification in (None, a.notification)
        ]


@contextlib.asynccontextmanager
async def alert_worker(env: WorkflowEnvironment, fake: FakeChannels) -> AsyncIterator[str]:
    """A worker of AlertWorkflow and the fakes on a task queue of its own."""
    task_queue = f"alerts-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[AlertWorkflow],
        activities=fake.activities(),
    ):
        yield task_queue


async def start(
    env: WorkflowEnvironment, task_queue: str, dispatch: AlertDispatch
) -> WorkflowHandle[AlertWorkflow, int]:
    return await env.client.start_workflow(
        AlertWorkflow.run,
        dispatch,
        id=f"alert-{dispatch.alert_id}",
        task_queue=task_queue,
    )


async def run_alert(
    env: WorkflowEnvironment, fake: FakeChannels, dispatch: AlertDispatch, name: str
) -> tuple[int, WorkflowHistory]:
    """Run the alert to its end (time skipping while waiting for the result), check its history
    and keep it for replay."""
    async with alert_worker(env, fake) as task_queue:
        handle = await start(env, task_queue, dispatch)
        result = await asyncio.wait_for(handle.result(), timeout=30)
        return result, await finish(handle, name)


async def finish(handle: WorkflowHandle[Any, Any], name: str) -> WorkflowHistory:
    history = await assert_no_failed_workflow_tasks(handle)
    await save_history(handle, HISTORY_FOLDER, name)
    return history


def dispatch(
    *targets: DeliveryTarget, renotify_every: float | None = None, looked_up: bool = True
) -> AlertDispatch:
    return AlertDispatch(
        alert_id=ALERT_ID,
        renotify_every_seconds=renotify_every,
        first_targets=AlertTargets(acknowledged=False, targets=list(targets))
        if looked_up
        else None,
    )


def timers(history: WorkflowHistory) -> list[float]:
    return [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for e in events_of(history, EventType.EVENT_TYPE_TIMER_STARTED)
    ]


async def wait_for_attempts(fake: FakeChannels, count: int) -> None:
    for _ in range(400):  # up to 10 s of real time
        if len(fake.attempts) >= count:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"expected {count} delivery attempts, saw {fake.sent()}")


# -- the first sending ---------------------------------------------------------------------------


async def test_first_sending_goes_out_on_every_channel(env: WorkflowEnvironment) -> None:
    """The channels the dispatch found are used as they are: no lookup of their own."""
    fake = FakeChannels(targets=[])  # a lookup would find nothing: it must not be made
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL, WEBHOOK_2), "first_sending_on_every_channel"
    )
    assert result == 1
    assert fake.lookups == []
    assert sorted(fake.sent()) == [
        ("deliver_email", "ch-email", 1),
        ("deliver_webhook", "ch-webhook", 1),
        ("deliver_webhook", "ch-webhook-2", 1),
    ]
    assert all(a.attempt == 1 for a in fake.attempts)
    scheduled = events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    assert sorted(
        e.activity_task_scheduled_event_attributes.activity_type.name for e in scheduled
    ) == [
        "deliver_email",
        "deliver_webhook",
        "deliver_webhook",
    ]


async def test_dispatch_without_first_targets_looks_them_up(env: WorkflowEnvironment) -> None:
    """Alerts dispatched before ``first_targets`` existed look their channels up first."""
    fake = FakeChannels(targets=[EMAIL, WEBHOOK])
    result, _ = await run_alert(env, fake, dispatch(looked_up=False), "first_sending_looked_up")
    assert result == 1
    assert len(fake.lookups) == 1
    assert sorted(fake.sent()) == [
        ("deliver_email", "ch-email", 1),
        ("deliver_webhook", "ch-webhook", 1),
    ]


# -- re-notification ----------------------------------------------------------------------------


async def test_renotified_every_period_until_the_lookup_says_acknowledged(
    env: WorkflowEnvironment,
) -> None:
    # lookups after the 1st and 2nd period: not yet; after the 3rd: acknowledged
    fake = FakeChannels(targets=[WEBHOOK, EMAIL], acknowledged_at_lookup=3)
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL, renotify_every=6 * HOUR), "renotified_until_acked"
    )
    assert result == 3  # the number of times it was sent out
    for channel in ("ch-webhook", "ch-email"):
        assert [a.notification for a in fake.of(channel)] == [1, 2, 3]
    assert len(fake.lookups) == 3
    # one renotify period between sendings, and between the last one and the final lookup
    firsts = [fake.of("ch-webhook", n)[0].at for n in (1, 2, 3)]
    sendings_and_end = [*firsts, fake.lookups[-1][1]]
    for earlier, later in itertools.pairwise(sendings_and_end):
        assert later - earlier >= timedelta(hours=6)
        assert later - earlier < timedelta(hours=6, minutes=1)
    assert timers(history) == [6 * HOUR] * 3


async def test_acknowledge_signal_stops_renotification_at_once(env: WorkflowEnvironment) -> None:
    fake = FakeChannels(targets=[WEBHOOK])  # the lookup never says acknowledged
    async with alert_worker(env, fake) as task_queue:
        handle = await start(env, task_queue, dispatch(WEBHOOK, renotify_every=HOUR))
        await wait_for_attempts(fake, 1)
        await env.sleep(timedelta(hours=2, minutes=30))  # re-notified at 1 h and 2 h
        await wait_for_attempts(fake, 3)
        await handle.signal(AlertWorkflow.acknowledge)
        assert await asyncio.wait_for(handle.result(), timeout=30) == 3
        history = await finish(handle, "acknowledged_by_signal")
    assert [a.notification for a in fake.attempts] == [1, 2, 3]
    assert len(fake.lookups) == 2
    assert len(events_of(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)) == 1
    # the third period's timer was cancelled by the acknowledgement, not waited out
    assert len(events_of(history, EventType.EVENT_TYPE_TIMER_FIRED)) == 2


async def test_kinds_that_do_not_renotify_are_sent_once(env: WorkflowEnvironment) -> None:
    """Warnings, escalations and the like are dispatched without ``renotify_every``: sent once
    and done, although nobody has acknowledged them."""
    fake = FakeChannels(targets=[WEBHOOK, EMAIL])  # never acknowledged
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL), "sent_once_without_renotify"
    )
    assert result == 1
    assert sorted(fake.sent()) == [
        ("deliver_email", "ch-email", 1),
        ("deliver_webhook", "ch-webhook", 1),
    ]
    assert fake.lookups == []
    assert timers(history) == []


# -- failing channels ---------------------------------------------------------------------------


async def test_failing_channel_is_retried_with_backoff_without_holding_back_others(
    env: WorkflowEnvironment,
) -> None:
    fake = FakeChannels(targets=[WEBHOOK, EMAIL], failing={"ch-webhook": 3})
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL), "delivery_retried_with_backoff"
    )
    assert result == 1
    webhook = fake.of("ch-webhook")
    assert [a.attempt for a in webhook] == [1, 2, 3, 4]
    assert {a.notification for a in webhook} == {1}
    for earlier, later in itertools.pairwise(webhook):
        gap = (later.at - earlier.at).total_seconds()
        assert backoff(earlier.attempt) <= gap < backoff(earlier.attempt) + 1
    assert [a.attempt for a in fake.of("ch-email")] == [1]
    completed = events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
    assert len(completed) == 2  # retries are not events; only the last attempt is recorded
    assert events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED) == []


async def test_removed_channel_is_not_retried(env: WorkflowEnvironment) -> None:
    fake = FakeChannels(targets=[WEBHOOK, EMAIL], gone={"ch-webhook"})
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL), "channel_gone_not_retried"
    )
    assert result == 1
    assert [a.attempt for a in fake.of("ch-webhook")] == [1]
    assert [a.attempt for a in fake.of("ch-email")] == [1]
    (failed,) = events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
    attributes = failed.activity_task_failed_event_attributes
    assert attributes.retry_state == RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE
    assert attributes.failure.application_failure_info.type == "ChannelGone"


async def test_channel_down_for_good_is_given_up_until_the_next_renotification(
    env: WorkflowEnvironment,
) -> None:
    """50 attempts with backoff (about 20 hours), then the alert waits for its next period and
    tries the channel again; the workflow itself never fails over a channel."""
    fake = FakeChannels(
        targets=[WEBHOOK, EMAIL], acknowledged_at_lookup=2, failing={"ch-webhook": 10_000}
    )
    result, history = await run_alert(
        env, fake, dispatch(WEBHOOK, EMAIL, renotify_every=DAY), "delivery_given_up"
    )
    assert result == 2
    for notification in (1, 2):
        webhook = fake.of("ch-webhook", notification)
        assert [a.attempt for a in webhook] == list(range(1, MAX_ATTEMPTS + 1))
        retrying = webhook[-1].at - webhook[0].at
        expected = sum(backoff(n) for n in range(1, MAX_ATTEMPTS))  # 70 447 s ≈ 19.6 h
        assert expected <= retrying.total_seconds() < expected + MAX_ATTEMPTS
        assert [a.attempt for a in fake.of("ch-email", notification)] == [1]
    # the next period is counted from the end of the first sending, retries included
    second = fake.of("ch-webhook", 2)[0].at - fake.of("ch-webhook", 1)[-1].at
    assert timedelta(days=1) <= second < timedelta(days=1, minutes=1)
    failed = events_of(history, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
    assert len(failed) == 2
    assert {e.activity_task_failed_event_attributes.retry_state for e in failed} == {
        RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
    }


async def test_lookup_is_retried_while_the_database_is_down(env: WorkflowEnvironment) -> None:
    fake = FakeChannels(targets=[EMAIL], acknowledged_at_lookup=2, lookup_failures=3)
    result, _ = await run_alert(env, fake, dispatch(EMAIL, renotify_every=HOUR), "lookup_retried")
    assert result == 2
    assert [attempt for attempt, _ in fake.lookups] == [1, 2, 3, 4, 1]
    assert [a.notification for a in fake.attempts] == [1, 2]


# -- the end ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["lookup", "first_targets"])
async def test_alert_acknowledged_before_its_first_sending_is_not_sent(
    env: WorkflowEnvironment, source: str
) -> None:
    fake = FakeChannels(targets=[WEBHOOK], acknowledged_at_lookup=1)
    alert = dispatch(WEBHOOK, renotify_every=HOUR, looked_up=source == "first_targets")
    if alert.first_targets is not None:
        alert.first_targets.acknowledged = True
    result, history = await run_alert(env, fake, alert, f"acknowledged_before_sending_{source}")
    assert result == 0
    assert fake.attempts == []
    assert timers(history) == []
    (completed,) = events_of(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
    assert completed.workflow_execution_completed_event_attributes.result.payloads


async def test_alert_without_channels_still_waits_for_its_acknowledgement(
    env: WorkflowEnvironment,
) -> None:
    """A breach nobody has a channel for keeps its workflow (the stored row and the live stream
    are its notice) and ends with the acknowledgement like any other."""
    fake = FakeChannels(targets=[], acknowledged_at_lookup=2)
    result, history = await run_alert(env, fake, dispatch(renotify_every=DAY), "no_channels")
    assert result == 2
    assert fake.attempts == []
    assert timers(history) == [DAY, DAY]
