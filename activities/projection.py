"""Projection writes: the case row, its timeline, alerts — idempotent by their event ids, so a
retried activity never duplicates a row — and unit-tree lookups."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.alert_sending import AlertSending, alert_row
from activities.case_tasks import write_case_tasks
from activities.mediation import write_parties
from activities.risk import TRIGGERS as RISK_TRIGGERS
from activities.risk import RiskEvaluator
from activities.sms import notify_petitioner
from activities.stat_facts import write_facts
from models.boundary import (
    AlertInput,
    CaseEvent,
    CaseSnapshot,
    OutboxBatch,
    Petitioner,
    Projection,
    UnitPathRequest,
)
from models.case import UnitRef
from models.tables import AlertRow, CaseEventRow, CaseRow, CaseUnitRow
from petitionflow import audit, unit_tree
from petitionflow.documents.issue import DocumentIssuer
from petitionflow.field_crypto import FieldCipher
from petitionflow.person_keys import SEARCH_KEY_COLUMNS
from petitionflow.petitioners import write_petitioners
from petitionflow.unit_tree import UnitCycleError, UnknownUnitError


def command_columns(snap: CaseSnapshot) -> dict[str, Any]:
    """The 包案 leader and the open 督办单 (count, earliest due), for the lists' filters."""
    dues = [o.due_at for o in snap.orders if o.open and o.due_at is not None]
    return {
        "leader_user_id": snap.leader.user_id if snap.leader else None,
        "open_orders": sum(o.open for o in snap.orders),
        "order_due_at": min(dues, default=None),
    }


class UnknownUnit(ApplicationError):
    def __init__(self, unit_id: str) -> None:
        super().__init__(f"unknown unit {unit_id!r}", type="UnknownUnit", non_retryable=True)


