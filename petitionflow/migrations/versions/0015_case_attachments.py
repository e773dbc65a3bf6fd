"""case attachments: letter scans, photos and agreements attached to a case (the files are in the
attachment store, encrypted; this table holds their metadata and checksums)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file_name_enc", sa.Text(), nullable=False),
        sa.Column("description_enc", sa.Text(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_attachments") as batch:
        batch.create_index(
            "ix_case_attachments_case_uploaded", ["case_id", "uploaded_at"], unique=False
        )
        batch.create_index("ix_case_attachments_key_id", ["key_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_attachments")
