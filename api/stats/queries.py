"""What every statistics statement shares: the projection's tables (``cases``, ``case_events``
and the period's ``stat_facts``), the scope and period asked for, and the statutory breaches.
Definitions in ``api/stats/schemas.py``; no HTTP here: the service resolves the scope and the
period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select, Subquery
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the projection tables in the metadata)
from models.clocks import STATUTORY_BREACH_SQL
from models.lifecycle import PetitionLifecycle
from models.stat_facts import EXITS as EXITS  # the final states, in the response's order
from models.stat_facts import OPEN_STATES as OPEN_STATES
from models.vocabulary import Level

CASES: Table = SQLModel.metadata.tables["cases"]
EVENTS: Table = SQLModel.metadata.tables["case_events"]
FACTS: Table = SQLModel.metadata.tables["stat_facts"]  # the period's (``models/stat_facts.py``)
STATES = tuple(s.id for s in PetitionLifecycle.states)
# Where cases are handled; the levels above county only receive review and re-review.
LEVELS = tuple(level.value for level in Level if level.rank <= Level.county.rank)


@dataclass(frozen=True)
class StatsScope:
    unit_id: str
    unit_name: str
    units: frozenset[str]  # the subtree of unit_id that the caller sees
    starts_at: datetime
    ends_at: datetime  # exclusive
    now: datetime
    zone: ZoneInfo


def statutory_breaches(name: str) -> Subquery:
    """The breach events of statutory duty clocks — every ``breach`` event but the level
    windows' (request windows never breach; they lapse and close the case) — as a subquery
    ``name`` of (case_id, seq, at).

    The predicate is ``STATUTORY_BREACH_SQL`` itself, the partial index's, so the index serves
    it. Its column names are unqualified: they name the subquery's own ``case_events``, which
    is aliased so that it is never correlated with an enclosing query's."""
    events = EVENTS.alias(f"{name}_events")
    condition = text(STATUTORY_BREACH_SQL)
    return select(events.c.case_id, events.c.seq, events.c.at).where(condition).subquery(name)


class StatsQueries:
    """A connection and a scope, and the pieces the statements share."""

    def __init__(self, conn: Connection, scope: StatsScope) -> None:
        self.conn, self.scope = conn, scope
        self.in_scope = CASES.c.unit_id.in_(sorted(scope.units))

    # -- shared pieces ------------------------------------------------------------------------
    def _in_period(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column >= self.scope.starts_at, column < self.scope.ends_at)

    def _monday(self, moment: datetime) -> date:
        day = moment.astimezone(self.scope.zone).date()
        return day - timedelta(days=day.weekday())

    def _week_starts(self) -> list[datetime]:
        """Each week's start in the period: Monday 00:00 local, the first clipped to the start."""
        s = self.scope
        monday = self._monday(s.starts_at)
        starts = [s.starts_at]
        while True:
            monday += timedelta(days=7)
            start = datetime.combine(monday, time(0), tzinfo=s.zone)
            if start >= s.ends_at:
                return starts
            starts.append(start)

    def _rows(self, statement: Select[Any] | CompoundSelect[Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.conn.execute(statement)]
