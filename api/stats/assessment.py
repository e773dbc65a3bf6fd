"""The 考核 figures (``GET /api/v1/stats/assessment``): counted per holding unit in SQL, then
summed for the subtree and for each unit directly below the one asked for, and ranked.
Definitions in ``api/stats/schemas.py``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, case, cast, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from api.stats.queries import CASES, EVENTS, OPEN_STATES, StatsQueries, statutory_breaches
from api.stats.schemas import BACKLOG_OVERDUE_DAYS, BACKLOG_VISITS, Kpi, UnitKpi
from api.stats.sql import const, const_in, json_text, seconds_between
from api.stats.workload import WorkloadQueries
from models.vocabulary import Level, Severity

DECISIONS = ("accept", "decline")  # 受理告知: the acceptance decided, either way
SETBACKS = ("visit", "request_review", "request_re_review", "reopen")  # not resolved at once
# States in which a duty clock runs: leaving one for a resolution ends the petitioner's wait.
DUTY_STATES = ("registered", "handling", "suspended", "under_review", "under_re_review")
RESOLUTIONS = ("replied", "reviewed", "closed", "not_accepted", "withdrawn")


@dataclass
class Tally:
    """Raw counts of a set of units (summed over its holding units)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)

    def kpi(self) -> Kpi:
        n = self.counts
        on_time = n["acceptance_decided"] - n["accepted_late"]
        petitions = n["intake"] + n["repeat_visits"]
        return Kpi(
            acceptance_decided=n["acceptance_decided"],
            accepted_on_time=on_time,
            on_time_acceptance_rate=share(on_time, n["acceptance_decided"]),
            closed=n["closed"],
            resolved_at_once=n["resolved_at_once"],
            resolved_at_once_rate=share(n["resolved_at_once"], n["closed"]),
            intake=n["intake"],
            repeat_visits=n["repeat_visits"],
            repeat_rate=share(n["repeat_visits"], petitions),
            backlog=n["backlog"],
            backlog_resolved=n["backlog_resolved"],
            backlog_resolution_rate=share(
                n["backlog_resolved"], n["backlog_resolved"] + n["backlog"]
            ),
            over_level=n["over_level"],
            over_level_rate=share(n["over_level"], n["intake"]),
        )


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score(kpi: Kpi) -> float | None:
    """The mean of the rates with a base, each oriented so that higher is better."""
    rates = [
        kpi.on_time_acceptance_rate,
        kpi.resolved_at_once_rate,
        kpi.backlog_resolution_rate,
        None if kpi.repeat_rate is None else 1 - kpi.repeat_rate,
        None if kpi.over_level_rate is None else 1 - kpi.over_level_rate,
    ]
    known = [r for r in rates if r is not None]
    return round(sum(known) / len(known), 6) if known else None


