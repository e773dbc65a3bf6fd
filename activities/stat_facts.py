"""The statistics' facts (``models/stat_facts.py``), written by the projection in its events'
transaction and derived in SQL from the timelines for a backfill (the bench's bulk load, tests
that seed the tables directly; migration 0022 keeps its own copy of ``DERIVE_SQL``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, select, text, update
from sqlmodel import Session

from models.boundary import CaseEvent
from models.clocks import STATUTORY_BREACH_SQL
from models.stat_facts import (
    EXITS,
    OPEN_STATES,
    RATING_ACTION,
    RATING_PARAM,
    REPLY_ACTION,
    UNDOES_REPLY,
    VISIT_ACTION,
    FactKind,
    facts_of,
)
from models.tables import CaseEventRow, CaseRow, StatFactRow

EVENTS = CaseEventRow.__table__  # type: ignore[attr-defined]
FACTS = StatFactRow.__table__  # type: ignore[attr-defined]


def write_facts(
    session: Session, row: CaseRow, written: Sequence[CaseEvent], *, moved: bool
) -> None:
    """The facts of the events just ``written`` (each written once, so are their facts), at the
    case's current unit and level; all of the case's facts follow it when it ``moved``."""
    facts = [
        StatFactRow(
            event_id=e.event_id,
            kind=fact.kind,
            case_id=e.case_id,
            seq=e.seq,
            at=e.at,
            unit_id=row.unit_id,
            level=row.level,
            registered_at=row.created_at,
            detail=fact.detail,
        )
        for e in written
        for fact in facts_of(e.action, e.from_state, e.to_state, e.params)
    ]
    undoing = [e.seq for e in written if e.action in UNDOES_REPLY]
    if not facts and not undoing and not moved:
        return
    session.flush()  # the events, which the lookups below read
    for fact in facts:
        if fact.kind == FactKind.REPLY:
            fact.late = _breached_before(session, fact.case_id, fact.seq)
            fact.standing = not _undone_after(session, fact.case_id, fact.seq)
    session.add_all(facts)
    session.flush()
    f = FACTS.c
    if undoing:
        session.execute(
            update(FACTS)
            .where(
                f.case_id == row.case_id,
                f.kind == FactKind.REPLY,
                f.standing,
                f.seq < max(undoing),
            )
            .values(standing=False)
        )
    if moved:
        session.execute(
            update(FACTS)
            .where(f.case_id == row.case_id)
            .where((f.unit_id != row.unit_id) | (f.level != row.level))
            .values(unit_id=row.unit_id, level=row.level)
        )


def _breached_before(session: Session, case_id: str, seq: int) -> bool:
    e = EVENTS.c
    found = exists().where(e.case_id == case_id, e.seq < seq, text(STATUTORY_BREACH_SQL))
    return bool(session.execute(select(found)).scalar())


def _undone_after(session: Session, case_id: str, seq: int) -> bool:
    e = EVENTS.c
    found = exists().where(and_(e.case_id == case_id, e.seq > seq, e.action.in_(UNDOES_REPLY)))
    return bool(session.execute(select(found)).scalar())


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Every fact of the timelines in ``case_events``, at their cases' units and levels now: the rule
# of ``facts_of`` in SQL (a test holds the two to the same facts). Lateness and standing by one
# aggregate per case (first statutory breach, last reply or reopen) joined by hash: no lookup per
# reply, which at a million cases would take hours.
DERIVE_SQL = f"""
INSERT INTO stat_facts
    (event_id, kind, case_id, seq, at, unit_id, level, registered_at, detail, late, standing)
WITH breaches AS (
    SELECT case_id, min(seq) AS first_seq FROM case_events
    WHERE {STATUTORY_BREACH_SQL} GROUP BY case_id
), undone AS (
    SELECT case_id, max(seq) AS last_seq FROM case_events
    WHERE action IN ({_quoted(UNDOES_REPLY)}) GROUP BY case_id
), facts AS (
    SELECT e.event_id, {FactKind.REPLY:d} AS kind, e.case_id, e.seq, e.at,
        CAST(NULL AS VARCHAR) AS detail
    FROM case_events e WHERE e.action = '{REPLY_ACTION}'
    UNION ALL
    SELECT e.event_id, {FactKind.EXIT:d}, e.case_id, e.seq, e.at, e.to_state
    FROM case_events e
    WHERE e.to_state IN ({_quoted(EXITS)}) AND e.from_state IN ({_quoted(OPEN_STATES)})
    UNION ALL
    SELECT e.event_id, {FactKind.RATING:d}, e.case_id, e.seq, e.at,
        (e.params ->> '{RATING_PARAM}')
    FROM case_events e WHERE e.action = '{RATING_ACTION}'
    UNION ALL
    SELECT e.event_id, {FactKind.VISIT:d}, e.case_id, e.seq, e.at, NULL
    FROM case_events e WHERE e.action = '{VISIT_ACTION}'
)
SELECT f.event_id, f.kind, f.case_id, f.seq, f.at, c.unit_id, c.level, c.created_at, f.detail,
    f.kind = {FactKind.REPLY:d} AND COALESCE(b.first_seq < f.seq, FALSE),
    NOT (f.kind = {FactKind.REPLY:d} AND COALESCE(u.last_seq > f.seq, FALSE))
FROM facts f
JOIN cases c ON c.case_id = f.case_id
LEFT JOIN breaches b ON b.case_id = f.case_id
LEFT JOIN undone u ON u.case_id = f.case_id
"""
