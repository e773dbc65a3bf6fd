"""The timeline as evidence: each event row carries ``chain``, the SHA-256 of the previous event's
chain (of the same case; empty for the first) and the event's own canonical content. Changing,
removing or inserting a row afterwards breaks the chain from there on; ``petitionflow audit
verify`` and the timeline endpoint recompute it.

What it shows: that the rows are the ones the projection wrote, in that order. What it cannot
show alone: a case's latest events cut off together with nothing after them (compare with the
workflow's history, which is the case), or a chain recomputed by someone who rewrites every row
after the change — keep a copy of the chains (a backup, an export) to compare against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.engine import Engine

from models.tables import CaseEventRow

EVENTS = CaseEventRow.__table__  # type: ignore[attr-defined]
CONTENT = ("event_id", "case_id", "seq", "action", "actor", "role", "from_state", "to_state")


def _instant(at: datetime) -> str:
    # Stored in UTC (SQLite without an offset): the same text whichever database read it.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: Any) -> bytes:
    """The event's content as one canonical JSON text (sorted keys, no spaces, UTF-8)."""
    content: dict[str, Any] = {name: getattr(event, name) for name in CONTENT}
    content["at"] = _instant(event.at)
    content["params"] = event.params or {}
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode()


def link(previous: str, event: Any) -> str:
    """The chain of an event that follows one whose chain is ``previous`` ("" for the first)."""
    return hashlib.sha256(previous.encode() + b"\n" + canonical(event)).hexdigest()


def chain_all(engine: Engine, *, batch: int = 5000) -> int:
    """Compute the chain of every event, case by case in seq order, a batch at a time; returns
    how many rows it wrote. For rows loaded in bulk (bench data) — never for a live record: it
    would bless rows changed after the fact."""
    columns = [EVENTS.c[name] for name in (*CONTENT, "at", "params")]
    written, after, previous = 0, ("", -1), ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(*columns)
                .where(tuple_(EVENTS.c.case_id, EVENTS.c.seq) > tuple_(*after))
                .order_by(EVENTS.c.case_id, EVENTS.c.seq)
                .limit(batch)
            ).all()
            if not rows:
                return written
            chains = []
            for row in rows:
                previous = link(previous if row.case_id == after[0] else "", row)
                after = (row.case_id, row.seq)
                chains.append({"id": row.event_id, "value": previous})
            conn.execute(
                update(EVENTS)
                .where(EVENTS.c.event_id == bindparam("id"))
                .values(chain=bindparam("value")),
                chains,
            )
            written += len(chains)


@dataclass(frozen=True)
class Broken:
    """The first event of a case whose stored chain does not recompute."""

    case_id: str
    seq: int
    event_id: str
    action: str

    def __str__(self) -> str:
        return (
            f"case {self.case_id}: chain broken at seq {self.seq} (event {self.event_id}, "
            f"{self.action}): the row, or one before it, was changed, added or removed after "
            "it was written"
        )


def check(events: Iterable[Any]) -> tuple[list[bool], Broken | None]:
    """One case's events in seq order: for each, whether it and all before it verify; and the
    first broken link, if any."""
    previous, flags, broken = "", [], None
    for event in events:
        expected = link(previous, event)
        if broken is None and event.chain != expected:
            broken = Broken(event.case_id, event.seq, event.event_id, event.action)
        flags.append(broken is None)
        previous = expected
    return flags, broken


def _by_case(engine: Engine, case_id: str | None) -> Iterator[list[Any]]:
    query = select(EVENTS).order_by(EVENTS.c.case_id, EVENTS.c.seq)
    if case_id is not None:
        query = query.where(EVENTS.c.case_id == case_id)
    current: list[Any] = []
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            if current and current[0].case_id != row.case_id:
                yield current
                current = []
            current.append(row)
    if current:
        yield current


@dataclass
class Verification:
    cases: int = 0
    events: int = 0
    broken: list[Broken] = field(default_factory=list)


def verify(engine: Engine, case_id: str | None = None) -> Verification:
    """Recompute the chains of one case, or of every case."""
    result = Verification()
    for events in _by_case(engine, case_id):
        result.cases += 1
        result.events += len(events)
        _, broken = check(events)
        if broken is not None:
            result.broken.append(broken)
    return result
