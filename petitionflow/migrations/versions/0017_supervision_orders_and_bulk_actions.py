"""the command system: the 包案 leader and open 督办单 on each case (lists filter on them), bulk
actions and their per-case results; the statutory-breach partial index leaves out the orders'
own clocks (order#n), like the level and supervision windows

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Frozen copies: a migration never changes with the code after it.
NEW = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' "
    "AND (params ->> 'clock') NOT LIKE 'order#%' "
    "AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)
OLD = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' "
    "AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)


def _rebuild(definition: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE; the embedded default does not need it
    op.execute("DROP INDEX IF EXISTS ix_stats_events_breach")
    op.execute(f"CREATE INDEX ix_stats_events_breach {definition}")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("leader_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("open_orders", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("order_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_cases_leader_user_id", ["leader_user_id"], unique=False)
        batch.create_index("ix_cases_open_orders", ["open_orders"], unique=False)
    op.create_table(
        "bulk_actions",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulk_actions_created_by", "bulk_actions", ["created_by"], unique=False)
    op.create_table(
        "bulk_action_items",
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "case_id"),
    )
    _rebuild(NEW)


def downgrade() -> None:
    _rebuild(OLD)
    op.drop_table("bulk_action_items")
    op.drop_index("ix_bulk_actions_created_by", table_name="bulk_actions")
    op.drop_table("bulk_actions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_open_orders")
        batch.drop_index("ix_cases_leader_user_id")
        batch.drop_column("order_due_at")
        batch.drop_column("open_orders")
        batch.drop_column("leader_user_id")
