"""``GET /api/v1/petitioners/{petitioner_ref}``: one person's cases and visits within the caller's
scope, by the opaque reference the case's petitioner entries show (a keyed hash of its own,
never the ID number). Every case handed out is on the access log (kind ``petitioner_history``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api import pii
from api.auth import Caller, readable_cases
from api.cases.schemas import CaseSummary
from api.problems import ProblemError
from models.boundary import MaskedPetitioner
from models.messages import Message
from models.tables import CaseEventRow, CasePetitionerRow, CaseRow
from models.vocabulary import PiiAccessKind

MAX_CASES = 200
DEFAULT_REASON = "信访人历史 / petitioner history"


class Visit(BaseModel):
    """A time the person came on the case: its registration, or a repeat visit (重复信访)."""

    seq: int
    action: str
    at: datetime
    channel: str | None = None


class PersonCaseEntry(CaseSummary):
    petitioner: MaskedPetitioner = Field(description="the person as this case records them")
    representative: bool = Field(description="an elected representative (集体访)")
    linked_cases: list[str] = Field(default_factory=list)
    merged_into: str | None = None
    visits: list[Visit] = Field(description="the times the person came on this case")


class PetitionerHistory(BaseModel):
    petitioner_ref: str
    cases: list[PersonCaseEntry] = Field(description="newest first, in the caller's scope")
    visits: int = Field(description="the person's visits over these cases")
    truncated: bool = Field(description=f"more than {MAX_CASES} cases: the newest are listed")


def petitioner_history(
    session: Session, *, caller: Caller, ref: str, reason: str | None
) -> PetitionerHistory:
    query = readable_cases(
        select(CaseRow, CasePetitionerRow)
        .join(CasePetitionerRow, col(CasePetitionerRow.case_id) == col(CaseRow.case_id))
        .where(CasePetitionerRow.person_ref == ref, CasePetitionerRow.person_ref != ""),
        CaseRow.unit_id,
        CaseRow.case_id,
        caller,
    ).order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc())
    rows = list(session.exec(query.limit(MAX_CASES + 1)).all())
    found = rows[:MAX_CASES]
    if not found:  # none, or none in scope: the same answer
        raise ProblemError(
            404,
            Message("没有此信访人在您范围内的案件", "no cases of this petitioner in your scope"),
        )
    pii.record_accesses(
        session,
        caller,
        list(dict.fromkeys(case.case_id for case, _ in found)),
        PiiAccessKind.petitioner_history,
        reason or DEFAULT_REASON,
    )
    entries = [_entry(session, case, person, ref) for case, person in found]
    return PetitionerHistory(
        petitioner_ref=ref,
        cases=entries,
        visits=sum(len(e.visits) for e in entries),
        truncated=len(rows) > len(found),
    )


def _entry(session: Session, case: CaseRow, person: CasePetitionerRow, ref: str) -> PersonCaseEntry:
    snapshot: dict[str, Any] = case.snapshot or {}
    mine: dict[str, Any] = next(
        (p for p in snapshot.get("petitioners", []) if p.get("ref") == ref), {}
    )
    seqs = mine.get("visits") or [1]
    events = session.exec(
        select(CaseEventRow)
        .where(CaseEventRow.case_id == case.case_id, col(CaseEventRow.seq).in_(seqs))
        .order_by(col(CaseEventRow.seq))
    ).all()
    return PersonCaseEntry(
        **CaseSummary.model_validate(case).model_dump(),
        petitioner=MaskedPetitioner(
            name=person.petitioner_name_masked,
            id_number=person.petitioner_id_number_masked,
            phone=person.petitioner_phone_masked,
        ),
        representative=person.representative,
        linked_cases=list(snapshot.get("linked_cases", [])),
        merged_into=snapshot.get("merged_into"),
        visits=[
            Visit(seq=e.seq, action=e.action, at=e.at, channel=e.params.get("channel"))
            for e in events
        ],
    )
