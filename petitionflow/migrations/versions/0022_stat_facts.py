"""the period statistics' facts (stat_facts): one row per reply, exit, rating and repeat visit,
at the unit and level holding the case now, backfilled from the timelines

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Frozen copies (a migration never changes with the code after it) of the rule in
# models/stat_facts.py, as activities/stat_facts.DERIVE_SQL writes it, with the statutory breach
# predicate of models/clocks.py.
BREACH = (
    "action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' "
    "AND (params ->> 'clock') NOT LIKE 'order#%' "
    "AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'mediation#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)
OPEN = "'registered', 'handling', 'suspended', 'replied', 'under_review', 'reviewed', "
OPEN += "'under_re_review'"
BACKFILL = f"""
INSERT INTO stat_facts
    (event_id, kind, case_id, seq, at, unit_id, level, registered_at, detail, late, standing)
WITH breaches AS (
    SELECT case_id, min(seq) AS first_seq FROM case_events WHERE {BREACH} GROUP BY case_id
), undone AS (
    SELECT case_id, max(seq) AS last_seq FROM case_events
    WHERE action IN ('reply', 'reopen') GROUP BY case_id
), facts AS (
    SELECT e.event_id, 1 AS kind, e.case_id, e.seq, e.at, CAST(NULL AS VARCHAR) AS detail
    FROM case_events e WHERE e.action = 'reply'
    UNION ALL
    SELECT e.event_id, 2, e.case_id, e.seq, e.at, e.to_state
    FROM case_events e
    WHERE e.to_state IN ('closed', 'not_accepted', 'withdrawn') AND e.from_state IN ({OPEN})
    UNION ALL
    SELECT e.event_id, 3, e.case_id, e.seq, e.at, (e.params ->> 'rating')
    FROM case_events e WHERE e.action = 'feedback'
    UNION ALL
    SELECT e.event_id, 4, e.case_id, e.seq, e.at, NULL
    FROM case_events e WHERE e.action = 'visit'
)
SELECT f.event_id, f.kind, f.case_id, f.seq, f.at, c.unit_id, c.level, c.created_at, f.detail,
    f.kind = 1 AND COALESCE(b.first_seq < f.seq, FALSE),
    NOT (f.kind = 1 AND COALESCE(u.last_seq > f.seq, FALSE))
FROM facts f
JOIN cases c ON c.case_id = f.case_id
LEFT JOIN breaches b ON b.case_id = f.case_id
LEFT JOIN undone u ON u.case_id = f.case_id
"""
INCLUDED = ["case_id", "seq", "level", "registered_at", "detail", "late", "standing"]


def _text(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "stat_facts",
        _text("event_id", 100),
        sa.Column("kind", sa.Integer(), nullable=False),
        _text("case_id", 64),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _text("unit_id", 200),
        _text("level", 16),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        _text("detail", 32, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("standing", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "kind"),
    )
    op.execute(BACKFILL)  # before the indexes: built once over the whole table
    op.create_index(
        "ix_stat_facts_kind_unit_at",
        "stat_facts",
        ["kind", "unit_id", "at"],
        postgresql_include=INCLUDED,
    )
    op.create_index("ix_stat_facts_case_seq", "stat_facts", ["case_id", "seq"])


def downgrade() -> None:
    op.drop_table("stat_facts")
