"""Bearer tokens: random, shown once, stored only as a SHA-256 hash; and the caller's scope."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import UnitRow, UserRow
from models.vocabulary import Role

STAFF_ROLES = (Role.officer, Role.supervisor, Role.admin)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    engine: Engine, *, role: str, unit_id: str, name: str = "", user_id: str | None = None
) -> tuple[UserRow, str]:
    """Create (or, for a given id, re-issue the token of) a user; returns the token once."""
    if role not in {r.value for r in STAFF_ROLES}:
        raise ValueError(f"role must be one of {[r.value for r in STAFF_ROLES]}")
    token = secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        if session.get(UnitRow, unit_id) is None:
            raise ValueError(f"unknown unit {unit_id!r}")
        user = session.get(UserRow, user_id) if user_id else None
        if user is None:
            user = UserRow(
                id=user_id or f"u-{uuid.uuid4().hex[:12]}",
                created_at=datetime.now(UTC),
                role=role,
                unit_id=unit_id,
                name=name,
                token_hash=hash_token(token),
            )
            session.add(user)
        else:
            user.role, user.unit_id, user.name = role, unit_id, name
            user.token_hash, user.revoked_at = hash_token(token), None
        session.flush()
        session.expunge(user)
    return user, token


@dataclass(frozen=True)
class Caller:
    id: str
    name: str
    role: Role
    unit_id: str
    units: frozenset[str] | None  # the units whose cases the caller sees; None = all

    def sees(self, unit_id: str) -> bool:
        return self.units is None or unit_id in self.units


def authenticate(session: Session, token: str) -> UserRow | None:
    user = session.exec(select(UserRow).where(UserRow.token_hash == hash_token(token))).first()
    if user is None or user.revoked_at is not None:
        return None
    if user.expires_at is not None and _aware(user.expires_at) <= datetime.now(UTC):
        return None
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def subtree(session: Session, root: str) -> set[str]:
    children: dict[str | None, list[str]] = {}
    for unit_id, parent in session.exec(select(UnitRow.id, UnitRow.parent_id)).all():
        children.setdefault(parent, []).append(unit_id)
    found, stack = set(), [root]
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, []))
    return found


def caller_for(session: Session, user: UserRow) -> Caller:
    role = Role(user.role)
    units: frozenset[str] | None
    if role is Role.admin:
        units = None
    elif role is Role.supervisor:
        units = frozenset(subtree(session, user.unit_id))
    else:
        units = frozenset({user.unit_id})
    return Caller(id=user.id, name=user.name, role=role, unit_id=user.unit_id, units=units)
