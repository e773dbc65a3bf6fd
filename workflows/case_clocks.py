"""The clocks of a case as the workflow runs them: carrying out the clock plan of each action,
recounting whole-day periods, firing warnings and breaches, and escalating after a breach."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.case_core import CaseCore
from workflows.options import ActivityOptions
from workflows.patches import DELIVERY_PATCH, INLINE_CLOCKS_PATCH, LAW_PATCH

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from models.boundary import (
        DeadlineRequest,
        Recount,
        RecountRequest,
    )
    from models.clock_plan import DELIVERY_CLOCK, alerts_due, plan_clocks
    from models.clocks import REQUEST_WINDOWS, Clock, ClockName
    from models.daycount import CalendarSnapshot, Deadline
    from models.deadline_requests import compute_requested, recount_requested
    from models.errors import DomainError
    from models.vocabulary import Level, Role

# Pure computation: retried only if a worker dies mid-call.
DEADLINE_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30)),
)


class CaseClocks(CaseCore):
    async def _replan_clocks(
        self, action: str, from_state: str, params: dict[str, Any], *, by: str
    ) -> None:
        """Carry out what the action does to the clocks (``models/clock_plan.py``)."""
        ledger, now = self._state.ledger, workflow.now()
        plan = plan_clocks(
            action,
            from_state,
            self._state.case.state,
            params,
            delivery_running=ledger.running(DELIVERY_CLOCK) is not None,
        )
        if plan.awaits_delivery() and workflow.patched(DELIVERY_PATCH):
            plan = plan.until_delivered()
        if plan.pause_reason is not None:
            ledger.pause_all(now, plan.pause_reason)
        if plan.resume:
            local = self._state.policy.zone
            recounts = await self._recount(
                [
                    Recount(
                        clock_id=c.id,
                        deadline=c.deadline,
                        paused_on=c.paused[-1].start.astimezone(local).date(),
                        resumed_on=now.astimezone(local).date(),
                    )
                    for c in ledger.paused_clocks()
                    if c.whole_days
                ]
            )
            ledger.resume_all(now, recounts)
        if plan.extension is not None:
            ext = plan.extension
            clock = ledger.running(ext.clock)
            recounts = await self._recount(
                [Recount(clock_id=clock.id, deadline=clock.deadline, extend_days=ext.days)]
                if clock is not None and clock.whole_days
                else []
            )
            recount = recounts.get(clock.id) if clock else None
            ledger.extend(
                ext.clock, days=ext.days, reason=ext.reason, by=by, at=now, recount=recount
            )
        if plan.stop_all:
            ledger.stop_all(now)
        ledger.stop(set(plan.stop), now)
        since = None
        if plan.since_day is not None:  # the day of a delivery does not count, as any event's
            since = datetime.combine(plan.since_day, time(0), tzinfo=self._state.policy.zone)
        await self._start_clocks(list(plan.start), since=since)

    async def _recount_provisional(self) -> None:
        """Provisional whole-day periods counted again under the published schedule; each
        recount is kept on its clock with its explanation."""
        self._recount_requested = False
        ledger = self._state.ledger
        recounts = await self._recount(
            [Recount(clock_id=c.id, deadline=c.deadline, clock=c) for c in ledger.provisional()]
        )
        for clock_id, deadline in recounts.items():
            ledger.recount(clock_id, deadline)
        if recounts:
            self._publish()

    async def _recount(self, recounts: list[Recount]) -> dict[str, Deadline]:
        """Whole-day periods counted again by the calendar (an activity: calendar data changes).
        Cases from before the law patch shifted by exact time and keep doing so on replay."""
        if not recounts or not workflow.patched(LAW_PATCH):
            return {}
        request = RecountRequest(recounts=recounts, policy=self._state.policy)
        calendar = self._calendar_snapshot()
        if calendar is not None:
            found = recount_requested(request, calendar)
            if not any(d.provisional for d in found.values()):
                return found
        return await workflow.execute_activity_method(
            DeadlineActivities.recount_deadlines,
            request,
            start_to_close_timeout=DEADLINE_OPTIONS.start_to_close_timeout,
            retry_policy=DEADLINE_OPTIONS.retry_policy,
        )

    def _calendar_snapshot(self) -> CalendarSnapshot | None:
        """The published schedules to count by here, in the workflow; None: ask the activity
        (cases registered before the snapshot, or replaying history from before the patch).
        A result that reaches a year without a published schedule in it (provisional) is also
        asked of the activity, whose calendar may know that year by now."""
        calendar = self._state.calendar
        if calendar is None or not workflow.patched(INLINE_CLOCKS_PATCH):
            return None
        return calendar

    async def _start_clocks(self, names: list[ClockName], *, since: datetime | None = None) -> None:
        """Start clocks at the responsible unit, counted from ``since`` (default now); a unit at
        county level has no level window."""
        case, policy = self._state.case, self._state.policy
        spans: dict[ClockName, str] = {}
        for name in names:
            if name == "level":
                window = getattr(policy.levels, case.level.value, None)
                if window is not None:
                    spans[name] = window.iso
            else:
                spans[name] = getattr(policy.clocks, name).iso
        if not spans:
            return
        request = DeadlineRequest(start=since or workflow.now(), spans=dict(spans), policy=policy)
        deadlines = await self._deadlines(request)
        for name in spans:
            clock = self._state.ledger.start(
                name,
                deadlines[name],
                unit_id=case.unit_id,
                level=case.level,
            )
            if name in REQUEST_WINDOWS:
                case.window_closes_at = clock.due_at

    async def _deadlines(self, request: DeadlineRequest) -> dict[str, Deadline]:
        """The due times of ``request``: from the calendar snapshot, or the activity when the
        snapshot cannot tell (a provisional year, or none carried)."""
        calendar = self._calendar_snapshot()
        found = compute_requested(request, calendar) if calendar is not None else None
        if found is not None and not any(d.provisional for d in found.values()):
            return found
        return await workflow.execute_activity_method(
            DeadlineActivities.compute_deadlines,
            request,
            start_to_close_timeout=DEADLINE_OPTIONS.start_to_close_timeout,
            retry_policy=DEADLINE_OPTIONS.retry_policy,
        )

    # -- clocks firing ------------------------------------------------------------------------
    async def _fire_due_clocks(self) -> None:
        """What each clock coming due does is its definition's (``models/clocks.py``'s
        ``ON_DUE``): the alerts of its warning or breach, and whether the breach moves the case."""
        for clock, what in self._state.ledger.due(workflow.now()):
            if self._final:
                return
            if what == "lapse":  # the petitioner did not ask for review in time: 办结
                self._system_event("auto_close", clock)
                self._state.ledger.stop_all(workflow.now())
                continue
            self._system_event(what, clock)
            for alert in alerts_due(clock, what, self._state.case, self._state.unit_path):
                self._alert(
                    alert.kind,
                    clock,
                    unit=alert.unit,
                    occurrence=alert.occurrence,
                    about=alert.about,
                )
            if what == "breach" and clock.on_due.escalates:
                await self._escalate_after_breach(clock)
        self._sync_lapsed()
        self._changed = True
        self._publish()

    async def _escalate_after_breach(self, clock: Clock) -> None:
        """A breach rises the case one level; at the top it calls for supervision (督办)."""
        case = self._state.case
        if len(self._state.unit_path) < 2 or case.level.rank >= Level.county.rank:
            self._alert("supervision", clock)
            await self._supervise_automatically(clock)
            return
        try:
            self._machine.check("auto_escalate", role=Role.system)
        except DomainError:
            return  # the machine does not move the case in this state; the breach alert stands
        target = self._state.unit_path[1]
        self._system_event("auto_escalate", clock, unit=target)
        self._state.unit_path = self._state.unit_path[1:]
        await self._after_escalation(cause=clock)

    async def _after_escalation(self, *, cause: Clock | None) -> None:
        """The new unit gets a fresh level window. After a breach the breached statutory period
        stays breached with its legal due time; the new unit gets a supervision window (督办时限)
        to act. (Before the law patch the breached clock restarted at the new unit.)"""
        now = workflow.now()
        ledger = self._state.ledger
        starting: list[ClockName] = ["level"]
        if workflow.patched(LAW_PATCH):
            ledger.stop({"level", "supervision"}, now)
            if cause is not None and cause.name != "level":
                starting.append("supervision")
        else:
            ledger.stop({"level"}, now)
            if cause is not None and cause.name != "level":
                ledger.stop({cause.name}, now)
                starting.append(cause.name)
        await self._start_clocks(starting)
        self._alert("escalation", cause, occurrence=len(self._state.case.escalations))

    # Hook of the command system (``workflows/case_orders.py``): nothing here.
    async def _supervise_automatically(self, breached: Clock) -> None:
        return None

    def _system_event(self, event: str, clock: Clock, **context: Any) -> None:
        from_state = self._state.case.state
        self._machine.raise_event(event, at=workflow.now(), clock=clock.name, **context)
        self._record(event, None, from_state=from_state, params={"clock": clock.id})