class ProjectionActivities:
    def __init__(
        self,
        engine: Engine,
        client: Client | None = None,
        *,
        fields: FieldCipher,
        documents: DocumentIssuer | None = None,
        texts: bool = False,
        risk: RiskEvaluator | None = None,
        sending: AlertSending | None = None,
    ) -> None:
        self._engine = engine
        self._client = client  # starts the SMS workflows that text the petitioner
        self._sending = sending  # sends each new alert's first notice (None: stored only)
        self._fields = fields  # encrypts the petitioner's personal data before it is stored
        # renders and stores the notices events issue (None: a worker without a store)
        self._documents = documents
        self._texts = texts  # an SMS gateway is configured: events text the petitioner
        self._risk = risk  # 预测预警: evaluated after each batch that brings a petition

    @activity.defn(name="project_case")
    def project_case(self, projection: Projection) -> None:
        try:
            with Session(self._engine) as session, session.begin():
                self._write(session, projection)
            activity.logger.info(
                "case projected",
                extra={"case_id": projection.event.case_id, "seq": projection.event.seq},
            )
        except IntegrityError:
            # A concurrent attempt wrote the same event first; a retry finds it and skips.
            raise ApplicationError("projection write raced another attempt") from None

    @activity.defn(name="write_outbox")
    async def write_outbox(self, batch: OutboxBatch) -> None:
        """A case's pending writes in one go: its events and row in one transaction, then its
        alerts (each stored once and sent out once). Idempotent as a whole."""
        if batch.events:
            try:
                await asyncio.to_thread(self._write_batch, batch)
            except IntegrityError:
                raise ApplicationError("projection write raced another attempt") from None
        stored = [(a, await asyncio.to_thread(self._store_alert, a)) for a in batch.alerts]
        if self._sending is not None:  # side by side: a slow channel costs the batch 5 s once
            await asyncio.gather(
                *(self._sending.first_notice(a, stored_now=new) for a, new in stored)
            )
        if self._texts and self._client is not None and batch.events:
            await notify_petitioner(
                self._client, batch.events, task_queue=activity.info().task_queue
            )
        if self._risk is not None and any(e.action in RISK_TRIGGERS for e in batch.events):
            try:
                risks = await asyncio.to_thread(self._evaluate_risk, batch)
            except IntegrityError:
                raise ApplicationError("risk alert raced another attempt") from None
            except DBAPIError:
                raise  # the database is away: retried like every projection write
            except Exception:  # a defect in a rule must not hold back the case's projection
                activity.logger.exception(
                    "risk evaluation failed", extra={"case_id": batch.snapshot.case_id}
                )
                risks = []
            for alert in risks:
                if self._sending is not None:
                    await self._sending.first_notice(alert, stored_now=False)

    def _evaluate_risk(self, batch: OutboxBatch) -> list[AlertInput]:
        assert self._risk is not None
        with Session(self._engine) as session, session.begin():
            findings = self._risk.findings(session, batch.snapshot, batch.events)
            at = batch.events[-1].at
            stored = [self._risk.store(session, f, at) for f in findings]
        return [a for a in stored if a is not None]

    def _write_batch(self, batch: OutboxBatch) -> None:
        with Session(self._engine) as session, session.begin():
            written = []
            for event in batch.events:
                issued = self._with_document(session, event, batch.snapshot, batch.petitioner)
                if self._write_event(session, issued):
                    written.append(issued)
                write_parties(session, self._fields, event)
            row, moved = self._write_row(
                session,
                Projection(
                    snapshot=batch.snapshot,
                    event=batch.events[-1],
                    description=batch.description,
                    petitioner=batch.petitioner,
                    petitioner_key=batch.petitioner_key,
                    search_keys=batch.search_keys,
                    people=batch.people,
                ),
            )
            write_facts(session, row, written, moved=moved)
        activity.logger.info(
            "case projected",
            extra={"case_id": batch.snapshot.case_id, "seq": batch.events[-1].seq},
        )

    @staticmethod
    def _write_event(session: Session, event: CaseEvent) -> bool:
        """Once per event id (whether it was written now); chained to the case's previous event
        (written before it: a case's events are projected in seq order)."""
        if session.get(CaseEventRow, event.event_id) is not None:
            return False
        previous = session.exec(
            select(CaseEventRow.chain)
            .where(CaseEventRow.case_id == event.case_id, CaseEventRow.seq < event.seq)
            .order_by(col(CaseEventRow.seq).desc())
            .limit(1)
        ).first()
        row = CaseEventRow(**event.model_dump(exclude={"parties"}))
        row.chain = audit.link(previous or "", row)
        session.add(row)
        return True

    def _with_document(
        self,
        session: Session,
        event: CaseEvent,
        snapshot: CaseSnapshot,
        petitioner: Petitioner | None,
    ) -> CaseEvent:
        """An event that issues a notice, with the notice numbered, rendered and stored in the
        event's own transaction (once: a written event is never issued again); a delivery,
        marked on the document's row (before its 送达回证 is issued)."""
        if session.get(CaseEventRow, event.event_id) is not None:
            return event
        if event.action == "deliver":
            DocumentIssuer.delivered(session, event)
        if self._documents is not None and "document" in event.params:
            return self._documents.issue(session, event, snapshot, petitioner)
        return event

    def _write(self, session: Session, projection: Projection) -> None:
        event = projection.event
        issued = self._with_document(session, event, projection.snapshot, projection.petitioner)
        written = [issued] if self._write_event(session, issued) else []
        write_parties(session, self._fields, event)
        row, moved = self._write_row(session, projection)
        write_facts(session, row, written, moved=moved)

    def _write_row(self, session: Session, projection: Projection) -> tuple[CaseRow, bool]:
        """The case row, and whether this write moved the case to another unit or level (its
        statistics' facts follow it)."""
        snap = projection.snapshot
        row = session.get(CaseRow, snap.case_id, with_for_update=True)
        moved = False
        if row is None:
            row = CaseRow(
                **snap.header(),
                case_id=snap.case_id,
                tracking_code=snap.tracking_code,
                created_at=snap.created_at,
                **self._mutable(projection),
            )
            session.add(row)
        elif snap.event_seq >= row.event_seq:  # never let an older write overwrite a newer one
            moved = (row.unit_id, row.level) != (snap.unit_id, snap.level)
            for name, value in self._mutable(projection).items():
                setattr(row, name, value)
        if row.purged_at is not None:  # a late retry of an old write: retention has removed it
            return row, moved
        if projection.petitioner is not None:
            for column, value in self._fields.seal(snap.case_id, projection.petitioner).items():
                setattr(row, column, value)
        if projection.petitioner_key:
            row.petitioner_key = projection.petitioner_key
        for column, value in (projection.search_keys or {}).items():
            if column in SEARCH_KEY_COLUMNS.values():
                setattr(row, column, value)
        if projection.description is not None:
            row.description = projection.description
        if projection.people:
            write_petitioners(session, self._fields, snap.case_id, projection.people)
        self._write_units(session, projection)
        if row.event_seq == snap.event_seq:  # the newest snapshot: its hand-over tasks
            write_case_tasks(session, snap)
        return row, moved

    @staticmethod
    def _write_units(session: Session, projection: Projection) -> None:
        """Every unit the case has been at, once (their staff keep reading it)."""
        snap = projection.snapshot
        known = set(
            session.exec(select(CaseUnitRow.unit_id).where(CaseUnitRow.case_id == snap.case_id))
        )
        for unit_id in dict.fromkeys([*snap.earlier_units, snap.unit_id]):
            if unit_id not in known:
                session.add(
                    CaseUnitRow(case_id=snap.case_id, unit_id=unit_id, since=projection.event.at)
                )

    @staticmethod
    def _mutable(projection: Projection) -> dict[str, Any]:
        snap = projection.snapshot
        return {
            "state": snap.state,
            "level": snap.level,
            "unit_id": snap.unit_id,
            "assignee": snap.assignee,
            "visit_count": snap.visit_count,
            "next_due_at": snap.next_due_at,
            "next_warn_at": snap.next_warn_at,
            "at_risk": snap.at_risk,
            "overdue": snap.overdue,
            "event_seq": snap.event_seq,
            "updated_at": projection.event.at,
            "snapshot": snap.model_dump(mode="json"),
            **command_columns(snap),
        }

    @activity.defn(name="record_alert")
    async def record_alert(self, alert: AlertInput) -> bool:
        """Store an alert once per (case, clock, kind, occurrence) and send its first notice
        (``activities/alert_sending.py``); True if the alert is new. Both halves are idempotent,
        so a retry after either one repeats nothing."""
        created = await asyncio.to_thread(self._store_alert, alert)
        if self._sending is not None:
            await self._sending.first_notice(alert, stored_now=created)
        return created

    def _store_alert(self, alert: AlertInput) -> bool:
        with Session(self._engine) as session, session.begin():
            if session.get(AlertRow, alert.alert_id) is not None:
                return False
            session.add(alert_row(alert))
        return True

    @activity.defn(name="unit_path")
    def unit_path(self, request: UnitPathRequest) -> list[UnitRef]:
        """The unit and its ancestors up to the root, nearest first."""
        with Session(self._engine) as session:
            try:
                return unit_tree.unit_path(session, request.unit_id, strict=True)
            except UnknownUnitError as exc:
                raise UnknownUnit(str(exc.args[0])) from None
            except UnitCycleError as exc:
                raise ApplicationError(str(exc), non_retryable=True) from None
