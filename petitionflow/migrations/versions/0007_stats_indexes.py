"""PostgreSQL-only covering and partial indexes for /stats

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 13:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copy of models.tables.POSTGRESQL_ONLY_INDEXES as of this revision: a migration never
# changes with the code after it.
INDEXES = {
    "ix_stats_cases_open": "ON cases (unit_id) INCLUDE (case_id, state, level, created_at, "
    "visit_count, overdue, at_risk, next_due_at, next_warn_at) WHERE state IN ('registered',"
    "'handling','suspended','replied','under_review','reviewed','under_re_review')",
    "ix_stats_cases_unit_created": "ON cases (unit_id, created_at) INCLUDE (state, level)",
    "ix_stats_cases_unit_updated": "ON cases (unit_id, updated_at) "
    "INCLUDE (case_id, level, created_at)",
    "ix_stats_events_action_at": "ON case_events (action, at) INCLUDE (case_id, seq) "
    "WHERE action IN ('reply','reopen','visit')",
    "ix_stats_events_feedback": "ON case_events (at) INCLUDE (case_id, seq, params) "
    "WHERE action = 'feedback'",
    "ix_stats_events_exit": "ON case_events (at) INCLUDE (case_id, to_state, from_state) "
    "WHERE to_state IN ('closed','not_accepted','withdrawn')",
    "ix_stats_events_breach": "ON case_events (case_id, seq) INCLUDE (at) "
    "WHERE action = 'breach' AND (params ->> 'clock') NOT LIKE 'level#%'",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE; the embedded default does not need them
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
