"""The users table as the directory, the case pages and the command line read and change it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from models.case import StaffRef
from models.tables import UnitRow, UserRow

Query = TypeVar("Query", bound=Select)  # any row shape: Select is variadic


def active(query: Query) -> Query:
    """Users who may still sign in: not revoked, not expired."""
    now = datetime.now(UTC)
    return query.where(
        col(UserRow.revoked_at).is_(None),
        (col(UserRow.expires_at).is_(None)) | (col(UserRow.expires_at) > now),
    )


def staff(session: Session, user_ids: Iterable[str]) -> dict[str, StaffRef]:
    """The active users among ``user_ids``, with their unit and role (absent: no such user)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.exec(active(select(UserRow).where(col(UserRow.id).in_(ids)))).all()
    return {u.id: StaffRef(unit_id=u.unit_id, role=u.role) for u in rows}


def names(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """The names of the users among ``user_ids`` that have one (revoked ones too: a record
    keeps naming who did what)."""
    ids = sorted(set(user_ids) - {"system", ""})
    if not ids:
        return {}
    rows = session.exec(select(UserRow.id, UserRow.name).where(col(UserRow.id).in_(ids))).all()
    return {user_id: name for user_id, name in rows if name}


def directory(
    session: Session,
    units: Iterable[str] | None,
    *,
    role: str | None = None,
    include_revoked: bool = False,
) -> list[tuple[UserRow, str]]:
    """Users of ``units`` (None: every unit) with their unit's name, by unit then name."""
    query = select(UserRow, UnitRow.name).join(UnitRow, col(UnitRow.id) == col(UserRow.unit_id))
    if units is not None:
        query = query.where(col(UserRow.unit_id).in_(sorted(units)))
    if role:
        query = query.where(UserRow.role == role)
    if not include_revoked:
        query = active(query)
    query = query.order_by(col(UserRow.unit_id), col(UserRow.name), col(UserRow.id))
    return [(user, unit_name) for user, unit_name in session.exec(query).all()]


def revoke(session: Session, user_id: str) -> UserRow | None:
    """Revoke a user's token (their name stays on the records); None for no such user."""
    user = session.get(UserRow, user_id)
    if user is None:
        return None
    if user.revoked_at is None:
        user.revoked_at = datetime.now(UTC)
        session.commit()
        session.refresh(user)
    return user