class AssessmentQueries(StatsQueries):
    def by_unit(self) -> dict[str, Tally]:
        """Every figure, by the unit holding the case now."""
        tallies = {unit: Tally() for unit in self.scope.units}
        statements = {
            ("acceptance_decided", "accepted_late"): self._decisions(),
            ("closed", "resolved_at_once"): self._closures(),
            ("intake", "over_level"): self._intake(),
            ("repeat_visits",): self._visits(),
            ("backlog_resolved",): self._backlog_resolved(),
        }
        for names, statement in statements.items():
            for unit_id, *values in self._rows(statement):
                for name, value in zip(names, values, strict=True):
                    tallies[unit_id].counts[name] += int(value or 0)
        backlog = WorkloadQueries(self.conn, self.scope).backlog_by_unit()
        for unit_id, count in backlog.items():
            tallies[unit_id].counts["backlog"] += count
        return tallies

    def _grouped(self, *columns: ColumnElement[Any], events: Any) -> Any:
        c = CASES.c
        return (
            select(c.unit_id, *columns)
            .select_from(events.join(CASES, c.case_id == events.c.case_id))
            .where(self.in_scope)
            .group_by(c.unit_id)
        )

    def _decisions(self) -> Any:
        """Each case's first acceptance decision in the range; late after an acceptance breach."""
        e, earlier, breach = (EVENTS.alias(n) for n in ("decided", "earlier", "acc_breach"))
        first = ~exists().where(
            earlier.c.case_id == e.c.case_id,
            const_in(earlier.c.action, DECISIONS),
            earlier.c.seq < e.c.seq,
        )
        late = exists().where(
            breach.c.case_id == e.c.case_id,
            breach.c.action == const("breach"),
            json_text(breach.c.params, "clock").like("acceptance#%"),
            breach.c.seq < e.c.seq,
        )
        return self._grouped(func.count(), func.count(case((late, 1))), events=e).where(
            const_in(e.c.action, DECISIONS), self._in_period(e.c.at), first
        )

    def _closures(self) -> Any:
        """Cases closed in the range; at once without a repeat visit, review or reopening."""
        e, setback = EVENTS.alias("closing"), EVENTS.alias("setback")
        at_once = ~exists().where(
            setback.c.case_id == e.c.case_id, const_in(setback.c.action, SETBACKS)
        )
        return self._grouped(func.count(), func.count(case((at_once, 1))), events=e).where(
            e.c.to_state == const("closed"),
            const_in(e.c.from_state, OPEN_STATES),
            self._in_period(e.c.at),
        )

    def _intake(self) -> Any:
        """Cases registered in the range; over a level when they started above their severity's
        level (the ``register`` event's level; the level now for cases registered before)."""
        c, reg = CASES.c, EVENTS.alias("reg")
        started = func.coalesce(json_text(reg.c.params, "level"), c.level)
        level_rank = case({level.value: level.rank for level in Level}, value=started)
        wanted = case({s.value: s.starting_level().rank for s in Severity}, value=c.severity)
        joined = CASES.outerjoin(
            reg, and_(reg.c.case_id == c.case_id, reg.c.action == const("register"))
        )
        return (
            select(c.unit_id, func.count(), func.count(case((level_rank > wanted, 1))))
            .select_from(joined)
            .where(self.in_scope, self._in_period(c.created_at))
            .group_by(c.unit_id)
        )

    def _visits(self) -> Any:
        e = EVENTS.alias("repeat")
        return self._grouped(func.count(), events=e).where(
            e.c.action == const("visit"), self._in_period(e.c.at)
        )

    def _backlog_resolved(self) -> Any:
        """Cases that left a duty phase for a resolution in the range while backlog by their
        events: a statutory breach long enough before, or enough visits before."""
        e, visit = EVENTS.alias("resolving"), EVENTS.alias("earlier_visit")
        breaches = statutory_breaches("old_breaches")
        long_breached = exists().where(
            breaches.c.case_id == e.c.case_id,
            breaches.c.seq < e.c.seq,
            seconds_between(breaches.c.at, e.c.at) >= BACKLOG_OVERDUE_DAYS * 86400,
        )
        raised_often = exists().where(
            visit.c.case_id == e.c.case_id,
            visit.c.action == const("visit"),
            visit.c.seq < e.c.seq,
            cast(json_text(visit.c.params, "visit_count"), Integer) >= BACKLOG_VISITS,
        )
        return self._grouped(func.count(func.distinct(e.c.case_id)), events=e).where(
            const_in(e.c.to_state, RESOLUTIONS),
            const_in(e.c.from_state, DUTY_STATES),
            self._in_period(e.c.at),
            or_(long_breached, raised_often),
        )


def ranking(
    tallies: dict[str, Tally], groups: dict[str, tuple[str, str, frozenset[str]]]
) -> list[UnitKpi]:
    """``groups``: each ranked unit → (name, level, the units it sums). Best first; competition
    ranking (1, 1, 3); units without a score last, in the order given."""
    rows: list[UnitKpi] = []
    for unit_id, (name, level, members) in groups.items():
        tally = Tally()
        for member in members:
            if member in tallies:
                tally.add(tallies[member])
        kpi = tally.kpi()
        rows.append(
            UnitKpi(
                **kpi.model_dump(),
                unit_id=unit_id,
                unit_name=name,
                level=level,
                score=score(kpi),
                rank=None,
            )
        )
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -(r.score or 0))
    for position, row in enumerate(scored, start=1):
        before = scored[position - 2] if position > 1 else None
        row.rank = before.rank if before is not None and before.score == row.score else position
    return scored + [r for r in rows if r.score is None]
