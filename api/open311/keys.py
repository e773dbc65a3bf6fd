"""Open311 api keys: random, shown once, stored only as a SHA-256 hash, each bound to the unit
that receives what its client submits."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.auth import Caller, hash_token
from models.tables import Open311KeyRow, UnitRow
from models.vocabulary import Role

CALLER_PREFIX = "open311:"  # how a key appears as the registering user in timelines


def create_key(engine: Engine, *, unit_id: str, name: str = "") -> tuple[Open311KeyRow, str]:
    """Issue a key for ``unit_id``; returns its row and the key, which is never stored."""
    key = f"o311_{secrets.token_urlsafe(32)}"  # the prefix lets secret scanners spot leaks
    with Session(engine) as session, session.begin():
        if session.get(UnitRow, unit_id) is None:
            raise ValueError(f"unknown unit {unit_id!r}")
        row = Open311KeyRow(
            id=f"k-{uuid.uuid4().hex[:12]}",
            name=name,
            unit_id=unit_id,
            key_hash=hash_token(key),
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        session.expunge(row)
    return row, key


def revoke_key(engine: Engine, key_id: str) -> bool:
    """Revoke a key by its id; False if there is no such key."""
    with Session(engine) as session, session.begin():
        row = session.get(Open311KeyRow, key_id)
        if row is None:
            return False
        row.revoked_at = row.revoked_at or datetime.now(UTC)
    return True


def list_keys(engine: Engine) -> list[Open311KeyRow]:
    with Session(engine) as session:
        rows = session.exec(select(Open311KeyRow).order_by(col(Open311KeyRow.created_at))).all()
        for row in rows:
            session.expunge(row)
    return list(rows)


def caller_for_key(session: Session, api_key: str) -> Caller | None:
    """The caller a valid key acts as: an officer of its unit, seeing that unit only."""
    row = session.exec(
        select(Open311KeyRow).where(Open311KeyRow.key_hash == hash_token(api_key))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return Caller(
        id=f"{CALLER_PREFIX}{row.id}",
        name=row.name,
        role=Role.officer,
        unit_id=row.unit_id,
        units=frozenset({row.unit_id}),
    )
