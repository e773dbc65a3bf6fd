"""Reading a petitioner's unmasked personal data: only for roles allowed to, only with a reason,
and always recorded in an access log that admins can read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.auth import Caller
from api.problems import ProblemError
from models.lifecycle import FINAL_STATES
from models.messages import Message
from models.tables import CaseRow, PiiAccessRow
from models.vocabulary import PiiAccessKind, Role
from petitionflow.field_crypto import FieldCipher, FieldCryptoError

# Supervisors and admins may reveal the details of a case in their scope; the officers of the
# unit responsible for an open case may too (to call the petitioner back, 回访). Always on record.
MAY_REVEAL = {Role.supervisor, Role.admin}
OFFICERS_WHILE_OPEN = {Role.officer}


def refusal(caller: Caller, *, state: str, unit_id: str) -> str | None:
    """Why ``caller`` may not reveal the personal data of a case in ``state`` held by
    ``unit_id``; ``None`` when they may. The one rule, for the reveal and the snapshot's
    ``may_reveal_contact``."""
    if not caller.sees(unit_id):  # read access only: the case passed on to another unit
        return (
            "案件已由其他单位办理，不能查看信访人联系方式 / the case is now held by another "
            "unit: you may not reveal the petitioner's details"
        )
    if caller.role in MAY_REVEAL:
        return None
    if caller.role in OFFICERS_WHILE_OPEN and state in FINAL_STATES:
        return (
            "案件已结束，不能再查看信访人联系方式 / the case is finished: its officers may no "
            "longer reveal the petitioner's details"
        )
    if caller.role in OFFICERS_WHILE_OPEN:
        return None
    return "无权查看未脱敏个人信息 / your role may not reveal personal data"


class PetitionerRevealed(BaseModel):
    name: str
    id_number: str
    phone: str
    address: str


class PiiAccess(BaseModel):
    id: str
    user_id: str
    role: str
    kind: PiiAccessKind
    case_id: str
    reason: str
    at: datetime


def reveal(
    session: Session,
    row: CaseRow,
    caller: Caller,
    reason: str | None,
    fields: FieldCipher,
    *,
    state: str,
    unit_id: str,
) -> PetitionerRevealed:
    """Decrypt the row's personal data (stored encrypted, bound to the row) for a caller
    allowed to read it, and record the reading first. ``state`` and ``unit_id``: the case's
    live ones (the row may trail them)."""
    refused = refusal(caller, state=state, unit_id=unit_id)
    if refused:
        raise ProblemError(403, refused)
    if not reason or len(reason.strip()) < 2:
        raise ProblemError(
            422,
            Message(
                "reason：查看个人信息须说明理由", "reason: give a reason to reveal personal data"
            ),
            errors=[
                {
                    "field": "reason",
                    "message": Message("reveal=pii 时必填", "required when reveal=pii"),
                }
            ],
        )
    record_access(session, caller, row.case_id, PiiAccessKind.reveal, reason)
    try:
        return PetitionerRevealed(**fields.open(row.case_id, row))
    except FieldCryptoError:
        raise ProblemError(
            500,
            Message(
                "个人信息无法解密（密钥缺失或记录被改动）",
                "the personal data cannot be decrypted: its key is not configured, or the stored "
                "value was altered",
            ),
        ) from None


def record_access(
    session: Session, caller: Caller, case_id: str, kind: PiiAccessKind, reason: str
) -> None:
    """Put a reading of personal data on record, committed before the data is handed out."""
    record_accesses(session, caller, [case_id], kind, reason)


def record_accesses(
    session: Session, caller: Caller, case_ids: list[str], kind: PiiAccessKind, reason: str
) -> None:
    """One reading of several cases' personal data (an export): an entry per case, so the log
    answers "who read this case" whichever way it was read; committed before the data goes."""
    at, reason = datetime.now(UTC), reason.strip()[:500]
    session.add_all(
        PiiAccessRow(
            id=uuid.uuid4().hex,
            user_id=caller.id,
            role=caller.role,
            kind=kind,
            case_id=case_id,
            reason=reason,
            at=at,
        )
        for case_id in case_ids
    )
    session.commit()


def access_log(
    session: Session,
    caller: Caller,
    case_id: str | None,
    limit: int,
    *,
    user_id: str | None = None,
    kind: PiiAccessKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PiiAccess]:
    if caller.role is not Role.admin:
        raise ProblemError(403, Message("只有管理员可以查看访问记录", "admins only"))
    query = select(PiiAccessRow).order_by(col(PiiAccessRow.at).desc()).limit(limit)
    if case_id:
        query = query.where(PiiAccessRow.case_id == case_id)
    if user_id:
        query = query.where(PiiAccessRow.user_id == user_id)
    if kind is not None:
        query = query.where(PiiAccessRow.kind == kind)
    if since is not None:
        query = query.where(col(PiiAccessRow.at) >= since)
    if until is not None:
        query = query.where(col(PiiAccessRow.at) < until)
    return [PiiAccess(**r.model_dump()) for r in session.exec(query).all()]
