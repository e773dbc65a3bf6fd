"""Alerts as supervisors see them: lists, acknowledgement, and where a unit's alerts are sent."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.service import RPCError

from api.alerts.repository import AlertRepository
from api.alerts.schemas import (
    AlertFilters,
    AlertOut,
    AlertPage,
    ChannelIn,
    ChannelOut,
    alert_out,
    channel_out,
)
from api.auth import Caller
from api.pagination import encode_cursor
from api.problems import ProblemError
from models.messages import Message
from models.tables import AlertChannelRow, AlertRow
from models.vocabulary import Role
from petitionflow.egress import TargetRefused, WebhookGuard
from petitionflow.temporal import alert_workflow_id

NO_ALERT = Message("预警不存在或不在您的范围内", "no such alert in your scope")


async def _signal_workflow(client: Client, row: AlertRow) -> None:
    """An alert raised before the alert sweep has an AlertWorkflow of its own, re-notifying
    until acknowledged: stop it now (if the signal is lost it reads the flag anyway). Newer
    alerts stop with the row."""
    if row.by_workflow:
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(alert_workflow_id(row.alert_id)).signal("acknowledge")


class AlertService:
    def __init__(self, session: Session) -> None:
        self.alerts = AlertRepository(session)

    def list_alerts(self, *, caller: Caller, filters: AlertFilters) -> AlertPage:
        rows = self.alerts.list_alerts(caller, filters)
        limit = filters.limit
        page = rows[:limit]
        deliveries = self.alerts.deliveries([r.alert_id for r in page])
        return AlertPage(
            items=[alert_out(r, deliveries[r.alert_id]) for r in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].alert_id)
            if len(rows) > limit
            else None,
        )

    async def acknowledge(self, *, alert_id: str, caller: Caller, client: Client) -> AlertOut:
        row = await run_in_threadpool(self._acknowledged, alert_id, caller)
        await _signal_workflow(client, row)
        deliveries = await run_in_threadpool(self.alerts.deliveries, [alert_id])
        return alert_out(row, deliveries[alert_id])

    async def acknowledge_many(
        self, *, alert_ids: list[str], caller: Caller, client: Client
    ) -> list[AlertOut]:
        """All or nothing: one alert unknown or out of scope (404) acknowledges none."""
        ids = list(dict.fromkeys(alert_ids))
        rows = await run_in_threadpool(self._acknowledged_all, ids, caller)
        for row in rows:
            await _signal_workflow(client, row)
        deliveries = await run_in_threadpool(self.alerts.deliveries, ids)
        return [alert_out(row, deliveries[row.alert_id]) for row in rows]

    def _acknowledged_all(self, alert_ids: list[str], caller: Caller) -> list[AlertRow]:
        found = {row.alert_id: row for row in self.alerts.get_many(alert_ids)}
        missing = [i for i in alert_ids if i not in found or not caller.sees(found[i].unit_id)]
        if missing:
            raise ProblemError(
                404,
                Message(
                    f"预警不存在或不在您的范围内：{', '.join(missing[:5])}",
                    f"no such alert in your scope: {', '.join(missing[:5])}",
                ),
            )
        return self.alerts.acknowledge_all([found[i] for i in alert_ids], by=caller.id)

    def _acknowledged(self, alert_id: str, caller: Caller) -> AlertRow:
        row = self.alerts.get(alert_id)
        if row is None or not caller.sees(row.unit_id):
            raise ProblemError(404, NO_ALERT)
        return self.alerts.acknowledge(row, by=caller.id)

    # -- channels ------------------------------------------------------------------------------
    def add_channel(self, *, body: ChannelIn, caller: Caller, guard: WebhookGuard) -> ChannelOut:
        if caller.role not in (Role.admin, Role.supervisor):
            raise ProblemError(
                403, Message("只有督办领导或管理员可以配置", "supervisors and admins only")
            )
        if not caller.sees(body.unit_id):
            raise ProblemError(
                403, Message("不能为范围外的单位配置", "the unit is outside your scope")
            )
        if not self.alerts.unit_exists(body.unit_id):
            raise ProblemError(404, Message("单位不存在", "no such unit"))
        if body.kind == "webhook":
            try:
                guard.check(body.target)
            except TargetRefused as refused:
                raise ProblemError(
                    422,
                    refused.message.prefixed("target"),
                    type="/problems/InvalidParams",
                    errors=[{"field": "target", "message": refused.message}],
                ) from None
        row = self.alerts.add_channel(
            AlertChannelRow(
                id=f"ch-{uuid.uuid4().hex[:12]}",
                unit_id=body.unit_id,
                kind=body.kind,
                target=body.target,
                secret=body.secret,
                created_at=datetime.now(UTC),
            )
        )
        return channel_out(row)

    def channels(self, *, caller: Caller) -> list[ChannelOut]:
        return [channel_out(r) for r in self.alerts.channels(caller)]
