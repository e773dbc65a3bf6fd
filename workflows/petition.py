"""One petition, one workflow: it owns the case's state (held by the lifecycle machine), runs its
clocks, escalates by itself, and projects every change to the database.

Deterministic: no I/O, no clock but ``workflow.now()``; deadlines come from an activity and are
recorded in the ledger. Business failures are raised only as ``ApplicationError`` whose ``type``
names the project's error class (InvalidTransition → 409, Forbidden → 403, InvalidParams → 422).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError

from workflows import search_attributes
from workflows.options import ActivityOptions

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from activities.projection import ProjectionActivities
    from models.actions import parse_params
    from models.alerts import ALERT_KINDS
    from models.boundary import (
        ActionRequest,
        AlertInput,
        AlertKind,
        CaseEvent,
        CaseInfo,
        CaseSnapshot,
        CaseState,
        DeadlineRequest,
        OutboxBatch,
        Projection,
        Recount,
        RecountRequest,
        StartCase,
        UnitPathRequest,
        VisitRequest,
    )
    from models.case import PetitionCase
    from models.clock_plan import plan_clocks
    from models.clocks import (
        CLOCK_LABELS,
        REQUEST_WINDOWS,
        Clock,
        ClockLedger,
        ClockName,
    )
    from models.daycount import Deadline
    from models.errors import DomainError, InvalidTransition, NotInScope
    from models.lifecycle import FINAL_STATES, Petition
    from models.scope import sees
    from models.snapshot import build_snapshot
    from models.vocabulary import LEVEL_LABELS, Level, Role

NOT_IN_SCOPE = "案件不存在或不在您的范围内 / no such case in your scope"
SEARCH_ATTRIBUTES_PATCH = "search-attributes-v1"
SETTLED_PROJECTION_PATCH = "settled-projection-v1"
# The outbox written in batches: one activity for all that is pending, not one per item.
# (Local activities for deadlines were tried and dropped: a workflow task lost while the server
# was down then replayed non-deterministically — tests/faults/test_server_restart.py.)
BATCHED_OUTBOX_PATCH = "batched-outbox-v1"
# The law on every path (docs/domain.md): whole-day recounts after a pause or an extension,
# statutory periods that never restart on escalation (a supervision window instead), and no due
# time, risk or lateness published while a clock stands still.
LAW_PATCH = "law-every-path-v1"
REVIEW_REQUESTS = frozenset({"request_review", "request_re_review"})

# Pure computation: retried only if a worker dies mid-call.
DEADLINE_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30)),
)
# The database may be down for a while; the projection must converge once it is back, so retry
# without a limit, backing off to once a minute.
PROJECTION_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
# A unit that does not exist will not appear by retrying.
LOOKUP_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        maximum_interval=timedelta(minutes=1), non_retryable_error_types=["UnknownUnit"]
    ),
)


def business_error(err: DomainError) -> ApplicationError:
    return ApplicationError(
        err.detail, err.to_details(), type=type(err).__name__, non_retryable=True
    )


@workflow.defn(name="PetitionWorkflow")
class PetitionWorkflow:
    @workflow.init
    def __init__(self, start: StartCase) -> None:
        self._start = start
        self._state = start.carried or self._initial_state(start)
        self._ready = start.carried is not None
        self._lock = asyncio.Lock()
        self._changed = False
        self._outbox: list[CaseEvent | AlertInput] = []
        self._published: tuple[object, ...] = ()
        self._petition: Petition | None = None
        self._recount_requested = False
        self._sync_lapsed()

    # -- run ----------------------------------------------------------------------------------
    @workflow.run
    async def run(self, start: StartCase) -> CaseSnapshot:
        drain = asyncio.create_task(self._drain_outbox())
        if not self._ready:
            async with self._lock:
                await self._register(start)
            self._ready = True
        self._publish()
        while not self._final and not self._should_continue_as_new():
            await self._sleep_until_next_clock()
            async with self._lock:
                if self._recount_requested:
                    await self._recount_provisional()
                await self._fire_due_clocks()
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._outbox)
        drain.cancel()
        if self._final:
            return self._snapshot()
        workflow.continue_as_new(
            StartCase(
                **start.model_dump(exclude={"carried", "petitioner", "petitioner_key"}),
                carried=self._state,
            )
        )

    @property
    def _machine(self) -> Petition:
        """The lifecycle machine bound to this case, built once per run: building one costs
        milliseconds, and every action, snapshot and query needs it."""
        if self._petition is None or self._petition.case is not self._state.case:
            self._petition = Petition(self._state.case)
        return self._petition

    @property
    def _final(self) -> bool:
        return self._state.case.state in FINAL_STATES

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self._start.history_limit
        )

    async def _sleep_until_next_clock(self) -> None:
        self._changed = False
        due = self._state.ledger.next_instant()
        timeout = None if due is None else (due - workflow.now()).total_seconds()
        if timeout is not None and timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._changed or self._should_continue_as_new(), timeout=timeout
            )

    # -- query and update ---------------------------------------------------------------------
    @workflow.query(name="snapshot")
    def snapshot(self) -> CaseSnapshot:
        return self._snapshot().model_copy(update={"pending_writes": len(self._outbox)})

    @workflow.update(name="act")
    async def act(self, request: ActionRequest) -> CaseSnapshot:
        update_id = self._update_id()
        await workflow.wait_condition(lambda: self._ready)
        async with self._lock:
            if update_id in self._state.applied_updates:
                return self._snapshot()
            await self._apply_or_restore(request)
            self._state.applied_updates.append(update_id)
            self._changed = True
            self._publish()
            return self._snapshot()

    async def _apply_or_restore(self, request: ActionRequest) -> None:
        """Apply an action, or leave the case exactly as it was and fail only the update: a
        failed workflow task would be retried for ever and jam the case."""
        before, pending = self._state.model_copy(deep=True), len(self._outbox)
        try:
            await self._apply(request)
        except DomainError as err:  # the case changed between validation and now
            self._restore(before, pending)
            raise business_error(err) from None
        except FailureError:  # e.g. an activity's final failure: fails the update, not the task
            self._restore(before, pending)
            raise
        except Exception as exc:  # a defect: reported, counted, and the case stays usable
            self._restore(before, pending)
            workflow.logger.exception(
                "action failed",
                extra={"case_id": self._state.info.case_id, "action": request.action},
            )
            workflow.metric_meter().create_counter(
                "petition_action_failures", "actions a defect failed (the case was restored)"
            ).add(1, {"action": request.action})
            raise ApplicationError(
                "操作未能完成，案件未改变 / the action could not be completed "
                f"({type(exc).__name__}); the case is unchanged",
                type="ActionFailed",
                non_retryable=True,
            ) from None
        finally:
            self._sync_lapsed()

    def _restore(self, before: CaseState, pending: int) -> None:
        self._state = before
        self._petition = None
        del self._outbox[pending:]

    def _sync_lapsed(self) -> None:
        """The machine's view of which statutory periods have lapsed, from the ledger."""
        self._state.case.lapsed = list(self._state.ledger.lapsed())

    @workflow.signal(name="calendar_published")
    def calendar_published(self) -> None:
        """A year's holiday schedule was published: count provisional periods again."""
        self._recount_requested = True
        self._changed = True

    @workflow.update(name="registration")
    async def registration(self) -> CaseSnapshot:
        """Answers once the case is registered and its first clocks run (used with start)."""
        await workflow.wait_condition(lambda: self._ready)
        return self._snapshot()

    @workflow.update(name="visit")
    async def visit(self, request: VisitRequest) -> CaseSnapshot:
        update_id = self._update_id()
        await workflow.wait_condition(lambda: self._ready)
        async with self._lock:
            if update_id in self._state.applied_updates:
                return self._snapshot()
            from_state = self._state.case.state
            try:
                self._machine.raise_event(
                    "visit", role=request.role, actor=request.user_id, at=workflow.now()
                )
            except DomainError as err:
                raise business_error(err) from None
            self._state.visit_count += 1
            by = ActionRequest(action="visit", role=request.role, user_id=request.user_id)
            self._record(
                "visit",
                by,
                from_state=from_state,
                params={"channel": request.channel, "visit_count": self._state.visit_count},
            )
            self._state.applied_updates.append(update_id)
            self._publish()
            return self._snapshot()

    @visit.validator
    def validate_visit(self, request: VisitRequest) -> None:
        if self._update_id() in self._state.applied_updates:
            return
        try:
            self._machine.check("visit", role=request.role, at=workflow.now())
        except DomainError as err:
            raise business_error(err) from None

    @act.validator
    def validate_act(self, request: ActionRequest) -> None:
        if self._update_id() in self._state.applied_updates:
            return  # a retry of an applied action: the handler returns the snapshot
        try:
            if not sees(request.role, request.caller_unit_id, self._state.unit_path):
                raise NotInScope(NOT_IN_SCOPE)
            params = parse_params(request.action, request.params).model_dump(mode="json")
            self._machine.check(request.action, role=request.role, at=workflow.now(), **params)
            self._check_superior(request.action)
        except DomainError as err:
            raise business_error(err) from None

    def _check_superior(self, action: str) -> None:
        if action == "escalate" and len(self._state.unit_path) < 2:
            raise InvalidTransition(
                "没有上级单位可以上报 / the unit has no superior unit",
                action=action,
                state=self._state.case.state,
            )

    @staticmethod
    def _update_id() -> str:
        info = workflow.current_update_info()
        return info.id if info else ""

    # -- registration -------------------------------------------------------------------------
    @staticmethod
    def _initial_state(start: StartCase) -> CaseState:
        unit = start.unit_path[0]
        now = workflow.now()
        assert start.petitioner is not None, "a new case needs its petitioner"
        return CaseState(
            info=CaseInfo(
                case_id=start.case_id,
                tracking_code=start.tracking_code,
                kind=start.kind,
                category=start.category,
                severity=start.severity,
                channel=start.channel,
                title=start.title,
                created_at=now,
                registered_by=start.registered_by,
                petitioner=start.petitioner.masked(),
            ),
            case=PetitionCase(
                unit_id=unit.id,
                level=unit.level,
                extension_max_days=start.policy.clocks.extension_max.days,
            ),
            unit_path=start.unit_path,
            policy=start.policy,
            ledger=ClockLedger(warn_share=start.policy.alerts.warn_at),
        )

    async def _register(self, start: StartCase) -> None:
        if workflow.patched(LAW_PATCH):
            self._state.case.max_forwards = start.policy.clocks.max_forwards
        await self._start_clocks(["acceptance", "level"])
        registrar = ActionRequest(action="register", role=Role.officer, user_id=start.registered_by)
        self._record(
            "register",
            registrar,
            from_state=None,
            params={"channel": start.channel, "severity": start.severity},
        )
        if start.repeat_final:  # 复核终结: the same facts and reasons are not accepted again
            self._machine.raise_event("decline", at=workflow.now(), reason="repeat_final")
            self._state.ledger.stop_all(workflow.now())
            self._record(
                "decline", None, from_state="registered", params={"reason": "repeat_final"}
            )

    # -- officer actions ----------------------------------------------------------------------
    async def _apply(self, request: ActionRequest) -> None:
        case, now = self._state.case, workflow.now()
        from_state = case.state
        path = self._state.unit_path
        if request.action == "forward" and request.unit_path:
            path = request.unit_path
        elif request.action == "forward":
            path = await workflow.execute_activity_method(
                ProjectionActivities.unit_path,
                UnitPathRequest(unit_id=str(request.params.get("unit_id", ""))),
                start_to_close_timeout=LOOKUP_OPTIONS.start_to_close_timeout,
                retry_policy=LOOKUP_OPTIONS.retry_policy,
            )
        elif request.action == "escalate":
            self._check_superior(request.action)
            path = path[1:]
        context: dict[str, Any] = {"unit": path[0]}
        if request.action == "forward":  # the receiving unit judges anew (not before the patch)
            context["fresh"] = workflow.patched(LAW_PATCH)
        elif request.action in REVIEW_REQUESTS and workflow.patched(LAW_PATCH):
            # 复查 by the organ one level up, 复核 by the next; none above: an outside organ
            path, outside = (path[1:], False) if len(path) > 1 else (path, True)
            context.update(review_unit=None if outside else path[0], outside=outside)
        self._machine.act(
            request.action,
            role=request.role,
            actor=request.user_id,
            at=now,
            params=request.params,
            **context,
        )
        self._state.unit_path = path
        params = parse_params(request.action, request.params).model_dump(mode="json")
        recorded = dict(params)
        if "outside" in context:  # the timeline says who reviews: a unit, or an outside organ
            recorded["review_by"] = "outside" if context["outside"] else path[0].id
        self._record(request.action, request, from_state=from_state, params=recorded)
        await self._replan_clocks(request.action, from_state, params, by=request.user_id)
        if request.action == "escalate":
            await self._after_escalation(cause=None)
        if request.action == "feedback" and params["rating"] == "unsatisfied":
            self._alert("unsatisfied", None, occurrence=len(case.feedback))

    async def _replan_clocks(
        self, action: str, from_state: str, params: dict[str, Any], *, by: str
    ) -> None:
        """Carry out what the action does to the clocks (``models/clock_plan.py``)."""
        ledger, now = self._state.ledger, workflow.now()
        plan = plan_clocks(action, from_state, self._state.case.state, params)
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
        await self._start_clocks(list(plan.start))

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
        return await workflow.execute_activity_method(
            DeadlineActivities.recount_deadlines,
            RecountRequest(recounts=recounts, policy=self._state.policy),
            start_to_close_timeout=DEADLINE_OPTIONS.start_to_close_timeout,
            retry_policy=DEADLINE_OPTIONS.retry_policy,
        )

    async def _start_clocks(self, names: list[ClockName]) -> None:
        """Start clocks at the responsible unit; a unit at county level has no level window."""
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
        now = workflow.now()
        deadlines = await workflow.execute_activity_method(
            DeadlineActivities.compute_deadlines,
            DeadlineRequest(start=now, spans=dict(spans), policy=policy),
            start_to_close_timeout=DEADLINE_OPTIONS.start_to_close_timeout,
            retry_policy=DEADLINE_OPTIONS.retry_policy,
        )
        for name in spans:
            clock = self._state.ledger.start(
                name,
                deadlines[name],
                unit_id=case.unit_id,
                level=case.level,
            )
            if name in REQUEST_WINDOWS:
                case.window_closes_at = clock.due_at

    # -- clocks firing ------------------------------------------------------------------------
    async def _fire_due_clocks(self) -> None:
        for clock, what in self._state.ledger.due(workflow.now()):
            if self._final:
                return
            if what == "warn":
                self._system_event("warn", clock)
                self._alert("warning", clock)
            elif what == "lapse":  # the petitioner did not ask for review in time: 办结
                self._system_event("auto_close", clock)
                self._state.ledger.stop_all(workflow.now())
            else:
                self._system_event("breach", clock)
                self._alert("breach", clock)
                await self._escalate_after_breach(clock)
        self._sync_lapsed()
        self._changed = True
        self._publish()

    async def _escalate_after_breach(self, clock: Clock) -> None:
        """A breach rises the case one level; at the top it calls for supervision (督办)."""
        case = self._state.case
        if len(self._state.unit_path) < 2 or case.level.rank >= Level.county.rank:
            self._alert("supervision", clock)
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

    def _system_event(self, event: str, clock: Clock, **context: Any) -> None:
        from_state = self._state.case.state
        self._machine.raise_event(event, at=workflow.now(), clock=clock.name, **context)
        self._record(event, None, from_state=from_state, params={"clock": clock.id})

    # -- search attributes --------------------------------------------------------------------
    def _publish(self) -> None:
        """Keep the operators' search attributes current. Cases started before search attributes
        existed replay without them: the patch marks the first run that publishes."""
        if not workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            return
        case, ledger = self._state.case, self._state.ledger
        provisional: bool | None = None  # not published before the law patch
        if workflow.patched(LAW_PATCH):
            next_due = ledger.next_due()
            breached = ledger.overdue(case.suspended_from or case.state)
            provisional = bool(ledger.provisional())
        else:  # as published before: a paused clock's nominal due time, any breach ever
            next_due = min((c.due_at for c in ledger.live() if c.is_duty), default=None)
            breached = any(c.status == "breached" for c in ledger.clocks)
        values = (case.state, case.level.value, case.unit_id, next_due, breached, provisional)
        if values != self._published:
            workflow.upsert_search_attributes(
                search_attributes.updates(
                    state=case.state,
                    level=case.level.value,
                    unit_id=case.unit_id,
                    next_due=next_due,
                    breached=breached,
                    provisional=provisional,
                )
            )
            self._published = values

    # -- projection and alerts ----------------------------------------------------------------
    def _snapshot(self) -> CaseSnapshot:
        return build_snapshot(self._state, workflow.now(), self._machine)

    def _record(
        self,
        action: str,
        by: ActionRequest | None,
        *,
        from_state: str | None,
        params: dict[str, Any],
    ) -> None:
        """Append a timeline event; its projection is written by the outbox drain."""
        self._state.event_seq += 1
        seq = self._state.event_seq
        self._outbox.append(
            CaseEvent(
                event_id=f"{self._state.info.case_id}:{seq}",
                case_id=self._state.info.case_id,
                seq=seq,
                action=action,
                actor=by.user_id if by else "system",
                role=by.role if by else Role.system,
                from_state=from_state,
                to_state=self._state.case.state,
                at=workflow.now(),
                params=params,
            )
        )

    def _alert(self, kind: AlertKind, clock: Clock | None, *, occurrence: int = 1) -> None:
        case, info = self._state.case, self._state.info
        unit = self._state.unit_path[0]
        clock_label = CLOCK_LABELS[clock.name][0] if clock else ""
        due = clock.due_at.astimezone(self._state.policy.zone) if clock else None
        due_text = due.strftime("%Y-%m-%d %H:%M") if due else ""
        level_label = LEVEL_LABELS[case.level][0]
        spec = ALERT_KINDS[kind]
        text = spec.template.format(
            title=info.title,
            clock=clock_label,
            due=due_text,
            unit=unit.name or unit.id,
            level=level_label,
        )
        # Replay-safe business metrics: counted once, when the alert is first raised.
        workflow.metric_meter().create_counter(
            "petition_alerts", "alerts raised: warnings, breaches, escalations, supervision"
        ).add(1, {"kind": kind, "level": case.level.value, "clock": clock.name if clock else "-"})
        workflow.logger.info(
            "alert raised",
            extra={"case_id": info.case_id, "kind": kind, "clock": clock.id if clock else None},
        )
        self._outbox.append(
            AlertInput(
                # URL-safe: it appears in /alerts/{alert_id}/ack
                alert_id=f"{info.case_id}.{clock.id.replace('#', '-') if clock else 'case'}"
                f".{kind}.{occurrence}",
                case_id=info.case_id,
                clock_id=clock.id if clock else None,
                kind=kind,
                occurrence=occurrence,
                unit_id=case.unit_id,
                level=case.level,
                title=info.title,
                message=f"{text}（{unit.name or unit.id}，案件 {info.case_id}）",
                due_at=clock.due_at if clock else None,
                at=workflow.now(),
                renotify_every=(
                    self._state.policy.alerts.renotify_every.iso if spec.renotifies else None
                ),
            )
        )

    async def _drain_outbox(self) -> None:
        """Write projections and alerts in order, off the path of the officer's update. Each
        projection carries the snapshot as of its writing, so the row is never staler than the
        event it records."""
        # A projection is taken only between actions: mid-action (while its new clocks are
        # being computed) the snapshot would lack them until the next event.
        settled = workflow.patched(SETTLED_PROJECTION_PATCH)
        if workflow.patched(BATCHED_OUTBOX_PATCH):
            return await self._drain_in_batches()
        while True:
            await workflow.wait_condition(
                lambda: bool(self._outbox) and not (settled and self._lock.locked())
            )
            item = self._outbox[0]
            if isinstance(item, CaseEvent):
                first = self._start if item.seq == 1 and self._start.carried is None else None
                projection = Projection(
                    snapshot=self._snapshot(),
                    event=item,
                    description=first.description if first else None,
                    petitioner=first.petitioner if first else None,
                    petitioner_key=first.petitioner_key if first else None,
                )
                await workflow.execute_activity_method(
                    ProjectionActivities.project_case,
                    projection,
                    start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                    retry_policy=PROJECTION_OPTIONS.retry_policy,
                )
            else:
                await workflow.execute_activity_method(
                    ProjectionActivities.record_alert,
                    item,
                    start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                    retry_policy=PROJECTION_OPTIONS.retry_policy,
                )
            self._outbox.pop(0)

    async def _drain_in_batches(self) -> None:
        """Everything pending, one activity: a timer that raises a breach, its supervision alert
        and an event costs one write, not three. Still an activity, not a local one: a database
        outage must not hold back the answers to officers' updates."""
        while True:
            await workflow.wait_condition(lambda: bool(self._outbox) and not self._lock.locked())
            items = list(self._outbox)
            events = [i for i in items if isinstance(i, CaseEvent)]
            first = (
                self._start
                if self._start.carried is None and any(e.seq == 1 for e in events)
                else None
            )
            batch = OutboxBatch(
                snapshot=self._snapshot(),
                events=events,
                alerts=[i for i in items if isinstance(i, AlertInput)],
                description=first.description if first else None,
                petitioner=first.petitioner if first else None,
                petitioner_key=first.petitioner_key if first else None,
            )
            await workflow.execute_activity_method(
                ProjectionActivities.write_outbox,
                batch,
                start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                retry_policy=PROJECTION_OPTIONS.retry_policy,
            )
            del self._outbox[: len(items)]
