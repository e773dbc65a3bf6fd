"""personal data encrypted at rest: the petitioner's plaintext columns become AES-256-GCM
ciphertexts (bound to the row and field) beside masked forms

The key ring is the payload codec's: ``alembic_config(url, field_cipher=...)`` passes it
(``petitionflow migrate`` does), otherwise it is read from the settings — only when there are rows
to encrypt. On SQLite the freed pages are zeroed (secure_delete); on PostgreSQL the old row
versions stay in the table files until ``VACUUM FULL cases`` (README, "Personal data at rest").

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PLAIN = {
    "name": "petitioner_name",
    "id_number": "petitioner_id_number",
    "phone": "petitioner_phone",
    "address": "petitioner_address",
}
BATCH = 500


def _cipher():  # type: ignore[no-untyped-def]
    cipher = op.get_context().config.attributes.get("field_cipher")
    if cipher is None:
        from petitionflow.settings import Settings

        cipher = Settings().field_cipher
    return cipher


def upgrade() -> None:
    from models.boundary import Petitioner
    from petitionflow.field_crypto import ENCRYPTED_COLUMNS, MASKED_COLUMNS

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA secure_delete = ON")  # freed pages are zeroed, not kept
    with op.batch_alter_table("cases") as batch:
        for column in ENCRYPTED_COLUMNS.values():
            batch.add_column(sa.Column(column, sa.Text(), nullable=False, server_default=""))
        for field, column in MASKED_COLUMNS.items():
            length = {"name": 100, "id_number": 18, "phone": 30}[field]
            batch.add_column(
                sa.Column(column, sa.String(length), nullable=False, server_default="")
            )

    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String),
        *(sa.column(c, sa.String) for c in [*PLAIN.values(), *ENCRYPTED_COLUMNS.values()]),
        *(sa.column(c, sa.String) for c in MASKED_COLUMNS.values()),
    )
    cipher = None
    after = ""
    while True:
        rows = bind.execute(
            sa.select(cases.c.case_id, *(cases.c[c] for c in PLAIN.values()))
            .where(cases.c.case_id > after)
            .order_by(cases.c.case_id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        cipher = cipher or _cipher()
        for row in rows:
            plain = {field: getattr(row, column) or "" for field, column in PLAIN.items()}
            sealed = cipher.seal(row.case_id, Petitioner.model_construct(**plain))
            bind.execute(cases.update().where(cases.c.case_id == row.case_id).values(**sealed))
        after = rows[-1].case_id

    with op.batch_alter_table("cases") as batch:
        for column in PLAIN.values():
            batch.drop_column(column)


def downgrade() -> None:
    from petitionflow.field_crypto import ENCRYPTED_COLUMNS, MASKED_COLUMNS

    lengths = {"name": 100, "id_number": 18, "phone": 30, "address": 300}
    with op.batch_alter_table("cases") as batch:
        for field, column in PLAIN.items():
            batch.add_column(
                sa.Column(column, sa.String(lengths[field]), nullable=False, server_default="")
            )
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String),
        *(sa.column(c, sa.String) for c in [*PLAIN.values(), *ENCRYPTED_COLUMNS.values()]),
    )
    rows = bind.execute(
        sa.select(cases.c.case_id, *(cases.c[c] for c in ENCRYPTED_COLUMNS.values()))
    ).all()
    if rows:
        cipher = _cipher()
        for row in rows:
            plain = cipher.open(row.case_id, row)
            values = {PLAIN[field]: value for field, value in plain.items()}
            bind.execute(cases.update().where(cases.c.case_id == row.case_id).values(**values))
    with op.batch_alter_table("cases") as batch:
        for column in [*ENCRYPTED_COLUMNS.values(), *MASKED_COLUMNS.values()]:
            batch.drop_column(column)
