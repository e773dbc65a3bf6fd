"""departments and hand-overs: ``units.kind`` (area | department), the ``case_tasks`` the
hand-overs (交办/会办) project, and the statutory-breach partial index leaving out the task clocks
(交办/会办时限 are the product's own targets, not periods of the law)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Frozen copies: a migration never changes with the code after it.
NEW = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)
OLD = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)


def _rebuild(definition: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE; the embedded default does not need it
    op.execute("DROP INDEX IF EXISTS ix_stats_events_breach")
    op.execute(f"CREATE INDEX ix_stats_events_breach {definition}")


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="area",
            )
        )
    op.create_table(
        "case_tasks",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("task_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hand_over", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("handing_unit_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "task_id"),
    )
    with op.batch_alter_table("case_tasks") as batch:
        batch.create_index("ix_case_tasks_unit_case", ["unit_id", "case_id"], unique=False)
        batch.create_index("ix_case_tasks_handing_unit_id", ["handing_unit_id"], unique=False)
    _rebuild(NEW)


def downgrade() -> None:
    _rebuild(OLD)
    op.drop_table("case_tasks")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("kind")
