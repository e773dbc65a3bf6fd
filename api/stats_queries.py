"""The statistics' SQL on the projection (``cases`` and ``case_events``); definitions in
``api/stats.py``. No HTTP here: the caller resolves the scope and the period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL, aggregate_order_by
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlmodel import Session, SQLModel

import models.tables  # noqa: F401  (registers the projection tables in the metadata)
from api.stats import (
    AGEING_BUCKETS,
    BACKLOG_OVERDUE_DAYS,
    BACKLOG_VISITS,
    AgeingBucket,
    Durations,
    LevelShare,
    OnTime,
    Period,
    ResolvedAtLevel,
    Satisfaction,
    Stats,
    WeekCounts,
    Workload,
)
from api.stats_sql import (
    const,
    const_in,
    duration_between,
    duration_seconds,
    interval_index,
    json_text,
    rank_picks,
)
from models.lifecycle import FINAL_STATES, PetitionLifecycle
from models.vocabulary import Level, Rating

CASES: Table = SQLModel.metadata.tables["cases"]
EVENTS: Table = SQLModel.metadata.tables["case_events"]
STATES = tuple(s.id for s in PetitionLifecycle.states)
OPEN_STATES = tuple(s for s in STATES if s not in FINAL_STATES)
EXITS = ("closed", "not_accepted", "withdrawn")  # the final states, in the response's order
LEVELS = tuple(level.value for level in Level)
PERCENTS = (50, 90)
REPLY, EXIT, RATING, VISIT = 1, 2, 3, 4  # the period's event sets (``_event_rows``)


@dataclass(frozen=True)
class StatsScope:
    unit_id: str
    unit_name: str
    units: frozenset[str]  # the subtree of unit_id that the caller sees
    starts_at: datetime
    ends_at: datetime  # exclusive
    now: datetime
    zone: ZoneInfo


def compute_stats(session: Session, scope: StatsScope) -> Stats:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # For this transaction only: the period's sorts and hashes (a hundred thousand rows at
        # a million cases) fit in memory instead of spilling, and no statement pays for JIT
        # compilation, which costs more than it saves at these sizes.
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")
    return StatsQueries(conn, scope).stats()


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


class StatsQueries:
    """Four statements: the open cases (one pass, grouped by unit, state and level), the intake
    (one pass over the cases registered in the period), and one statement for everything the
    period's events say (standing replies, final states, ratings, repeat visits): each of those
    event sets is read from its own index range over the period, and all of them are joined to
    the cases in scope once."""

    def __init__(self, conn: Connection, scope: StatsScope) -> None:
        self.conn, self.scope = conn, scope
        self.in_scope = CASES.c.unit_id.in_(sorted(scope.units))
        self.weeks = self._week_starts()

    def stats(self) -> Stats:
        s = self.scope
        return Stats(
            unit_id=s.unit_id,
            unit_name=s.unit_name,
            generated_at=s.now,
            timezone=s.zone.key,
            workload=self.workload(),
            period=self.period(),
        )

    # -- shared pieces ------------------------------------------------------------------------
    def _in_period(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column >= self.scope.starts_at, column < self.scope.ends_at)

    def _statutory_breach(self, events: Any) -> ColumnElement[bool]:
        """A breach of a statutory duty clock: every ``breach`` event but the level windows'
        (request windows never breach; they lapse and close the case). Written with constants,
        as the partial index of statutory breaches spells it."""
        return and_(
            events.c.action == const("breach"),
            json_text(events.c.params, "clock").not_like(const("level#%")),
        )

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

    # -- open cases now -----------------------------------------------------------------------
    def workload(self) -> Workload:
        """One pass over the open cases of the scope, counted per (unit, state, level) with the
        flags and the ageing thresholds as conditional counts."""
        s, c = self.scope, CASES.c
        overdue = c.overdue | (c.next_due_at <= s.now)
        at_risk = c.at_risk | (c.next_warn_at <= s.now)
        breaches = EVENTS.alias("breaches")
        long_overdue = c.case_id.in_(
            select(breaches.c.case_id).where(
                self._statutory_breach(breaches),
                breaches.c.at <= s.now - timedelta(days=BACKLOG_OVERDUE_DAYS),
            )
        )
        # The visit count first: the breach lookup only for the cases it can still decide.
        backlog = case((c.visit_count >= BACKLOG_VISITS, 1), (and_(overdue, long_overdue), 1))
        # Whole days of age d ≥ m  ⇔  registered at or before now − m days.
        aged = [
            func.count(case((c.created_at <= s.now - timedelta(days=low), 1)))
            for low, _ in AGEING_BUCKETS[1:]
        ]
        rows = self._rows(
            select(
                c.unit_id,
                c.state,
                c.level,
                func.count(),
                func.count(case((overdue, 1))),
                func.count(case((at_risk, 1))),
                func.count(backlog),
                func.count(case((c.visit_count >= 2, 1))),
                *aged,
            )
            .where(self.in_scope, const_in(c.state, OPEN_STATES))
            .group_by(c.unit_id, c.state, c.level)
        )
        by_state = dict.fromkeys(OPEN_STATES, 0)
        by_level = dict.fromkeys(LEVELS, 0)
        by_unit = dict.fromkeys(sorted(s.units), 0)
        flags = [0, 0, 0, 0]
        at_least = [0] * len(AGEING_BUCKETS)  # open cases at least each bucket's min_days old
        for unit_id, state, level, n, *counts in rows:
            by_state[state] += n
            by_level[level] += n
            by_unit[unit_id] += n
            for i, count in enumerate(counts[:4]):
                flags[i] += count
            at_least[0] += n
            for i, count in enumerate(counts[4:], start=1):
                at_least[i] += count
        return Workload(
            open=sum(by_state.values()),
            by_state=by_state,
            by_level=by_level,
            by_unit=by_unit,
            overdue=flags[0],
            at_risk=flags[1],
            backlog=flags[2],
            with_repeat_visits=flags[3],
            ageing=[
                AgeingBucket(
                    label=f"{low}-{high}" if high is not None else f"{low}+",
                    min_days=low,
                    max_days=high,
                    count=at_least[i] - (at_least[i + 1] if i + 1 < len(at_least) else 0),
                )
                for i, (low, high) in enumerate(AGEING_BUCKETS)
            ],
        )

    # -- the period ---------------------------------------------------------------------------
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
        """The period's events, in one statement. Four event sets (``kind``):

        - ``REPLY``: standing replies given in the period, one row each, ``flag`` 1 when a
          statutory clock had breached before the reply (late);
        - ``EXIT``: entries into a final state, ``detail`` the state;
        - ``RATING``: each case's latest rating in the period, ``detail`` the rating;
        - ``VISIT``: repeat petitions, one row per case with ``events`` the visits it received.

        Joined once to the cases in scope (their level and registration), then answered as
        rows ``(part, kind, detail, level, week, flag, rows, events, p50, p90)``: ``count`` rows
        per group, and a ``durations`` row per kind with durations (registration → standing
        reply, registration → closed): their count and nearest-rank percentiles.

        Every set is read from its own index range over the period, and the cases joined are
        those updated since its start. Both rely on the timeline's order, which gives the
        totals of the definitions in ``api/stats.py``:

        - a case's events are written in ``seq`` order with times never decreasing, so a reply
          or reopen that follows a reply given in the period was itself given at or after the
          period's start: "no later reply or reopen" is looked for among those;
        - ``cases.updated_at`` is the time of the case's last event, so a case with an event in
          the period was updated at or after the period's start.

        Set operations are hashed, never sorted or looked up one by one on the case id: case ids
        compare by the database's collation, which is slow for text outside the C locale.
        """
        s, e, c = self.scope, EVENTS.c, CASES.c
        no_text, no_number = cast(null(), String), cast(null(), Integer)
        zero: ColumnElement[int] = literal_column("0", Integer)
        one: ColumnElement[int] = literal_column("1", Integer)

        later = EVENTS.alias("later")
        reply_stands = ~exists().where(
            later.c.case_id == e.case_id,
            const_in(later.c.action, ("reply", "reopen")),
            later.c.at >= s.starts_at,
            later.c.seq > e.seq,
        )
        breaches = EVENTS.alias("breaches")
        earlier_breach = and_(
            e.case_id.in_(select(breaches.c.case_id).where(self._statutory_breach(breaches))),
            exists().where(
                breaches.c.case_id == e.case_id,
                self._statutory_breach(breaches),
                breaches.c.seq < e.seq,
            ),
        )
        replies = select(
            literal_column(str(REPLY)).label("kind"),
            e.case_id,
            e.at,
            no_text.label("detail"),
            case((earlier_breach, 1), else_=0).label("flag"),
            one.label("events"),
        ).where(e.action == const("reply"), self._in_period(e.at), reply_stands)
        exits = select(literal_column(str(EXIT)), e.case_id, e.at, e.to_state, zero, one).where(
            const_in(e.to_state, EXITS),
            const_in(e.from_state, OPEN_STATES),
            self._in_period(e.at),
        )
        newer = EVENTS.alias("newer")
        latest_rating = ~exists().where(
            newer.c.case_id == e.case_id,
            newer.c.action == const("feedback"),
            self._in_period(newer.c.at),
            newer.c.seq > e.seq,
        )
        ratings = select(
            literal_column(str(RATING)), e.case_id, e.at, json_text(e.params, "rating"), zero, one
        ).where(e.action == const("feedback"), self._in_period(e.at), latest_rating)
        visits = (
            select(
                literal_column(str(VISIT)), e.case_id, func.min(e.at), no_text, zero, func.count()
            )
            .where(e.action == const("visit"), self._in_period(e.at))
            .group_by(e.case_id)
        )
        events = union_all(replies, exits, ratings, visits).subquery("events")

        ev = events.c
        duration = duration_between(c.created_at, ev.at)
        timed = or_(ev.kind == REPLY, and_(ev.kind == EXIT, ev.detail == const("closed")))
        joined = (
            select(
                ev.kind,
                ev.detail,
                ev.flag,
                ev.events,
                c.level,
                case((ev.kind <= EXIT, interval_index(ev.at, self.weeks)), else_=0).label("week"),
                case((timed, duration)).label("duration"),
            )
            .select_from(events.join(CASES, c.case_id == ev.case_id))
            .where(self.in_scope, c.updated_at >= s.starts_at)
            .cte("joined")
        )
        j = joined.c
        counts = select(
            const("count").label("part"),
            j.kind,
            j.detail,
            j.level,
            j.week,
            j.flag,
            func.count().label("rows"),
            func.sum(j.events).label("events"),
            *[cast(null(), Float).label(f"p{p}") for p in PERCENTS],
        ).group_by(j.kind, j.detail, j.level, j.week, j.flag)
        durations = self._durations(j.kind, j.duration, no_text, no_number)
        return self._rows(union_all(counts, durations))

    def _durations(self, kind: Any, duration: Any, no_text: Any, no_number: Any) -> Select[Any]:
        """A row per ``kind`` with durations: their count and nearest-rank ``PERCENTS`` — the
        duration at rank ⌈p·n/100⌉ of the kind's n durations in order. On PostgreSQL one
        sort of the durations alone (``array_agg`` in order, the rank by integer arithmetic);
        elsewhere ranked by window functions (``rank_picks``)."""
        lead = (const("durations"), kind, no_text, no_text, no_number, no_number)
        if self.conn.dialect.name == "postgresql":
            ordered = func.array_agg(
                aggregate_order_by(duration, duration), type_=ARRAY(INTERVAL())
            )
            picks = [ordered[(p * func.count() + 99) // 100] for p in PERCENTS]
            return (
                select(*lead, func.count(), func.count(), *map(duration_seconds, picks))
                .where(duration.is_not(None))
                .group_by(kind)
            )
        ranked = (
            select(
                kind.label("kind"),
                duration.label("duration"),
                func.row_number().over(partition_by=kind, order_by=duration).label("rank"),
                func.count().over(partition_by=kind).label("n"),
            )
            .where(duration.is_not(None))
            .subquery("ranked")
        )
        r = ranked.c
        lead = (const("durations"), r.kind, no_text, no_text, no_number, no_number)
        picks = rank_picks(r.rank, r.n, r.duration, PERCENTS)
        return select(*lead, func.count(), func.count(), *map(duration_seconds, picks)).group_by(
            r.kind
        )

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
