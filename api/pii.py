"""Reading a petitioner's unmasked personal data: only for roles allowed to, only with a reason,
and always recorded in an access log that admins can read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.auth import Caller
from api.problems import ProblemError
from models.messages import Message
from models.tables import CaseRow, PiiAccessRow
from models.vocabulary import PiiAccessKind, Role
from petitionflow.field_crypto import FieldCipher, FieldCryptoError

# Officers handle the case and see it masked; supervisors and admins may reveal it, on record.
MAY_REVEAL = {Role.supervisor, Role.admin}


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
    session: Session, row: CaseRow, caller: Caller, reason: str | None, fields: FieldCipher
) -> PetitionerRevealed:
    """Decrypt the row's personal data (stored encrypted, bound to the row) for a caller
    allowed to read it, and record the reading first."""
    if caller.role not in MAY_REVEAL:
        raise ProblemError(
            403, Message("无权查看未脱敏个人信息", "your role may not reveal personal data")
        )
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
    session.add(
        PiiAccessRow(
            id=uuid.uuid4().hex,
            user_id=caller.id,
            role=caller.role,
            kind=kind,
            case_id=case_id,
            reason=reason.strip()[:500],
            at=datetime.now(UTC),
        )
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
