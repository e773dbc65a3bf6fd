"""The live alert stream: server-sent events of new alerts and case state changes.

One poller per process reads the projection for every open stream and fans the rows out to
them; a stream holds no database connection between polls (nor while it waits for the next
one), so open streams cannot take the pool from the rest of the API. Each user may hold at most
``PETITIONFLOW_STREAM_MAX_PER_USER`` streams at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.alerts.repository import AlertRepository
from api.alerts.schemas import AlertOut, alert_out
from api.auth import Caller
from api.problems import ProblemError
from models.messages import Message
from models.vocabulary import Role

log = logging.getLogger("petitionflow.alerts.stream")

# Rows are stamped with workflow time but written a moment later by the worker, so rows of
# different cases can land out of order. The poller re-reads this far back and each stream skips
# what it has already sent.
LATENESS = timedelta(minutes=2)
KEEPALIVE_SECONDS = 15
# A stream that has left this many polls unread is gone (its consumer stopped reading).
MAX_BACKLOG = 120
# The poller reads every unit's rows; each stream keeps those of its caller's scope.
_EVERYONE = Caller(id="", name="", role=Role.admin, unit_id="", units=None)

Batch = tuple[list[AlertOut], list[dict[str, Any]]]


@dataclass(eq=False)
class Subscription:
    caller: Caller
    since: datetime
    batches: asyncio.Queue[Batch] = field(default_factory=asyncio.Queue)
    closed: bool = False


class AlertHub:
    """The process's one poller and its subscribers (asyncio only: no locks needed)."""

    def __init__(self, *, poll_seconds: Callable[[], float], max_per_user: Callable[[], int]):
        self._poll_seconds = poll_seconds
        self._max_per_user = max_per_user
        self._subscribers: set[Subscription] = set()
        self._open: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._engine: Engine | None = None

    @property
    def open_streams(self) -> int:
        return len(self._subscribers)

    def subscribe(self, engine: Engine, caller: Caller) -> Subscription:
        """A new stream for the caller; 429 when the caller already holds the most allowed."""
        cap = self._max_per_user()
        if self._open[caller.id] >= cap:
            raise ProblemError(
                429,
                Message("打开的实时流过多", f"at most {cap} open alert streams per user"),
                headers={"Retry-After": "5"},
            )
        self._engine = engine
        subscription = Subscription(caller=caller, since=datetime.now(UTC))
        self._subscribers.add(subscription)
        self._open[caller.id] += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(subscription.since))
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.discard(subscription)
            self._open[subscription.caller.id] -= 1
            if self._open[subscription.caller.id] <= 0:
                del self._open[subscription.caller.id]
        subscription.closed = True

    async def close(self) -> None:
        for subscription in list(self._subscribers):
            self.unsubscribe(subscription)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, mark: datetime) -> None:
        while self._subscribers:
            engine = self._engine
            assert engine is not None
            try:
                alerts, events = await asyncio.to_thread(_poll, engine, mark - LATENESS)
            except Exception:  # the database is away: try again at the next poll
                log.warning("alert stream poll failed", exc_info=True)
                alerts, events = [], []
            stamps = [a.created_at for a in alerts] + [e["at_dt"] for e in events]
            mark = max([mark, *stamps])
            for subscription in list(self._subscribers):
                if subscription.batches.qsize() >= MAX_BACKLOG:
                    self.unsubscribe(subscription)
                    continue
                subscription.batches.put_nowait(_in_scope(subscription.caller, alerts, events))
            await asyncio.sleep(self._poll_seconds())


def _in_scope(caller: Caller, alerts: list[AlertOut], events: list[dict[str, Any]]) -> Batch:
    return (
        [a for a in alerts if caller.sees(a.unit_id)],
        [e for e in events if caller.sees(e["unit_id"])],
    )


async def stream(
    hub: AlertHub, subscription: Subscription, *, is_gone: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """Server-sent events: new alerts and case state changes in the caller's scope.

    Reads the projection, so every API replica streams the same events whichever worker wrote
    them.
    """
    since = subscription.since
    sent: dict[str, datetime] = {}
    loop = asyncio.get_running_loop()
    spoke = loop.time()
    try:
        yield ": connected\n\n"
        while not subscription.closed and not await is_gone():
            try:
                alerts, events = await asyncio.wait_for(subscription.batches.get(), timeout=1.0)
            except TimeoutError:
                alerts, events = [], []
            fresh_alerts = [a for a in alerts if a.alert_id not in sent and a.created_at > since]
            fresh_events = [e for e in events if e["event_id"] not in sent and e["at_dt"] > since]
            for alert in fresh_alerts:
                sent[alert.alert_id] = alert.created_at
                yield f"event: alert\ndata: {alert.model_dump_json()}\n\n"
            for event in fresh_events:
                sent[event["event_id"]] = event["at_dt"]
                body = {k: v for k, v in event.items() if k != "at_dt"}
                yield f"event: case\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
            horizon = max(sent.values(), default=since) - LATENESS - LATENESS
            sent = {k: at for k, at in sent.items() if at > horizon}
            if fresh_alerts or fresh_events:
                spoke = loop.time()
            elif loop.time() - spoke >= KEEPALIVE_SECONDS:
                spoke = loop.time()
                yield ": keepalive\n\n"
    finally:
        hub.unsubscribe(subscription)


def _poll(engine: Engine, after: datetime) -> Batch:
    with Session(engine) as session:
        repository = AlertRepository(session)
        alerts = repository.alerts_after(_EVERYONE, after)
        events = repository.events_after(_EVERYONE, after)
        deliveries = repository.deliveries([a.alert_id for a in alerts])
        return [alert_out(a, deliveries[a.alert_id]) for a in alerts], events
