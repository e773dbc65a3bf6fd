"""The live alert stream: server-sent events of new alerts and case state changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.alerts.repository import AlertRepository
from api.alerts.schemas import AlertOut, alert_out
from api.auth import Caller

# Rows are stamped with workflow time but written a moment later by the worker, so rows of
# different cases can land out of order. The stream re-reads this far back and skips what it
# has already sent.
LATENESS = timedelta(minutes=2)


async def stream(
    engine: Engine, caller: Caller, *, since: datetime, poll_seconds: float, is_gone: Any
) -> AsyncIterator[str]:
    """Server-sent events: new alerts and case state changes in the caller's scope.

    Reads the projection, so every API replica streams the same events whichever worker wrote
    them.
    """
    sent: dict[str, datetime] = {}
    mark = since
    idle = 0.0
    yield ": connected\n\n"
    while not await is_gone():
        alerts, events = await asyncio.to_thread(_poll, engine, caller, mark - LATENESS)
        fresh_alerts = [a for a in alerts if a.alert_id not in sent and a.created_at > since]
        fresh_events = [e for e in events if e["event_id"] not in sent and e["at_dt"] > since]
        for alert in fresh_alerts:
            sent[alert.alert_id] = alert.created_at
            yield f"event: alert\ndata: {alert.model_dump_json()}\n\n"
        for event in fresh_events:
            sent[event["event_id"]] = event.pop("at_dt")
            yield f"event: case\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        stamps = [a.created_at for a in alerts] + [e["at_dt"] for e in events if "at_dt" in e]
        mark = max([mark, *stamps])
        sent = {k: at for k, at in sent.items() if at > mark - LATENESS - LATENESS}
        if fresh_alerts or fresh_events:
            idle = 0.0
        else:
            idle += poll_seconds
            if idle >= 15:
                idle = 0.0
                yield ": keepalive\n\n"
        await asyncio.sleep(poll_seconds)


def _poll(
    engine: Engine, caller: Caller, after: datetime
) -> tuple[list[AlertOut], list[dict[str, Any]]]:
    with Session(engine) as session:
        repository = AlertRepository(session)
        alerts = repository.alerts_after(caller, after)
        events = repository.events_after(caller, after)
        deliveries = repository.deliveries([a.alert_id for a in alerts])
        return [alert_out(a, deliveries[a.alert_id]) for a in alerts], events
