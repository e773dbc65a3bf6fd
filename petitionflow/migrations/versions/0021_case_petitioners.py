"""collective petitions (集体访): every petitioner of a case, protected as the case row's
petitioner is (encrypted fields, masked forms, keyed hashes) with an opaque reference to their
history

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXED = ("petitioner_key", "petitioner_name_key", "petitioner_phone_key", "person_ref")


def _text(name: str, length: int) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False)


def upgrade() -> None:
    op.create_table(
        "case_petitioners",
        _text("case_id", 64),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("representative", sa.Boolean(), nullable=False),
        sa.Column("petitioner_name_enc", sa.Text(), nullable=False),
        sa.Column("petitioner_id_number_enc", sa.Text(), nullable=False),
        sa.Column("petitioner_phone_enc", sa.Text(), nullable=False),
        sa.Column("petitioner_address_enc", sa.Text(), nullable=False),
        _text("petitioner_name_masked", 100),
        _text("petitioner_id_number_masked", 18),
        _text("petitioner_phone_masked", 30),
        _text("petitioner_key", 128),
        _text("petitioner_name_key", 64),
        _text("petitioner_phone_key", 64),
        _text("person_ref", 64),
        sa.PrimaryKeyConstraint("case_id", "position"),
    )
    with op.batch_alter_table("case_petitioners") as batch:
        for column in INDEXED:
            batch.create_index(f"ix_case_petitioners_{column}", [column], unique=False)


def downgrade() -> None:
    op.drop_table("case_petitioners")
