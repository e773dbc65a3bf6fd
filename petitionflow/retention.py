"""Retention (个人信息保护法 第十九条, 第四十七条): the personal data of cases closed longer ago
than the policy's ``[retention] personal_data`` is deleted from the projection.

What goes: the petitioner's encrypted fields, their masked forms and keyed hash (and every
petitioner's row of a collective petition, ``case_petitioners``, references too), the petition's
free text (written by the petitioner, it names people), and the idempotency records that point at
the case. What stays: the case, its statistics and its timeline; the purge is itself an event on
the timeline, chained like the others, so ``audit verify`` still passes and shows when it happened.
Each case is purged in its own short transaction, compare-and-set on ``purged_at``: a run can be
interrupted, repeated, or run beside the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from models.lifecycle import FINAL_STATES
from models.retention import RetentionPolicy
from models.tables import CaseEventRow, CasePartyRow, CaseRow, IdempotencyRow
from petitionflow import audit
from petitionflow.field_crypto import ENCRYPTED_COLUMNS, MASKED_COLUMNS
from petitionflow.person_keys import SEARCH_KEY_COLUMNS
from petitionflow.petitioners import purge_petitioners

CASES = CaseRow.__table__  # type: ignore[attr-defined]
EVENTS = CaseEventRow.__table__  # type: ignore[attr-defined]
IDEMPOTENCY = IdempotencyRow.__table__  # type: ignore[attr-defined]
PARTIES = CasePartyRow.__table__  # type: ignore[attr-defined]

PURGE_ACTION = "purge_personal_data"
PURGED_FIELDS = ["name", "id_number", "phone", "address", "description"]
_CLEARED = {
    **{column: "" for column in ENCRYPTED_COLUMNS.values()},
    **{column: "" for column in MASKED_COLUMNS.values()},
    "petitioner_key": "",
    **{column: "" for column in SEARCH_KEY_COLUMNS.values()},  # nor found by name or phone
    "description": "",
}


@dataclass(frozen=True)
class Expired:
    case_id: str
    state: str
    closed_at: datetime  # the case's last event: its closure


@dataclass
class Purge:
    cases: int = 0  # purged by this run
    raced: int = 0  # changed by someone else meanwhile: left for the next run


def expired(
    engine: Engine, policy: RetentionPolicy, now: datetime, *, limit: int | None = None
) -> list[Expired]:
    """Closed cases past the period whose personal data is still held, oldest closure first."""
    query = (
        select(CASES.c.case_id, CASES.c.state, CASES.c.updated_at)
        .where(
            CASES.c.state.in_(sorted(FINAL_STATES)),
            CASES.c.purged_at.is_(None),
            CASES.c.updated_at < policy.closed_before(now),
        )
        .order_by(CASES.c.updated_at, CASES.c.case_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [Expired(r.case_id, r.state, _utc(r.updated_at)) for r in conn.execute(query)]


def purge(
    engine: Engine,
    policy: RetentionPolicy,
    now: datetime,
    *,
    batch_size: int = 200,
    progress: Callable[[Purge], None] | None = None,
) -> Purge:
    """Purge every expired case, a batch at a time; returns what was done."""
    done = Purge()
    while True:
        batch = expired(engine, policy, now, limit=batch_size)
        progressed = 0
        for case in batch:
            with engine.begin() as conn:
                if _purge_one(conn, case, policy, now):
                    progressed += 1
                else:
                    done.raced += 1
        done.cases += progressed
        if progress is not None:
            progress(done)
        if len(batch) < batch_size or not progressed:
            return done


def _purge_one(conn: Connection, case: Expired, policy: RetentionPolicy, now: datetime) -> bool:
    row = conn.execute(
        select(CASES.c.snapshot, CASES.c.event_seq).where(
            CASES.c.case_id == case.case_id,
            CASES.c.purged_at.is_(None),
            CASES.c.state == case.state,
        )
    ).first()
    if row is None:
        return False
    snapshot = dict(row.snapshot or {})
    snapshot["petitioner"] = {"name": "", "id_number": "", "phone": ""}
    snapshot["petitioners"] = []  # every petitioner of a collective petition, their refs too
    if snapshot.get("mediation"):  # 调解's parties (issue 17): their masked names go too
        for party in snapshot["mediation"].get("parties", []):
            party["name"] = ""
    last = conn.execute(
        select(EVENTS.c.seq, EVENTS.c.chain)
        .where(EVENTS.c.case_id == case.case_id)
        .order_by(EVENTS.c.seq.desc())
        .limit(1)
    ).first()
    seq = (last.seq if last else max(row.event_seq, 0)) + 1
    changed = conn.execute(
        update(CASES)
        .where(CASES.c.case_id == case.case_id, CASES.c.purged_at.is_(None))
        .values(**_CLEARED, snapshot=snapshot, purged_at=now, event_seq=seq)
    )
    if changed.rowcount != 1:
        return False
    event = CaseEventRow(
        event_id=f"{case.case_id}:{PURGE_ACTION}",
        case_id=case.case_id,
        seq=seq,
        action=PURGE_ACTION,
        actor="system",
        role="system",
        from_state=case.state,
        to_state=case.state,
        at=now,
        params={
            "retention": policy.iso,
            "closed_at": case.closed_at.isoformat(),
            "fields": PURGED_FIELDS,
        },
    )
    event.chain = audit.link(last.chain if last else "", event)
    conn.execute(EVENTS.insert().values(**event.model_dump()))
    conn.execute(delete(IDEMPOTENCY).where(IDEMPOTENCY.c.case_id == case.case_id))
    purge_petitioners(conn, case.case_id)
    conn.execute(delete(PARTIES).where(PARTIES.c.case_id == case.case_id))  # 调解's parties
    return True


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
