"""The statistics' SQL on the projection (``cases`` and ``case_events``); definitions in
``api/stats.py``. No HTTP here: the caller resolves the scope and the period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, exists, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select, Subquery
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
from api.stats_sql import interval_index, nearest_rank_percentiles, seconds_between
from models.lifecycle import FINAL_STATES, PetitionLifecycle
from models.vocabulary import Level, Rating

CASES: Table = SQLModel.metadata.tables["cases"]
EVENTS: Table = SQLModel.metadata.tables["case_events"]
STATES = tuple(s.id for s in PetitionLifecycle.states)
OPEN_STATES = tuple(s for s in STATES if s not in FINAL_STATES)
EXITS = ("closed", "not_accepted", "withdrawn")  # the final states, in the response's order
LEVELS = tuple(level.value for level in Level)
PERCENTS = (50, 90)


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
    return StatsQueries(session.connection(), scope).stats()


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
        (request windows never breach; they lapse and close the case)."""
        return and_(
            events.c.action == "breach", ~events.c.params["clock"].as_string().like("level#%")
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

    def _grouped(
        self, key: ColumnElement[Any], source: Any, *where: ColumnElement[bool]
    ) -> dict[Any, int]:
        """Counts per ``key`` — computed in a subquery first, because PostgreSQL cannot match a
        GROUP BY expression carrying bound parameters to the same expression in the SELECT."""
        keyed = select(key.label("key")).select_from(source).where(*where).subquery("keyed")
        rows = self._rows(select(keyed.c.key, func.count()).group_by(keyed.c.key))
        return {k: int(n) for k, n in rows}

    def _rows(self, statement: Select[Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.conn.execute(statement)]

    # -- open cases now -----------------------------------------------------------------------
    def workload(self) -> Workload:
        s, c = self.scope, CASES.c
        is_open = and_(self.in_scope, c.state.in_(OPEN_STATES))
        counts = self._rows(
            select(c.state, c.level, c.unit_id, func.count())
            .where(is_open)
            .group_by(c.state, c.level, c.unit_id)
        )
        by_state = dict.fromkeys(OPEN_STATES, 0)
        by_level = dict.fromkeys(LEVELS, 0)
        by_unit = dict.fromkeys(sorted(s.units), 0)
        for state, level, unit_id, n in counts:
            by_state[state] += n
            by_level[level] += n
            by_unit[unit_id] += n

        overdue = c.overdue | (c.next_due_at <= s.now)
        at_risk = c.at_risk | (c.next_warn_at <= s.now)
        breaches = EVENTS.alias("breaches")
        long_overdue = exists().where(
            breaches.c.case_id == c.case_id,
            self._statutory_breach(breaches),
            breaches.c.at <= s.now - timedelta(days=BACKLOG_OVERDUE_DAYS),
        )
        backlog = (overdue & long_overdue) | (c.visit_count >= BACKLOG_VISITS)
        flags = self.conn.execute(
            select(
                func.count(case((overdue, 1))),
                func.count(case((at_risk, 1))),
                func.count(case((backlog, 1))),
                func.count(case((c.visit_count >= 2, 1))),
            ).where(is_open)
        ).one()
        return Workload(
            open=sum(by_state.values()),
            by_state=by_state,
            by_level=by_level,
            by_unit=by_unit,
            overdue=flags[0],
            at_risk=flags[1],
            backlog=flags[2],
            with_repeat_visits=flags[3],
            ageing=self._ageing(is_open),
        )

    def _ageing(self, is_open: ColumnElement[bool]) -> list[AgeingBucket]:
        # Whole days of age d ≥ m  ⇔  registered at or before now − m days.
        now, created = self.scope.now, CASES.c.created_at
        bucket = case(
            *[
                (created <= now - timedelta(days=low), i)
                for i, (low, _) in reversed(list(enumerate(AGEING_BUCKETS)))
                if i > 0
            ],
            else_=0,
        )
        counts = self._grouped(bucket, CASES, is_open)
        return [
            AgeingBucket(
                label=f"{low}-{high}" if high is not None else f"{low}+",
                min_days=low,
                max_days=high,
                count=counts.get(i, 0),
            )
            for i, (low, high) in enumerate(AGEING_BUCKETS)
        ]

    # -- the period ---------------------------------------------------------------------------
    def _replied(self) -> Subquery:
        """Cases whose standing reply — the latest ``reply``, no ``reopen`` after it — was given
        in the period: case id, level, registration, reply time and the reply's seq."""
        e, c = EVENTS.c, CASES.c
        latest = (
            select(e.case_id, func.max(e.seq).label("seq"))
            .where(e.action == "reply")
            .group_by(e.case_id)
            .subquery("latest_reply")
        )
        reply = EVENTS.alias("reply")
        reopen = EVENTS.alias("reopen")
        undone = exists().where(
            reopen.c.case_id == latest.c.case_id,
            reopen.c.action == "reopen",
            reopen.c.seq > latest.c.seq,
        )
        return (
            select(
                c.case_id,
                c.level,
                c.created_at,
                reply.c.at.label("replied_at"),
                reply.c.seq.label("reply_seq"),
            )
            .select_from(CASES)
            .join(latest, latest.c.case_id == c.case_id)
            .join(reply, and_(reply.c.case_id == c.case_id, reply.c.seq == latest.c.seq))
            .where(self.in_scope, self._in_period(reply.c.at), ~undone)
            .subquery("replied")
        )

    def _exits(self) -> Subquery:
        """Cases that entered a final state in the period: case id, state, registration, when."""
        e, c = EVENTS.c, CASES.c
        return (
            select(c.case_id, e.to_state, c.created_at, e.at)
            .select_from(EVENTS)
            .join(CASES, c.case_id == e.case_id)
            .where(
                self.in_scope,
                e.to_state.in_(EXITS),
                e.from_state.in_(OPEN_STATES),
                self._in_period(e.at),
            )
            .subquery("exits")
        )

    def period(self) -> Period:
        s, c = self.scope, CASES.c
        intake = self._rows(
            select(c.state, c.level, func.count())
            .where(self.in_scope, self._in_period(c.created_at))
            .group_by(c.state, c.level)
        )
        by_state, by_level = dict.fromkeys(STATES, 0), dict.fromkeys(LEVELS, 0)
        for state, level, n in intake:
            by_state[state] += n
            by_level[level] += n

        replied, exits = self._replied(), self._exits()
        exit_counts = self._grouped(exits.c.to_state, exits)
        on_time = self._on_time(replied)
        repeat_visits, repeat_cases = self._repeat_visits()
        return Period(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            intake=sum(by_state.values()),
            intake_by_state=by_state,
            intake_by_level=by_level,
            replied=on_time.replied,
            closed=exit_counts.get("closed", 0),
            not_accepted=exit_counts.get("not_accepted", 0),
            withdrawn=exit_counts.get("withdrawn", 0),
            on_time=on_time,
            satisfaction=self._satisfaction(),
            resolved_at_level=self._resolved_at_level(replied),
            repeat_visits=repeat_visits,
            repeat_visit_cases=repeat_cases,
            time_to_reply=self._time_between(replied.c.created_at, replied.c.replied_at, replied),
            time_to_close=self._time_between(
                exits.c.created_at, exits.c.at, exits, exits.c.to_state == "closed"
            ),
            weekly=self._weekly(replied, exits),
        )

    def _on_time(self, replied: Subquery) -> OnTime:
        breaches = EVENTS.alias("breaches")
        late = exists().where(
            breaches.c.case_id == replied.c.case_id,
            self._statutory_breach(breaches),
            breaches.c.seq < replied.c.reply_seq,
        )
        total, late_count = self.conn.execute(
            select(func.count(), func.count(case((late, 1)))).select_from(replied)
        ).one()
        return OnTime(
            replied=total,
            on_time=total - late_count,
            late=late_count,
            rate=_share(total - late_count, total),
        )

    def _resolved_at_level(self, replied: Subquery) -> ResolvedAtLevel:
        counts = self._grouped(replied.c.level, replied)
        total = sum(counts.values())
        shares = {
            level: LevelShare(count=counts.get(level, 0), share=_share(counts.get(level, 0), total))
            for level in LEVELS
        }
        return ResolvedAtLevel(replied=total, **shares)

    def _satisfaction(self) -> Satisfaction:
        e = EVENTS.c
        latest = (
            select(e.case_id, func.max(e.seq).label("seq"))
            .select_from(EVENTS)
            .join(CASES, CASES.c.case_id == e.case_id)
            .where(self.in_scope, e.action == "feedback", self._in_period(e.at))
            .group_by(e.case_id)
            .subquery("latest_feedback")
        )
        rating = EVENTS.alias("rating")
        joined = rating.join(
            latest, and_(rating.c.case_id == latest.c.case_id, rating.c.seq == latest.c.seq)
        )
        counts = self._grouped(rating.c.params["rating"].as_string(), joined)
        rated = sum(counts.values())
        good = counts.get(Rating.satisfied, 0) + counts.get(Rating.basically_satisfied, 0)
        return Satisfaction(
            rated=rated,
            satisfied=counts.get(Rating.satisfied, 0),
            basically_satisfied=counts.get(Rating.basically_satisfied, 0),
            unsatisfied=counts.get(Rating.unsatisfied, 0),
            rate=_share(good, rated),
        )

    def _repeat_visits(self) -> tuple[int, int]:
        e = EVENTS.c
        visits, cases = self.conn.execute(
            select(func.count(), func.count(e.case_id.distinct()))
            .select_from(EVENTS)
            .join(CASES, CASES.c.case_id == e.case_id)
            .where(self.in_scope, e.action == "visit", self._in_period(e.at))
        ).one()
        return visits, cases

    def _time_between(
        self,
        start: ColumnElement[Any],
        end: ColumnElement[Any],
        source: Subquery,
        *where: ColumnElement[bool],
    ) -> Durations:
        durations = (
            select(seconds_between(start, end).label("seconds"))
            .select_from(source)
            .where(*where)
            .subquery("durations")
        )
        count, values = nearest_rank_percentiles(self.conn, durations, PERCENTS)
        return _durations(count, [None if v is None else round(v, 3) for v in values])

    def _weekly(self, replied: Subquery, exits: Subquery) -> list[WeekCounts]:
        starts, c = self.weeks, CASES.c
        intake = self._grouped(
            interval_index(c.created_at, starts),
            CASES,
            self.in_scope,
            self._in_period(c.created_at),
        )
        replies = self._grouped(interval_index(replied.c.replied_at, starts), replied)
        keyed = select(interval_index(exits.c.at, starts).label("week"), exits.c.to_state).subquery(
            "exit_weeks"
        )
        exit_rows = self._rows(
            select(keyed.c.week, keyed.c.to_state, func.count()).group_by(
                keyed.c.week, keyed.c.to_state
            )
        )
        exit_counts = {(week, state): int(n) for week, state, n in exit_rows}
        ends = [*starts[1:], self.scope.ends_at]
        return [
            WeekCounts(
                week_start=self._monday(start),
                starts_at=start,
                ends_at=end,
                intake=intake.get(i, 0),
                replied=replies.get(i, 0),
                **{state: exit_counts.get((i, state), 0) for state in EXITS},
            )
            for i, (start, end) in enumerate(zip(starts, ends, strict=True))
        ]
