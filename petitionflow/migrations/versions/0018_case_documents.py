"""case documents: the notices issued to petitioners (their 文号, checksum and delivery) and the
per-unit, per-year serials that number them

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "document_serials",
        sa.Column("unit_id", _STR(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "year", "kind"),
    )
    op.create_table(
        "case_documents",
        sa.Column("case_id", _STR(length=64), nullable=False),
        sa.Column("id", _STR(length=64), nullable=False),
        sa.Column("event_id", _STR(length=80), nullable=False),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("unit_id", _STR(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", _STR(length=64), nullable=False),
        sa.Column("sha256", _STR(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", _STR(length=300), nullable=True),
        sa.Column("key_id", _STR(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("delivery_method", _STR(length=16), nullable=True),
        sa.Column("delivered_by", _STR(length=64), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("unit_id", "year", "kind", "serial", name="uq_case_documents_number"),
    )
    with op.batch_alter_table("case_documents") as batch:
        batch.create_index("ix_case_documents_case_issued", ["case_id", "issued_at"], unique=False)


def downgrade() -> None:
    op.drop_table("case_documents")
    op.drop_table("document_serials")
