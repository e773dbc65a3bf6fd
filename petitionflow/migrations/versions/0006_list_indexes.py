"""indexes for lists filtered by state or level, newest first

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_state_created", ["state", "created_at", "case_id"], unique=False
        )
        batch_op.create_index(
            "ix_cases_level_created", ["level", "created_at", "case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_level_created")
        batch_op.drop_index("ix_cases_state_created")
