"""alerts without a workflow per alert: what the alert sweep sends when (re-notifications, retries
of failed deliveries), and which alerts still have an AlertWorkflow of their own

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("renotify_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_notify_at", sa.DateTime(timezone=True), nullable=True))
        # Every alert stored so far was sent by a workflow of its own; new ones are not.
        batch.add_column(
            sa.Column("by_workflow", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.create_index("ix_alerts_next_notify_at", ["next_notify_at"], unique=False)
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("by_workflow", server_default=sa.false())
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("retry_at")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_next_notify_at")
        batch.drop_column("by_workflow")
        batch.drop_column("next_notify_at")
        batch.drop_column("notified_at")
        batch.drop_column("renotify_seconds")
