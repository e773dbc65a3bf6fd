"""The period statistics as they were computed before ``stat_facts`` (migration 0022): the
period's events joined to their cases, one statement. Kept here, for the tests only, as the
reference the facts must answer exactly as (``test_stat_facts.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Float,
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
from sqlalchemy.sql.selectable import CTE, CompoundSelect, Select

from api.stats.period import (
    EXIT,
    NO_NUMBER,
    NO_TEXT,
    ONE,
    PERCENTS,
    RATING,
    REPLY,
    VISIT,
    ZERO,
    PeriodQueries,
)
from api.stats.queries import CASES, EVENTS, EXITS, OPEN_STATES, statutory_breaches
from api.stats.sql import (
    const,
    const_in,
    duration_between,
    duration_seconds,
    interval_index,
    json_text,
    rank_picks,
)


class EventJoinPeriodQueries(PeriodQueries):
    """``PeriodQueries`` with the period's events read from ``case_events`` joined to ``cases``."""

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
        totals of the definitions in ``api/stats/schemas.py``:

        - a case's events are written in ``seq`` order with times never decreasing, so a reply
          or reopen that follows a reply given in the period was itself given at or after the
          period's start: "no later reply or reopen" is looked for among those;
        - ``cases.updated_at`` is the time of the case's last event, so a case with an event in
          the period was updated at or after the period's start.

        Set operations are hashed, never sorted or looked up one by one on the case id: case ids
        compare by the database's collation, which is slow for text outside the C locale.
        """
        joined = self._joined(
            union_all(self._replies(), self._exits(), self._ratings(), self._visits())
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
        durations = self._event_durations(j.kind, j.duration, NO_TEXT, NO_NUMBER)
        return self._rows(union_all(counts, durations))

    def _joined(self, events: CompoundSelect[Any]) -> CTE:
        """The event sets joined to the cases in scope: (kind, detail, flag, events, level,
        week, duration)."""
        s, c = self.scope, CASES.c
        sub = events.subquery("events")
        ev = sub.c
        duration = duration_between(c.created_at, ev.at)
        timed = or_(ev.kind == REPLY, and_(ev.kind == EXIT, ev.detail == const("closed")))
        return (
            select(
                ev.kind,
                ev.detail,
                ev.flag,
                ev.events,
                c.level,
                case((ev.kind <= EXIT, interval_index(ev.at, self.weeks)), else_=0).label("week"),
                case((timed, duration)).label("duration"),
            )
            .select_from(sub.join(CASES, c.case_id == ev.case_id))
            .where(self.in_scope, c.updated_at >= s.starts_at)
            .cte("joined")
        )

    def _replies(self) -> Select[Any]:
        """Standing replies given in the period; ``flag`` 1 when a statutory clock had breached
        before the reply."""
        s, e = self.scope, EVENTS.c
        later = EVENTS.alias("later")
        reply_stands = ~exists().where(
            later.c.case_id == e.case_id,
            const_in(later.c.action, ("reply", "reopen")),
            later.c.at >= s.starts_at,
            later.c.seq > e.seq,
        )
        breaches = statutory_breaches("breaches")
        earlier_breach = and_(
            e.case_id.in_(select(breaches.c.case_id)),
            exists().where(breaches.c.case_id == e.case_id, breaches.c.seq < e.seq),
        )
        return select(
            literal_column(str(REPLY)).label("kind"),
            e.case_id,
            e.at,
            NO_TEXT.label("detail"),
            case((earlier_breach, 1), else_=0).label("flag"),
            ONE.label("events"),
        ).where(e.action == const("reply"), self._in_period(e.at), reply_stands)

    def _exits(self) -> Select[Any]:
        e = EVENTS.c
        return select(literal_column(str(EXIT)), e.case_id, e.at, e.to_state, ZERO, ONE).where(
            const_in(e.to_state, EXITS),
            const_in(e.from_state, OPEN_STATES),
            self._in_period(e.at),
        )

    def _ratings(self) -> Select[Any]:
        """Each case's latest rating in the period."""
        e = EVENTS.c
        newer = EVENTS.alias("newer")
        latest_rating = ~exists().where(
            newer.c.case_id == e.case_id,
            newer.c.action == const("feedback"),
            self._in_period(newer.c.at),
            newer.c.seq > e.seq,
        )
        return select(
            literal_column(str(RATING)), e.case_id, e.at, json_text(e.params, "rating"), ZERO, ONE
        ).where(e.action == const("feedback"), self._in_period(e.at), latest_rating)

    def _visits(self) -> Select[Any]:
        e = EVENTS.c
        return (
            select(
                literal_column(str(VISIT)), e.case_id, func.min(e.at), NO_TEXT, ZERO, func.count()
            )
            .where(e.action == const("visit"), self._in_period(e.at))
            .group_by(e.case_id)
        )

    def _event_durations(
        self, kind: Any, duration: Any, no_text: Any, no_number: Any
    ) -> Select[Any]:
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
