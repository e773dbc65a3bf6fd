"""mediation and risk early warning (issue 17): the mediation parties (names encrypted), what each
risk alert found, and the statutory-breach partial index leaving out mediation windows (调解时限,
like level and supervision windows, is the product's own target, not a period of the law)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Frozen copies: a migration never changes with the code after it.
NEW_BREACH_INDEX = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' "
    "AND (params ->> 'clock') NOT LIKE 'order#%' "
    "AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'mediation#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)
OLD_BREACH_INDEX = (
    "ON case_events (case_id, seq) INCLUDE (at) WHERE action = 'breach' "
    "AND (params ->> 'clock') NOT LIKE 'level#%' "
    "AND (params ->> 'clock') NOT LIKE 'order#%' "
    "AND (params ->> 'clock') NOT LIKE 'hand_over#%' "
    "AND (params ->> 'clock') NOT LIKE 'co_handling#%' "
    "AND (params ->> 'clock') NOT LIKE 'supervision#%'"
)


def _rebuild_breach_index(definition: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE; the embedded default does not need it
    op.execute("DROP INDEX IF EXISTS ix_stats_events_breach")
    op.execute(f"CREATE INDEX ix_stats_events_breach {definition}")


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False)


def upgrade() -> None:
    op.create_table(
        "case_parties",
        _text("id", 120),
        _text("case_id", 64),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("kind", 16),
        _text("role", 50),
        sa.Column("name_enc", sa.Text(), nullable=False),
        _text("name_masked", 100),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_parties") as batch:
        batch.create_index("ix_case_parties_case_id", ["case_id"], unique=False)
    op.create_table(
        "risk_alerts",
        _text("alert_id", 200),
        _text("rule", 32),
        _text("subject", 300),
        _text("unit_id", 200),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    with op.batch_alter_table("risk_alerts") as batch:
        batch.create_index("ix_risk_alerts_rule_subject", ["rule", "subject"], unique=False)
        batch.create_index("ix_risk_alerts_unit_id", ["unit_id"], unique=False)
    _rebuild_breach_index(NEW_BREACH_INDEX)


def downgrade() -> None:
    _rebuild_breach_index(OLD_BREACH_INDEX)
    op.drop_table("risk_alerts")
    op.drop_table("case_parties")
