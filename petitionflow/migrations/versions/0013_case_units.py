"""visibility follows the work: case_units records each unit a case has been at (the receiving
unit, the units it passed through, the one holding it now); existing cases are back-filled from
what their rows and timelines still tell

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "case_units",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(200), primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_units_unit_case", "case_units", ["unit_id", "case_id"])
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_case_units_unit_case", table_name="case_units")
    op.drop_table("case_units")


def _backfill(bind: sa.engine.Connection) -> None:
    """Per case: the unit holding it, the units its clocks ran at and its escalations left, the
    units its forwards and review requests named, and the unit of the user who registered it."""
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String),
        sa.column("unit_id", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("snapshot", sa.JSON),
    )
    events = sa.table(
        "case_events",
        sa.column("case_id", sa.String),
        sa.column("action", sa.String),
        sa.column("actor", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("params", sa.JSON),
    )
    users = sa.table(
        "users",
        sa.column("id", sa.String),
        sa.column("role", sa.String),
        sa.column("unit_id", sa.String),
    )
    known_units = {row.id for row in bind.execute(sa.text("SELECT id FROM units"))}
    # An officer registers at their own unit only: their unit is the receiving unit.
    user_units = {
        row.id: row.unit_id
        for row in bind.execute(sa.select(users).where(users.c.role == "officer"))
    }
    naive = bind.dialect.name == "sqlite"  # stored as UTC without an offset there
    case_units = sa.table(
        "case_units",
        sa.column("case_id", sa.String),
        sa.column("unit_id", sa.String),
        sa.column("since", sa.DateTime(timezone=True)),
    )
    after = ""
    while True:
        rows = bind.execute(
            sa.select(cases).where(cases.c.case_id > after).order_by(cases.c.case_id).limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1].case_id
        ids = [row.case_id for row in rows]
        timeline: dict[str, list[Any]] = {}
        for event in bind.execute(
            sa.select(events).where(
                events.c.case_id.in_(ids),
                events.c.action.in_(["register", "forward", "request_review", "request_re_review"]),
            )
        ):
            timeline.setdefault(event.case_id, []).append(event)
        values = []
        for row in rows:
            seen = _units_of(row, timeline.get(row.case_id, []), user_units)
            values += [
                {
                    "case_id": row.case_id,
                    "unit_id": unit,
                    "since": since.replace(tzinfo=None) if naive else since,
                }
                for unit, since in seen.items()
                if unit in known_units
            ]
        if values:
            bind.execute(case_units.insert(), values)


def _units_of(row: Any, timeline: list[Any], user_units: dict[str, str]) -> dict[str, datetime]:
    """Each unit with the earliest time the case is known to have been there (its
    registration's when nothing better is known)."""
    seen: dict[str, datetime | None] = {}  # None: no time known

    def saw(unit: object, since: object) -> None:
        if isinstance(unit, str) and unit:
            moment, earlier = _instant(since), seen.get(unit)
            seen[unit] = min(earlier, moment) if earlier and moment else earlier or moment

    snapshot = row.snapshot if isinstance(row.snapshot, dict) else json.loads(row.snapshot or "{}")
    for clock in snapshot.get("deadlines", []):
        saw(clock.get("unit_id"), clock.get("started_at"))
    for escalation in snapshot.get("escalations", []):
        saw(escalation.get("from_unit"), None)
        saw(escalation.get("to_unit"), escalation.get("at"))
    for event in timeline:
        params = event.params if isinstance(event.params, dict) else json.loads(event.params)
        if event.action == "register":
            saw(user_units.get(event.actor), event.at)
        elif event.action == "forward":
            saw(params.get("unit_id"), event.at)
        elif params.get("review_by") not in (None, "outside"):
            saw(params.get("review_by"), event.at)
    saw(row.unit_id, None)
    registered = _instant(row.created_at)
    assert registered is not None
    return {unit: since or registered for unit, since in seen.items()}


def _instant(value: object) -> datetime | None:
    """An aware UTC instant from a stored one (naive on SQLite: UTC) or RFC 3339 text."""
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
