"""Issuing a notice as the projection writes the timeline event that issued it: the next 文号 of
the unit, year and kind, the PDF rendered and stored encrypted, and its SHA-256 on the event —
all in the transaction that writes the event, so a retry repeats nothing and no number is lost
or given twice. The delivery (送达) is added to the document's row with its ``deliver`` event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from activities.mediation import party_field
from models.boundary import CaseEvent, CaseSnapshot, Petitioner
from models.documents import OPENS_WINDOW, document_number
from models.policy import SlaPolicy
from models.tables import CaseDocumentRow, CasePartyRow, CaseRow, DocumentSerialRow
from models.vocabulary import (
    DELIVERY_METHOD_LABELS,
    DOCUMENT_KIND_LABELS,
    Decision,
    DeclineReason,
    DeliveryMethod,
    DocumentKind,
)
from petitionflow import unit_tree
from petitionflow.attachment_store import AttachmentStore
from petitionflow.blob_crypto import BlobCipher
from petitionflow.documents.render import DEFAULT_FONT, PdfRenderer, fill, template_text
from petitionflow.field_crypto import FieldCipher, FieldCryptoError

log = logging.getLogger(__name__)
SERIALS = DocumentSerialRow.__table__  # type: ignore[attr-defined]

DECLINE_REASONS: dict[str, str] = {
    DeclineReason.legal_channel: "该事项应当通过诉讼、仲裁、行政复议等法定途径解决",
    DeclineReason.out_of_scope: "该事项不属于本机关职权范围",
    DeclineReason.repeat_final: "该事项已经复核终结，信访人仍以同一事实和理由提出",
    DeclineReason.other: "经审查不符合受理条件",
}
DECISIONS: dict[str, str] = {Decision.upheld: "维持原处理意见", Decision.revised: "变更原处理意见"}


def document_owner(case_id: str, doc_id: str) -> str:
    """What a document's stored PDF is bound to (the blob cipher's associated data)."""
    return f"document:{case_id}:{doc_id}"


def storage_key(case_id: str, doc_id: str) -> str:
    # One key per document: a retried issue overwrites its own earlier attempt, nothing else.
    return f"{case_id}/documents/{doc_id}"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class DocumentIssuer:
    store: AttachmentStore
    blobs: BlobCipher
    fields: FieldCipher
    policy: Callable[[], SlaPolicy]  # the days the notices quote: the policy in force
    templates: Path | None = None  # the office's templates; the shipped ones otherwise
    font: Path | None = None
    renderer: PdfRenderer = field(default_factory=PdfRenderer)

    def warm(self) -> None:
        """Start the rendering processes and cut the font now, not at the first notice."""
        self.renderer.warm(self.font or DEFAULT_FONT)

    @property
    def zone(self) -> ZoneInfo:
        return self.policy().zone

    def issue(
        self,
        session: Session,
        event: CaseEvent,
        snapshot: CaseSnapshot,
        petitioner: Petitioner | None,
    ) -> CaseEvent:
        """The document ``event`` issues, numbered, rendered and stored; the event as it is to
        be written, its ``document`` naming the 文号 and the PDF's SHA-256."""
        named: dict[str, Any] = dict(event.params["document"])
        kind, doc_id = DocumentKind(named["kind"]), str(named["id"])
        unit_id = str(named.get("unit_id") or snapshot.unit_id)
        issued_on = event.at.astimezone(self.zone).date()
        path = unit_tree.unit_path(session, unit_id)
        unit_name = path[0].name if path else unit_id
        serial = self._next_serial(session, unit_id, issued_on.year, kind)
        number = document_number(unit_name, kind, issued_on.year, serial)
        values = self._values(session, event, snapshot, petitioner, path, number, issued_on)
        pdf = self.renderer.render(
            fill(template_text(kind, self.templates), values),
            font=self.font or DEFAULT_FONT,
            title=f"{number}",
            issued_at=event.at,
        )
        digest = hashlib.sha256(pdf).hexdigest()
        key = storage_key(event.case_id, doc_id)
        self.store.put(key, self.blobs.encrypt(pdf, owner=document_owner(event.case_id, doc_id)))
        session.add(
            CaseDocumentRow(
                case_id=event.case_id,
                id=doc_id,
                event_id=event.event_id,
                kind=kind.value,
                unit_id=unit_id,
                year=issued_on.year,
                serial=serial,
                number=number,
                sha256=digest,
                size=len(pdf),
                storage_key=key,
                key_id=self.blobs.active,
                issued_at=event.at,
            )
        )
        named |= {"number": number, "sha256": digest}
        return event.model_copy(update={"params": {**event.params, "document": named}})

    @staticmethod
    def delivered(session: Session, event: CaseEvent) -> None:
        """A ``deliver`` event: the delivery on the document's row."""
        row = session.get(CaseDocumentRow, (event.case_id, str(event.params.get("document_id"))))
        if row is None:  # issued by a worker without a document store: nothing to mark
            return
        row.delivered_on = date.fromisoformat(str(event.params["delivered_on"]))
        row.delivery_method = str(event.params["method"])
        row.delivered_by = event.actor
        session.add(row)

    @staticmethod
    def _next_serial(session: Session, unit_id: str, year: int, kind: DocumentKind) -> int:
        """The next number of the series, taken in the caller's transaction (the row stays
        locked until it commits: concurrent issues of one series wait, never collide)."""
        where = (SERIALS.c.unit_id == unit_id) & (SERIALS.c.year == year) & (SERIALS.c.kind == kind)
        taken = session.execute(
            update(SERIALS).where(where).values(last=SERIALS.c.last + 1).returning(SERIALS.c.last)
        ).scalar()
        if taken is not None:
            return int(taken)
        # The series' first number; a concurrent first insert fails the transaction, whose
        # retry then finds the row.
        session.execute(insert(SERIALS).values(unit_id=unit_id, year=year, kind=kind, last=1))
        return 1

    def _values(
        self,
        session: Session,
        event: CaseEvent,
        snapshot: CaseSnapshot,
        petitioner: Petitioner | None,
        path: list[Any],
        number: str,
        issued_on: date,
    ) -> dict[str, str]:
        params, clocks = event.params, self.policy().clocks
        above = path[1].name if len(path) > 1 else "上一级机关"
        next_above = path[2].name if len(path) > 2 else "上一级机关"
        handling = next((c for c in reversed(snapshot.deadlines) if c.clock == "handling"), None)
        values = self._delivery_values(session, event, snapshot, path)
        values |= self._agreement_values(session, event, snapshot)
        return values | {
            "number": number,
            "unit": path[0].name if path else snapshot.unit_id,
            "petitioner": self._name(session, event.case_id, petitioner),
            "issued_on": chinese_date(issued_on),
            "registered_on": chinese_date(snapshot.created_at.astimezone(self.zone).date()),
            "title": snapshot.title,
            "tracking_code": snapshot.tracking_code,
            "handling_days": str(clocks.handling.days or clocks.handling.iso),
            "handling_due": self._last_day(handling.due_at) if handling else "办理期限届满",
            "reason": DECLINE_REASONS.get(str(params.get("reason")), str(params.get("reason", "")))
            if event.action == "decline"
            else str(params.get("reason", "")),
            "note": str(params.get("note", "")),
            "days": str(params.get("days", "")),
            "summary": str(params.get("summary", "")),
            "decision": DECISIONS.get(str(params.get("decision")), ""),
            "review_days": str(clocks.review_window.days or clocks.review_window.iso),
            "review_unit": above,
            "re_review_days": str(clocks.re_review_window.days or clocks.re_review_window.iso),
            "re_review_unit": above if event.action == "review_opinion" else next_above,
        }

    def _delivery_values(
        self, session: Session, event: CaseEvent, snapshot: CaseSnapshot, path: list[Any]
    ) -> dict[str, str]:
        """A 送达回证's facts: the document delivered, how and when, and the petitioner's window
        that the delivery started (its last day and where to ask)."""
        if event.action != "deliver":
            return {}
        params = event.params
        row = session.get(CaseDocumentRow, (event.case_id, str(params.get("document_id"))))
        kind = DocumentKind(row.kind) if row else None
        delivered_on = date.fromisoformat(str(params["delivered_on"]))
        values = {
            "delivered_kind": DOCUMENT_KIND_LABELS[kind][0] if kind else "",
            "delivered_number": row.number if row else str(params.get("document_id", "")),
            "method": DELIVERY_METHOD_LABELS[DeliveryMethod(str(params["method"]))][0],
            "delivered_on": chinese_date(delivered_on),
            "window": "",
        }
        window = OPENS_WINDOW.get(kind) if kind else None
        started = [
            c
            for c in snapshot.deadlines
            if c.clock == window and c.started_at.astimezone(self.zone).date() == delivered_on
        ]
        if started:
            what = "复查" if window == "review_window" else "复核"
            organ = path[1].name if len(path) > 1 else "上一级机关"
            values["window"] = (
                f"　　信访人如不服，可以自收到之日起，于{self._last_day(started[-1].due_at)}前"
                f"向{organ}书面请求{what}（《信访工作条例》第三十六、三十七条）。"
            )
        return values

    def _agreement_values(
        self, session: Session, event: CaseEvent, snapshot: CaseSnapshot
    ) -> dict[str, str]:
        """A 调解协议书's facts: the parties by name (the document names them; read decrypted
        from ``case_parties``), the mediator, the sessions held and the terms agreed."""
        if event.action != "close_mediation":
            return {}
        mediation = snapshot.mediation
        parties = [
            (row.role, self._party_name(row))
            for row in session.exec(
                select(CasePartyRow)
                .where(CasePartyRow.case_id == event.case_id)
                .order_by(col(CasePartyRow.event_seq), col(CasePartyRow.position))
            )
        ]
        return {
            "parties": "\n".join(f"　　{role}：{name}" for role, name in parties),
            "signatures": "\n".join(f"{role}（签名或盖章）：" for role, _ in parties),
            "mediator": mediation.mediator if mediation else "",
            "sessions": str(len(mediation.sessions)) if mediation else "0",
            "terms": str(event.params.get("terms", "")),
        }

    def _party_name(self, row: CasePartyRow) -> str:
        try:
            return self.fields.decrypt(
                row.name_enc, row=row.case_id, field=party_field(row.position)
            )
        except FieldCryptoError:
            log.warning("agreement for case %s: a party's name does not decrypt", row.case_id)
            return row.name_masked

    def _last_day(self, due_at: datetime) -> str:
        """A period ending at 24:00 of a day, as that day."""
        return chinese_date((due_at.astimezone(self.zone) - timedelta(microseconds=1)).date())

    def _name(self, session: Session, case_id: str, petitioner: Petitioner | None) -> str:
        if petitioner is not None:
            return petitioner.name
        row = session.get(CaseRow, case_id)
        if row is None or not row.petitioner_name_enc:
            return "信访人"
        try:
            return self.fields.decrypt(row.petitioner_name_enc, row=case_id, field="name")
        except FieldCryptoError:
            log.warning("document for case %s: the petitioner's name does not decrypt", case_id)
            return "信访人"
