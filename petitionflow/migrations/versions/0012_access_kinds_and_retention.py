"""what kind of reading each access-log entry records (a reveal, a document download, an export…);
when a closed case's personal data was purged under the retention policy

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pii_access_log") as batch:
        batch.add_column(sa.Column("kind", sa.String(32), nullable=False, server_default="reveal"))
        batch.create_index("ix_pii_access_log_kind", ["kind"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("pii_access_log") as batch:
        batch.drop_index("ix_pii_access_log_kind")
        batch.drop_column("kind")
