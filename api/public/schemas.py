"""Bodies of the public and shared reads: tracking for petitioners, the unit tree."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from pydantic import BaseModel, Field

from models.next_step import next_step
from models.tables import CaseDocumentRow
from models.vocabulary import DOCUMENT_KIND_LABELS, STATE_LABELS, DocumentKind, Level, Role


class TrackedDocument(BaseModel):
    """A document delivered online (网上送达), as the tracking page lists it: what it is, its 文号
    and dates — nothing personal (the PDF names the petitioner: it is served only after the
    one-time code, by ``POST download_url`` with ``{"otp": …}``)."""

    id: str
    kind: DocumentKind
    kind_label: str
    kind_label_en: str
    number: str
    issued_on: date
    delivered_on: date | None
    download_url: str

    @classmethod
    def of(cls, row: CaseDocumentRow, *, tracking_code: str, zone: tzinfo) -> TrackedDocument:
        kind = DocumentKind(row.kind)
        issued_at = row.issued_at if row.issued_at.tzinfo else row.issued_at.replace(tzinfo=UTC)
        return cls(
            id=row.id,
            kind=kind,
            kind_label=DOCUMENT_KIND_LABELS[kind][0],
            kind_label_en=DOCUMENT_KIND_LABELS[kind][1],
            number=row.number,
            issued_on=issued_at.astimezone(zone).date(),
            delivered_on=row.delivered_on,
            download_url=f"/api/v1/track/{tracking_code}/documents/{row.id}",
        )


class Tracking(BaseModel):
    """What a petitioner may see with a tracking code: state, the responsible unit's name and
    dates, nothing personal. While a clock is paused (中止) the case shows ``paused`` and no due
    date: the nominal date of a stopped clock would be stale."""

    tracking_code: str
    state: str
    state_label: str
    unit_name: str
    created_at: datetime
    updated_at: datetime
    paused: bool
    next_due_at: datetime | None
    # What happens next, by when (the statutory period of the state), and what the petitioner
    # may do online now (with a one-time code): ``feedback``, ``request_review``…
    state_label_en: str = ""
    next_step: str = ""
    next_step_en: str = ""
    next_step_due_at: datetime | None = None
    online_actions: list[str] = Field(default_factory=list)
    # The documents delivered online, oldest first (downloadable with a one-time code).
    documents: list[TrackedDocument] = Field(default_factory=list)

    @classmethod
    def of(cls, snapshot: dict[str, Any], *, unit_name: str, updated_at: datetime) -> Tracking:
        """From a snapshot (the workflow's, or the projection's copy as JSON)."""
        paused = any(d.get("status") == "paused" for d in snapshot.get("deadlines", []))
        due = snapshot.get("next_due_at")
        step, step_en, step_due = next_step(snapshot)
        return cls(
            tracking_code=snapshot["tracking_code"],
            state=snapshot["state"],
            state_label=STATE_LABELS[snapshot["state"]][0],
            unit_name=unit_name,
            created_at=snapshot["created_at"],
            updated_at=updated_at,
            paused=paused,
            next_due_at=None if paused else due,
            state_label_en=STATE_LABELS[snapshot["state"]][1],
            next_step=step,
            next_step_en=step_en,
            next_step_due_at=None if paused else step_due,
            online_actions=snapshot.get("allowed_actions", {}).get(Role.petitioner, []),
        )


class UnitOut(BaseModel):
    id: str
    name: str
    level: Level
    parent: str | None
    kind: str = "area"  # area | department (职能部门)
