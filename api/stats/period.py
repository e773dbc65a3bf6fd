"""The period: what happened in [starts_at, ends_at) — the intake, and one statement for
everything the period's events say. Definitions in ``api/stats/schemas.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL, aggregate_order_by
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from api.stats.queries import CASES, EXITS, FACTS, LEVELS, STATES, StatsQueries, StatsScope
from api.stats.schemas import (
    Durations,
    LevelShare,
    OnTime,
    Period,
    ResolvedAtLevel,
    Satisfaction,
    WeekCounts,
)
from api.stats.sql import (
    const,
    duration_between,
    duration_seconds,
    interval_index,
    rank_picks,
)
from models.stat_facts import FactKind
from models.vocabulary import Rating

PERCENTS = (50, 90)
REPLY, EXIT, RATING, VISIT = map(int, FactKind)  # the period's fact sets (``_event_rows``)
NO_TEXT: ColumnElement[str] = cast(null(), String)
NO_NUMBER: ColumnElement[int] = cast(null(), Integer)
ZERO: ColumnElement[int] = literal_column("0", Integer)
ONE: ColumnElement[int] = literal_column("1", Integer)


class PeriodQueries(StatsQueries):
    """Two statements: the intake (one pass over the cases registered in the period), and one
    for everything the period's facts say (standing replies, final states, ratings, repeat
    visits), each set read from its own index ranges over the period."""

    def __init__(self, conn: Connection, scope: StatsScope) -> None:
        super().__init__(conn, scope)
        self.weeks = self._week_starts()

    def period(self) -> Period:
        s = self.scope
        intake = self._intake()
        by_state, by_level = dict.fromkeys(STATES, 0), dict.fromkeys(LEVELS, 0)
        weekly_intake: dict[int, int] = {}
        for state, level, week, n in intake:
            by_state[state] += n
            by_level[level] += n
            weekly_intake[week] = weekly_intake.get(week, 0) + n

        f = _EventFigures(self._event_rows())
        replied = sum(f.replied_by_level.values())
        return Period(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            intake=sum(by_state.values()),
            intake_by_state=by_state,
            intake_by_level=by_level,
            replied=replied,
            closed=f.exits.get("closed", 0),
            not_accepted=f.exits.get("not_accepted", 0),
            withdrawn=f.exits.get("withdrawn", 0),
            on_time=OnTime(
                replied=replied,
                on_time=replied - f.late,
                late=f.late,
                rate=_share(replied - f.late, replied),
            ),
            satisfaction=_satisfaction(f.ratings),
            resolved_at_level=ResolvedAtLevel(
                replied=replied,
                **{
                    level: LevelShare(
                        count=f.replied_by_level.get(level, 0),
                        share=_share(f.replied_by_level.get(level, 0), replied),
                    )
                    for level in LEVELS
                },
            ),
            repeat_visits=f.visits,
            repeat_visit_cases=f.visit_cases,
            time_to_reply=f.durations(REPLY),
            time_to_close=f.durations(EXIT),
            weekly=self._weekly(weekly_intake, f),
        )

    def _intake(self) -> list[tuple[Any, ...]]:
        """Cases registered in the period: (current state, current level, week, count)."""
        c = CASES.c
        keyed = (
            select(c.state, c.level, interval_index(c.created_at, self.weeks).label("week"))
            .where(self.in_scope, self._in_period(c.created_at))
            .subquery("intake")
        )
        return self._rows(
            select(keyed.c.state, keyed.c.level, keyed.c.week, func.count()).group_by(
                keyed.c.state, keyed.c.level, keyed.c.week
            )
        )

    def _event_rows(self) -> list[tuple[Any, ...]]:
        """The period's facts (``stat_facts``, ``models/stat_facts.py``), in one statement. Four
        sets (``kind``):

        - ``REPLY``: standing replies given in the period, one row each, ``flag`` 1 when a
          statutory clock had breached before the reply (late);
        - ``EXIT``: entries into a final state, ``detail`` the state;
        - ``RATING``: each case's latest rating in the period, ``detail`` the rating;
        - ``VISIT``: repeat petitions, one row per case with ``events`` the visits it received.

        Answered as rows ``(part, kind, detail, level, week, flag, rows, events, p50, p90)``:
        ``count`` rows per group, and a ``durations`` row per kind with durations (registration →
        standing reply, registration → closed): their count and nearest-rank percentiles.

        Each set is one index range per unit in scope over the period (kind, unit, instant),
        counted on its own: a fact carries the unit and level that hold its case now and the
        case's registration, so nothing is joined to the cases. Set operations are hashed, never
        sorted or looked up one by one on the case id: case ids compare by the database's
        collation, which is slow for text outside the C locale.
        """
        counts = [
            self._counted(self._replies(), weekly=True),
            self._counted(self._exits(), weekly=True),
            self._counted(self._ratings(), weekly=False),
            self._counted(self._visits(), weekly=False),
        ]
        return self._rows(union_all(*counts, *self._durations()))

    def _counted(self, rows: Select[Any], *, weekly: bool) -> Select[Any]:
        """A set's rows (kind, detail, flag, events, level, at) counted by kind, detail, level,
        week (0 unless ``weekly``) and flag."""
        f = rows.subquery("facts").c
        week = interval_index(f.at, self.weeks) if weekly else None
        grouped = [f.kind, f.detail, f.level, *([] if week is None else [week]), f.flag]
        return select(
            const("count").label("part"),
            f.kind,
            f.detail,
            f.level,
            (ZERO if week is None else week).label("week"),
            f.flag,
            func.count().label("rows"),
            func.sum(f.events).label("events"),
            *[cast(null(), Float).label(f"p{p}") for p in PERCENTS],
        ).group_by(*grouped)

    def _timed(self) -> list[Select[Any]]:
        """The durations (kind, duration), registration → standing reply and → closed, each
        read from its index ranges again rather than kept from the counts' rows: holding those
        for a second pass costs more than the scan."""
        f = FACTS.c
        duration = duration_between(f.registered_at, f.at).label("duration")
        replies = select(literal_column(str(REPLY)).label("kind"), duration).where(
            self._facts(FactKind.REPLY), f.standing
        )
        closed = select(literal_column(str(EXIT)).label("kind"), duration).where(
            self._facts(FactKind.EXIT), f.detail == const("closed")
        )
        return [replies, closed]

    def _facts(self, kind: FactKind, facts: Any = FACTS) -> ColumnElement[bool]:
        """Facts of ``kind`` in the period, of cases held in scope."""
        f = facts.c
        return and_(
            f.kind == int(kind), f.unit_id.in_(sorted(self.scope.units)), self._in_period(f.at)
        )

    def _replies(self) -> Select[Any]:
        """Standing replies given in the period; ``flag`` 1 when late."""
        f = FACTS.c
        return select(
            literal_column(str(REPLY)).label("kind"),
            NO_TEXT.label("detail"),
            case((f.late, 1), else_=0).label("flag"),
            ONE.label("events"),
            f.level,
            f.at,
        ).where(self._facts(FactKind.REPLY), f.standing)

    def _exits(self) -> Select[Any]:
        f = FACTS.c
        return select(
            literal_column(str(EXIT)).label("kind"),
            f.detail,
            ZERO.label("flag"),
            ONE.label("events"),
            f.level,
            f.at,
        ).where(self._facts(FactKind.EXIT))

    def _ratings(self) -> Select[Any]:
        """Each case's latest rating in the period."""
        f = FACTS.c
        newer = FACTS.alias("newer")
        latest_rating = ~exists().where(
            newer.c.case_id == f.case_id,
            self._facts(FactKind.RATING, newer),
            newer.c.seq > f.seq,
        )
        return select(
            literal_column(str(RATING)).label("kind"),
            f.detail,
            ZERO.label("flag"),
            ONE.label("events"),
            f.level,
            f.at,
        ).where(self._facts(FactKind.RATING), latest_rating)

    def _visits(self) -> Select[Any]:
        """One row per case (whose facts share its level), with its visits in the period."""
        f = FACTS.c
        columns: list[Any] = [literal_column(str(VISIT)).label("kind"), NO_TEXT.label("detail")]
        columns += [ZERO.label("flag"), func.count().label("events")]
        columns += [func.min(f.level).label("level"), func.min(f.at).label("at")]
        return select(*columns).where(self._facts(FactKind.VISIT)).group_by(f.case_id)

    def _durations(self) -> list[Select[Any]]:
        """A row per kind with durations: their count and nearest-rank ``PERCENTS`` — the
        duration at rank ⌈p·n/100⌉ of the kind's n durations in order. On PostgreSQL one sort
        per kind, of its durations alone (``array_agg`` in order, a kind at a time so that
        nothing is sorted by kind first; the ranks picked by integer arithmetic); elsewhere
        ranked by window functions (``rank_picks``)."""
        if self.conn.dialect.name == "postgresql":
            rows = []
            for timed in self._timed():
                t = timed.subquery("timed").c
                ordered = func.array_agg(
                    aggregate_order_by(t.duration, t.duration), type_=ARRAY(INTERVAL())
                )
                grouped = select(
                    func.min(t.kind).label("kind"),
                    func.count().label("n"),
                    ordered.label("ordered"),
                ).subquery("ordered")
                g = grouped.c
                picks = [g.ordered[(p * g.n + 99) // 100] for p in PERCENTS]
                lead = (const("durations"), g.kind, NO_TEXT, NO_TEXT, NO_NUMBER, NO_NUMBER)
                rows.append(select(*lead, g.n, g.n, *map(duration_seconds, picks)))
            return rows
        t = union_all(*self._timed()).subquery("timed").c
        ranked = select(
            t.kind,
            t.duration,
            func.row_number().over(partition_by=t.kind, order_by=t.duration).label("rank"),
            func.count().over(partition_by=t.kind).label("n"),
        ).subquery("ranked")
        r = ranked.c
        lead = (const("durations"), r.kind, NO_TEXT, NO_TEXT, NO_NUMBER, NO_NUMBER)
        picks = rank_picks(r.rank, r.n, r.duration, PERCENTS)
        return [
            select(*lead, func.count(), func.count(), *map(duration_seconds, picks)).group_by(
                r.kind
            )
        ]

    def _weekly(self, intake: dict[int, int], f: _EventFigures) -> list[WeekCounts]:
        starts = self.weeks
        ends = [*starts[1:], self.scope.ends_at]
        return [
            WeekCounts(
                week_start=self._monday(start),
                starts_at=start,
                ends_at=end,
                intake=intake.get(i, 0),
                replied=f.weekly_replied.get(i, 0),
                **{state: f.weekly_exits.get((i, state), 0) for state in EXITS},
            )
            for i, (start, end) in enumerate(zip(starts, ends, strict=True))
        ]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _durations(count: int, values: Sequence[float | None]) -> Durations:
    p50, p90 = values
    return Durations(
        count=count,
        p50_seconds=p50,
        p90_seconds=p90,
        p50_days=None if p50 is None else round(p50 / 86400, 2),
        p90_days=None if p90 is None else round(p90 / 86400, 2),
    )


class _EventFigures:
    """The rows of ``StatsQueries._event_rows``, summed up."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.replied_by_level: dict[str, int] = {}
        self.weekly_replied: dict[int, int] = {}
        self.late = 0
        self.exits: dict[str, int] = {}
        self.weekly_exits: dict[tuple[int, str], int] = {}
        self.ratings: dict[str, int] = {}
        self.visits = self.visit_cases = 0
        self._durations: dict[int, tuple[int, list[float | None]]] = {}
        for part, kind, detail, level, week, flag, n, events, *picks in rows:
            n = int(n)
            if part == "durations":
                values = [None if v is None else round(float(v), 3) for v in picks]
                self._durations[kind] = (n, values)
            elif kind == REPLY:
                self.replied_by_level[level] = self.replied_by_level.get(level, 0) + n
                self.weekly_replied[week] = self.weekly_replied.get(week, 0) + n
                self.late += n if flag else 0
            elif kind == EXIT:
                self.exits[detail] = self.exits.get(detail, 0) + n
                key = (week, detail)
                self.weekly_exits[key] = self.weekly_exits.get(key, 0) + n
            elif kind == RATING:
                self.ratings[detail] = self.ratings.get(detail, 0) + n
            elif kind == VISIT:
                self.visit_cases += n
                self.visits += int(events)

    def durations(self, kind: int) -> Durations:
        count, values = self._durations.get(kind, (0, [None] * len(PERCENTS)))
        return _durations(count, values)


def _satisfaction(counts: dict[str, int]) -> Satisfaction:
    rated = sum(counts.values())
    good = counts.get(Rating.satisfied, 0) + counts.get(Rating.basically_satisfied, 0)
    return Satisfaction(
        rated=rated,
        satisfied=counts.get(Rating.satisfied, 0),
        basically_satisfied=counts.get(Rating.basically_satisfied, 0),
        unsatisfied=counts.get(Rating.unsatisfied, 0),
        rate=_share(good, rated),
    )
