"""Alerts as supervisors see them: lists, acknowledgement, the live stream, and channels."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.service import RPCError

from activities.projection import alert_workflow_id
from api.auth import Caller, subtree
from api.problems import ProblemError
from models.alerts import alert_label
from models.tables import (
    AlertChannelRow,
    AlertDeliveryRow,
    AlertRow,
    CaseEventRow,
    CaseRow,
    UnitRow,
)
from models.text import CONTROL, CleanText

NO_ALERT = "预警不存在或不在您的范围内 / no such alert in your scope"


class Delivery(BaseModel):
    channel: str
    target: str
    notification: int
    attempt: int
    status: str
    error: str
    at: datetime


class AlertOut(BaseModel):
    alert_id: str
    case_id: str
    kind: str
    kind_label: str
    clock_id: str | None
    unit_id: str
    level: str
    title: str
    message: str
    due_at: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    notifications: int
    deliveries: list[Delivery]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class _ChannelIn(CleanText):
    unit_id: str = Field(min_length=1, max_length=200)
    secret: str = Field(default="", max_length=200)


class WebhookChannelIn(_ChannelIn):
    kind: Literal["webhook"]
    target: str = Field(
        max_length=500,
        pattern=rf"^https?://[^\s/?#{CONTROL}]+[^\s{CONTROL}]*$",
        description="the http(s) URL that receives the signed JSON",
    )


class EmailChannelIn(_ChannelIn):
    kind: Literal["email"]
    target: str = Field(
        max_length=320,
        pattern=rf"^[^@\s{CONTROL}]+@[^@\s{CONTROL}]+$",
        description="the address to mail",
    )


ChannelIn = Annotated[WebhookChannelIn | EmailChannelIn, Field(discriminator="kind")]


class ChannelOut(BaseModel):
    id: str
    unit_id: str
    kind: str
    target: str
    enabled: bool
    created_at: datetime


def alert_out(row: AlertRow, deliveries: list[AlertDeliveryRow]) -> AlertOut:
    return AlertOut(
        alert_id=row.alert_id,
        case_id=row.case_id,
        kind=row.kind,
        kind_label=alert_label(row.kind),
        clock_id=row.clock_id,
        unit_id=row.unit_id,
        level=row.level,
        title=row.title,
        message=row.message,
        due_at=row.due_at,
        created_at=row.created_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        notifications=row.notifications,
        deliveries=[
            Delivery(
                channel=d.channel,
                target=d.target,
                notification=d.notification,
                attempt=d.attempt,
                status=d.status,
                error=d.error,
                at=d.at,
            )
            for d in deliveries
        ],
    )


def _cursor(created_at: datetime, key: str) -> str:
    raw = json.dumps([created_at.isoformat(), key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(created), str(key)
    except (ValueError, TypeError):
        raise ProblemError(
            422, "cursor: invalid", errors=[{"field": "cursor", "message": "invalid cursor"}]
        ) from None


class AlertService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _deliveries(self, alert_ids: list[str]) -> dict[str, list[AlertDeliveryRow]]:
        found: dict[str, list[AlertDeliveryRow]] = {a: [] for a in alert_ids}
        if alert_ids:
            rows = self.session.exec(
                select(AlertDeliveryRow)
                .where(col(AlertDeliveryRow.alert_id).in_(alert_ids))
                .order_by(col(AlertDeliveryRow.at), col(AlertDeliveryRow.id))
            ).all()
            for row in rows:
                found[row.alert_id].append(row)
        return found

    def list_alerts(
        self,
        caller: Caller,
        *,
        unit_id: str | None,
        kind: str | None,
        acknowledged: bool | None,
        limit: int,
        cursor: str | None,
    ) -> AlertPage:
        query = select(AlertRow)
        if caller.units is not None:
            query = query.where(col(AlertRow.unit_id).in_(caller.units))
        if unit_id:
            query = query.where(col(AlertRow.unit_id).in_(subtree(self.session, unit_id)))
        if kind:
            query = query.where(AlertRow.kind == kind)
        if acknowledged is not None:
            ack = col(AlertRow.acknowledged_at).is_not(None)
            query = query.where(ack if acknowledged else ~ack)
        if cursor:
            created, key = _uncursor(cursor)
            query = query.where(
                or_(
                    col(AlertRow.created_at) < created,
                    (col(AlertRow.created_at) == created) & (col(AlertRow.alert_id) < key),
                )
            )
        query = query.order_by(col(AlertRow.created_at).desc(), col(AlertRow.alert_id).desc())
        rows = list(self.session.exec(query.limit(limit + 1)).all())
        page = rows[:limit]
        deliveries = self._deliveries([r.alert_id for r in page])
        return AlertPage(
            items=[alert_out(r, deliveries[r.alert_id]) for r in page],
            next_cursor=_cursor(page[-1].created_at, page[-1].alert_id)
            if len(rows) > limit
            else None,
        )

    async def acknowledge(self, alert_id: str, caller: Caller, client: Client) -> AlertOut:
        row = await run_in_threadpool(self._acknowledged, alert_id, caller)
        # Stop re-notification now; if the signal is lost the workflow reads the flag anyway.
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(alert_workflow_id(alert_id)).signal("acknowledge")
        deliveries = await run_in_threadpool(self._deliveries, [alert_id])
        return alert_out(row, deliveries[alert_id])

    def _acknowledged(self, alert_id: str, caller: Caller) -> AlertRow:
        row = self.session.get(AlertRow, alert_id)
        if row is None or not caller.sees(row.unit_id):
            raise ProblemError(404, NO_ALERT)
        if row.acknowledged_at is None:  # acknowledging twice changes nothing
            row.acknowledged_at = datetime.now(UTC)
            row.acknowledged_by = caller.id
            self.session.add(row)
            self.session.commit()
            self.session.refresh(row)
        return row

    # -- channels ------------------------------------------------------------------------------
    def add_channel(self, body: ChannelIn, caller: Caller) -> ChannelOut:
        if not caller.sees(body.unit_id):
            raise ProblemError(403, "不能为范围外的单位配置 / the unit is outside your scope")
        if self.session.get(UnitRow, body.unit_id) is None:
            raise ProblemError(404, "单位不存在 / no such unit")
        row = AlertChannelRow(
            id=f"ch-{uuid.uuid4().hex[:12]}",
            unit_id=body.unit_id,
            kind=body.kind,
            target=body.target,
            secret=body.secret,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.commit()
        self.session.refresh(row)
        return ChannelOut(**row.model_dump(exclude={"secret"}))

    def channels(self, caller: Caller) -> list[ChannelOut]:
        query = select(AlertChannelRow).order_by(col(AlertChannelRow.id))
        if caller.units is not None:
            query = query.where(col(AlertChannelRow.unit_id).in_(caller.units))
        return [ChannelOut(**r.model_dump(exclude={"secret"})) for r in self.session.exec(query)]


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
        query = select(AlertRow).where(col(AlertRow.created_at) > after)
        if caller.units is not None:
            query = query.where(col(AlertRow.unit_id).in_(caller.units))
        alerts = list(session.exec(query.order_by(col(AlertRow.created_at))).all())
        events_query = (
            select(CaseEventRow, CaseRow.unit_id)
            .join(CaseRow, col(CaseRow.case_id) == col(CaseEventRow.case_id))
            .where(col(CaseEventRow.at) > after)
        )
        if caller.units is not None:
            events_query = events_query.where(col(CaseRow.unit_id).in_(caller.units))
        rows = session.exec(events_query.order_by(col(CaseEventRow.at))).all()
        deliveries = AlertService(session)._deliveries([a.alert_id for a in alerts])
        out = [alert_out(a, deliveries[a.alert_id]) for a in alerts]
    events = [
        {
            "event_id": e.event_id,
            "case_id": e.case_id,
            "seq": e.seq,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "unit_id": unit_id,
            "at": e.at.isoformat(),
            "at_dt": e.at,
        }
        for e, unit_id in rows
    ]
    return out, events
