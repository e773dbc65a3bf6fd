"""tamper-evident timeline: each case event carries a SHA-256 chained over the previous event of
its case and its own canonical content; existing rows are chained as they stand

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


BATCH = 1000


def upgrade() -> None:
    from petitionflow.audit import link

    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("chain", sa.String(64), nullable=False, server_default=""))
    bind = op.get_bind()
    events = sa.table(
        "case_events",
        *(sa.column(name, sa.String) for name in ("event_id", "case_id", "action", "actor")),
        *(sa.column(name, sa.String) for name in ("role", "from_state", "to_state", "chain")),
        sa.column("seq", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("params", sa.JSON),
    )
    case_id, seq, previous = "", -1, ""
    while True:  # in (case, seq) order, a batch at a time; a chain needs only the one before
        rows = bind.execute(
            sa.select(events)
            .where(sa.tuple_(events.c.case_id, events.c.seq) > sa.tuple_(case_id, seq))
            .order_by(events.c.case_id, events.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.case_id != case_id:
                previous = ""
            case_id, seq = row.case_id, row.seq
            previous = link(previous, row)
            bind.execute(
                events.update().where(events.c.event_id == row.event_id).values(chain=previous)
            )


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("chain")
