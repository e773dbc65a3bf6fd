"""督办单 and 领导包案 figures (``GET /api/v1/stats/supervision``) for the cases held now by a
subtree: the orders issued and answered in the period (and how many answers came late), the
orders open now, and the cases with a leader (包案) with how many closed by their target date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import case, func, select

from api.stats.queries import CASES, EVENTS, OPEN_STATES, StatsQueries
from api.stats.sql import const_in


class OrderFigures(BaseModel):
    issued: int = Field(description="督办单 issued in the period")
    automatic: int = Field(description="of those, issued by the service after a breach at the top")
    answered: int = Field(description="answers recorded in the period")
    answered_late: int = Field(description="of those, given after the order's answer time")
    open: int = Field(description="orders open now (open cases)")
    overdue: int = Field(description="open cases whose earliest open order is past its time now")


class LeaderFigures(BaseModel):
    cases: int = Field(description="cases with a responsible leader (包案), open or not")
    open: int
    closed: int = Field(description="of those, closed (办结)")
    closed_by_target: int = Field(description="closed on or before the leader's target date")


class SupervisionStats(BaseModel):
    unit_id: str
    unit_name: str
    generated_at: datetime
    starts_at: datetime
    ends_at: datetime
    orders: OrderFigures
    leader: LeaderFigures


class SupervisionQueries(StatsQueries):
    def figures(self) -> SupervisionStats:
        s = self.scope
        return SupervisionStats(
            unit_id=s.unit_id,
            unit_name=s.unit_name,
            generated_at=s.now,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            orders=self._orders(),
            leader=self._leaders(),
        )

    def _in_scope_cases(self) -> Any:
        return select(CASES.c.case_id).where(self.in_scope)

    def _orders(self) -> OrderFigures:
        e, c = EVENTS.c, CASES.c
        events = self._rows(
            select(e.action, e.params).where(
                const_in(e.action, ("supervise", "respond_supervision")),
                self._in_period(e.at),
                e.case_id.in_(self._in_scope_cases()),
            )
        )
        issued = [p for action, p in events if action == "supervise"]
        answers = [p for action, p in events if action == "respond_supervision"]
        open_now = const_in(c.state, OPEN_STATES)
        (open_orders, overdue), *_ = self._rows(
            select(
                func.coalesce(func.sum(c.open_orders), 0),
                func.count(case((c.order_due_at <= self.scope.now, 1))),
            ).where(self.in_scope, open_now, c.open_orders > 0)
        )
        return OrderFigures(
            issued=len(issued),
            automatic=sum(bool(p.get("automatic")) for p in issued),
            answered=len(answers),
            answered_late=sum(bool(p.get("late")) for p in answers),
            open=int(open_orders),
            overdue=int(overdue),
        )

    def _leaders(self) -> LeaderFigures:
        c, e = CASES.c, EVENTS.c
        led = self._rows(
            select(c.case_id, c.state, c.snapshot).where(
                self.in_scope, c.leader_user_id.is_not(None)
            )
        )
        closed_ids = [case_id for case_id, state, _ in led if state == "closed"]
        closed_at = dict(
            self._rows(
                select(e.case_id, func.min(e.at))
                .where(e.case_id.in_(closed_ids), e.to_state == "closed")
                .group_by(e.case_id)
            )
            if closed_ids
            else []
        )
        by_target = 0
        for case_id, _state, snapshot in led:
            target = (snapshot or {}).get("leader", {}).get("target_date")
            at = closed_at.get(case_id)
            if target and at is not None:
                day = at.astimezone(self.scope.zone).date()
                by_target += day <= date.fromisoformat(target)
        return LeaderFigures(
            cases=len(led),
            open=sum(state in OPEN_STATES for _, state, _ in led),
            closed=len(closed_ids),
            closed_by_target=by_target,
        )
