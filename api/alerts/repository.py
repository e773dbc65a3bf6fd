"""The alerts' reads and writes on the projection (``alerts``, their deliveries and channels, and
the case events the live stream carries): the only SQL behind the alert routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.alerts.schemas import AlertFilters
from api.auth import Caller, scoped
from api.pagination import decode_cursor
from models.tables import (
    AlertChannelRow,
    AlertDeliveryRow,
    AlertRow,
    CaseEventRow,
    CaseRow,
    UnitRow,
)
from petitionflow.unit_tree import subtree


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def deliveries(self, alert_ids: list[str]) -> dict[str, list[AlertDeliveryRow]]:
        """Each alert's delivery attempts, in order."""
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

    def list_alerts(self, caller: Caller, filters: AlertFilters) -> list[AlertRow]:
        """One page and one row more (its presence says there is a next page), newest first."""
        query = scoped(select(AlertRow), AlertRow.unit_id, caller)
        if filters.unit_id:
            units = subtree(self.session, filters.unit_id)
            query = query.where(col(AlertRow.unit_id).in_(units))
        if filters.kind:
            query = query.where(AlertRow.kind == filters.kind)
        if filters.acknowledged is not None:
            ack = col(AlertRow.acknowledged_at).is_not(None)
            query = query.where(ack if filters.acknowledged else ~ack)
        if filters.cursor:
            created, key = decode_cursor(filters.cursor)
            query = query.where(
                or_(
                    col(AlertRow.created_at) < created,
                    (col(AlertRow.created_at) == created) & (col(AlertRow.alert_id) < key),
                )
            )
        query = query.order_by(col(AlertRow.created_at).desc(), col(AlertRow.alert_id).desc())
        return list(self.session.exec(query.limit(filters.limit + 1)).all())

    def get(self, alert_id: str) -> AlertRow | None:
        return self.session.get(AlertRow, alert_id)

    def get_many(self, alert_ids: list[str]) -> list[AlertRow]:
        return list(
            self.session.exec(select(AlertRow).where(col(AlertRow.alert_id).in_(alert_ids)))
        )

    def acknowledge_all(self, rows: list[AlertRow], *, by: str) -> list[AlertRow]:
        """Every row acknowledged in one transaction; one already acknowledged keeps its first
        acknowledgement. Nothing more is sent (re-notifications, retries): the sweep no longer
        finds it."""
        now = datetime.now(UTC)
        for row in rows:
            if row.acknowledged_at is None:
                row.acknowledged_at, row.acknowledged_by = now, by
                row.next_notify_at = None
                self.session.add(row)
        self.session.commit()
        for row in rows:
            self.session.refresh(row)
        return rows

    def acknowledge(self, row: AlertRow, *, by: str) -> AlertRow:
        """Acknowledged now, unless it already was (acknowledging twice changes nothing)."""
        if row.acknowledged_at is None:
            row.acknowledged_at = datetime.now(UTC)
            row.acknowledged_by = by
            row.next_notify_at = None  # as in ``acknowledge_all``
            self.session.add(row)
            self.session.commit()
            self.session.refresh(row)
        return row

    # -- channels ------------------------------------------------------------------------------
    def unit_exists(self, unit_id: str) -> bool:
        return self.session.get(UnitRow, unit_id) is not None

    def add_channel(self, row: AlertChannelRow) -> AlertChannelRow:
        self.session.add(row)
        self.session.commit()
        self.session.refresh(row)
        return row

    def channels(self, caller: Caller) -> list[AlertChannelRow]:
        query = select(AlertChannelRow).order_by(col(AlertChannelRow.id))
        return list(self.session.exec(scoped(query, AlertChannelRow.unit_id, caller)))

    # -- the live stream -----------------------------------------------------------------------
    def alerts_after(self, caller: Caller, after: datetime) -> list[AlertRow]:
        query = scoped(select(AlertRow), AlertRow.unit_id, caller)
        query = query.where(col(AlertRow.created_at) > after)
        return list(self.session.exec(query.order_by(col(AlertRow.created_at))).all())

    def events_after(self, caller: Caller, after: datetime) -> list[dict[str, Any]]:
        """Case events since ``after`` in the caller's scope, as the stream sends them (with
        ``at_dt``, the instant, for the stream's own bookkeeping)."""
        query = (
            select(CaseEventRow, CaseRow.unit_id)
            .join(CaseRow, col(CaseRow.case_id) == col(CaseEventRow.case_id))
            .where(col(CaseEventRow.at) > after)
        )
        query = scoped(query, CaseRow.unit_id, caller)
        rows = self.session.exec(query.order_by(col(CaseEventRow.at))).all()
        return [
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
