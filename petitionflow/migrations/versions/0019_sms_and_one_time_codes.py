"""SMS to the petitioner (delivery log, opt-outs) and the one-time codes of online actions

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "sms_deliveries",
        sa.Column("id", _str(200), nullable=False),
        sa.Column("message_id", _str(150), nullable=False),
        sa.Column("case_id", _str(64), nullable=False),
        sa.Column("kind", _str(32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("reason", _str(300), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sms_deliveries") as batch:
        batch.create_index("ix_sms_deliveries_message_id", ["message_id"], unique=False)
        batch.create_index("ix_sms_deliveries_case_id", ["case_id"], unique=False)
        batch.create_index("ix_sms_deliveries_at", ["at"], unique=False)
    op.create_table(
        "sms_opt_outs",
        sa.Column("case_id", _str(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "track_otps",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("case_id", _str(64), nullable=False),
        sa.Column("code_hash", _str(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("track_otps") as batch:
        batch.create_index("ix_track_otps_case_created", ["case_id", "created_at"], unique=False)
    op.create_table(
        "track_otp_guards",
        sa.Column("case_id", _str(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("track_otp_guards")
    op.drop_table("track_otps")
    op.drop_table("sms_opt_outs")
    op.drop_table("sms_deliveries")
