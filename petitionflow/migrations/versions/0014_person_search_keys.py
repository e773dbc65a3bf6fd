"""person search: keyed hashes of the petitioner's normalised name and phone beside the ID number's

Rows written before are filled by ``petitionflow keys fill-search`` (it decrypts with the key ring
and hashes with the server secret, neither of which a migration should need).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("petitioner_name_key", "petitioner_phone_key")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.String(64), nullable=False, server_default=""))
            batch.create_index(f"ix_cases_{column}", [column])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in COLUMNS:
            batch.drop_index(f"ix_cases_{column}")
            batch.drop_column(column)
