"""The statutory-breach partial index leaves out supervision windows too (督办时限, like the level
windows, are the product's own targets, not periods of the law)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 16:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies: a migration never changes with the code after it.
NEW = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)
OLD = (
    "ON case_events (case_id, seq) INCLUDE (at) "
    "WHERE action = 'breach' AND (params ->> 'clock') NOT LIKE 'level#%'"
)


def _rebuild(definition: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE; the embedded default does not need it
    op.execute("DROP INDEX IF EXISTS ix_stats_events_breach")
    op.execute(f"CREATE INDEX ix_stats_events_breach {definition}")


def upgrade() -> None:
    _rebuild(NEW)


def downgrade() -> None:
    _rebuild(OLD)
