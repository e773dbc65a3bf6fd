"""The workload: the open cases of the scope as of now, in one statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.sql.selectable import Select

from api.stats.backlog import is_backlog
from api.stats.queries import CASES, LEVELS, OPEN_STATES, StatsQueries
from api.stats.schemas import (
    AGEING_BUCKETS,
    AgeingBucket,
    Workload,
)
from api.stats.sql import const_in


class WorkloadQueries(StatsQueries):
    def workload(self) -> Workload:
        """One pass over the open cases of the scope, counted per (unit, state, level) with the
        flags and the ageing thresholds as conditional counts."""
        s = self.scope
        by_state = dict.fromkeys(OPEN_STATES, 0)
        by_level = dict.fromkeys(LEVELS, 0)
        by_unit = dict.fromkeys(sorted(s.units), 0)
        flags = [0, 0, 0, 0]
        at_least = [0] * len(AGEING_BUCKETS)  # open cases at least each bucket's min_days old
        for unit_id, state, level, n, *counts in self._rows(self._statement()):
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
            ageing=_ageing(at_least),
        )

    def backlog_by_unit(self) -> dict[str, int]:
        """积案 now, by holding unit (the same statement and rule as the workload's)."""
        backlog = dict.fromkeys(sorted(self.scope.units), 0)
        for unit_id, _state, _level, _n, _overdue, _at_risk, count, *_ in self._rows(
            self._statement()
        ):
            backlog[unit_id] += count
        return backlog

    def _statement(self) -> Select[Any]:
        """(unit, state, level, open, overdue, at risk, backlog, with repeat visits, and the
        open cases at least each ageing bucket's ``min_days`` old but the first)."""
        s, c = self.scope, CASES.c
        overdue = c.overdue | (c.next_due_at <= s.now)
        at_risk = c.at_risk | (c.next_warn_at <= s.now)
        backlog = case((is_backlog(c, s.now), 1))  # the rule in one place (api/stats/backlog.py)
        # Whole days of age d ≥ m  ⇔  registered at or before now − m days.
        aged = [
            func.count(case((c.created_at <= s.now - timedelta(days=low), 1)))
            for low, _ in AGEING_BUCKETS[1:]
        ]
        return (
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


def _ageing(at_least: list[int]) -> list[AgeingBucket]:
    """The buckets' counts from the counts of cases at least each bucket's age."""
    return [
        AgeingBucket(
            label=f"{low}-{high}" if high is not None else f"{low}+",
            min_days=low,
            max_days=high,
            count=at_least[i] - (at_least[i + 1] if i + 1 < len(at_least) else 0),
        )
        for i, (low, high) in enumerate(AGEING_BUCKETS)
    ]
