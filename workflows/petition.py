"""One petition, one workflow: it owns the case's state (held by the lifecycle machine), runs its
clocks, escalates by itself, and projects every change to the database.

Deterministic: no I/O, no clock but ``workflow.now()``; deadlines come from an activity and are
recorded in the ledger. Business failures are raised only as ``ApplicationError`` whose ``type``
names the project's error class (InvalidTransition → 409, Forbidden → 403, InvalidParams → 422).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError

from workflows.case_hand_over import CaseHandOvers
from workflows.case_links import CaseLinks, petitioner_entries
from workflows.case_orders import CaseOrders
from workflows.options import ActivityOptions
from workflows.patches import INLINE_CLOCKS_PATCH, LAW_PATCH

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from models.actions import parse_params
    from models.boundary import (
        ActionRequest,
        AlertInput,
        CaseEvent,
        CaseInfo,
        CaseSnapshot,
        CaseState,
        StartCase,
        UnitPathRequest,
        VisitRequest,
    )
    from models.case import PetitionCase
    from models.clocks import (
        ClockLedger,
    )
    from models.documents import OPENS_WINDOW, issued_document
    from models.errors import DomainError, InvalidTransition, NotInScope
    from models.mediation import decline_referral, recorded_parties
    from models.messages import Message
    from models.vocabulary import Role

NOT_IN_SCOPE = Message("案件不存在或不在您的范围内", "no such case in your scope")
REVIEW_REQUESTS = frozenset({"request_review", "request_re_review"})

# A unit that does not exist will not appear by retrying.
LOOKUP_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        maximum_interval=timedelta(minutes=1), non_retryable_error_types=["UnknownUnit"]
    ),
)


def business_error(err: DomainError) -> ApplicationError:
    return ApplicationError(
        str(err.detail), err.to_details(), type=type(err).__name__, non_retryable=True
    )


@workflow.defn(name="PetitionWorkflow")
class PetitionWorkflow(CaseHandOvers, CaseOrders, CaseLinks):
    @workflow.init
    def __init__(self, start: StartCase) -> None:
        self._start = start
        self._state = start.carried or self._initial_state(start)
        self._ready = start.carried is not None
        self._lock = asyncio.Lock()
        self._changed = False
        # The timer of the next due instant, kept across wake-ups while that instant holds.
        self._timer: asyncio.Task[None] | None = None
        self._timer_due: datetime | None = None
        self._outbox: list[CaseEvent | AlertInput] = []
        self._published: tuple[object, ...] = ()
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
        self._cancel_timer()
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._outbox)
        drain.cancel()
        if self._final:
            return self._snapshot()
        workflow.continue_as_new(
            StartCase(
                **start.model_dump(
                    exclude={"carried", "petitioner", "petitioner_key", "search_keys", "people"}
                ),
                carried=self._state,
            )
        )

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
        if not workflow.patched(INLINE_CLOCKS_PATCH):  # a timer per wake-up, as cases used to
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._changed or self._should_continue_as_new(), timeout=timeout
                )
            return
        if due != self._timer_due or (self._timer is not None and self._timer.done()):
            # the next instant moved (or its timer fired a hair early): only then a new timer
            self._cancel_timer()
            if due is not None and timeout is not None:
                self._timer, self._timer_due = asyncio.create_task(workflow.sleep(timeout)), due
        timer = self._timer
        await workflow.wait_condition(
            lambda: (
                self._changed
                or self._should_continue_as_new()
                or (timer is not None and timer.done())
            )
        )

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer, self._timer_due = None, None

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
        del self._outbox[pending:]

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
                params=request.recorded() | {"visit_count": self._state.visit_count},
            )
            self._note_visitors(request)
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
            if self._standing(request) is None:  # as ``sees``, and 交办's handing unit, co-handlers
                raise NotInScope(NOT_IN_SCOPE)
            params = parse_params(request.action, request.params).model_dump(mode="json")
            self._machine.check(
                request.action,
                role=request.role,
                at=workflow.now(),
                **params,
                **self._named_checks(request),
                **self._hand_over_checks(request, self._task_deadline_now(request)),
                **self._other_case_context(request),
            )
            self._check_superior(request.action)
        except DomainError as err:
            raise business_error(err) from None

    def _named_checks(self, request: ActionRequest) -> dict[str, Any]:
        """What the machine's parameter checks need beyond the params: the users they name,
        and the case's time zone (the day a callback was made); the units whose supervisors
        hold the case (督办单, 包案). The caller's unit comes with where they stand
        (``_hand_over_checks``)."""
        return {
            "staff": request.staff,
            "zone": self._state.policy.zone,
            "scope_units": [u.id for u in self._state.unit_path],
        }

    def _check_superior(self, action: str) -> None:
        if action == "escalate" and len(self._state.unit_path) < 2:
            raise InvalidTransition(
                Message("没有上级单位可以上报", "the unit has no superior unit"),
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
                **start.header(),
                case_id=start.case_id,
                tracking_code=start.tracking_code,
                created_at=now,
                registered_by=start.registered_by,
                petitioner=start.petitioner.masked(),
                petitioners=petitioner_entries(start),
                headcount=start.headcount,
            ),
            case=PetitionCase(
                unit_id=unit.id,
                level=unit.level,
                extension_max_days=start.policy.clocks.extension_max.days,
                # received below the level its severity calls for: the receiving unit keeps
                # reading the case it routed up
                earlier_units=[u for u in [start.receiving_unit_id] if u and u != unit.id],
            ),
            unit_path=start.unit_path,
            policy=start.policy,
            ledger=ClockLedger(warn_share=start.policy.alerts.warn_at),
            calendar=start.calendar,
        )

    def _received_at(self, start: StartCase) -> datetime | None:
        """The instant the law counts the acceptance period from, when the petition was received
        on an earlier day than its registration (None: received today, counted from now)."""
        if start.received_on is None:
            return None
        zone = start.policy.zone
        if start.received_on >= workflow.now().astimezone(zone).date():
            return None
        return datetime.combine(start.received_on, time(0), tzinfo=zone)  # the day of receipt

    async def _register(self, start: StartCase) -> None:
        if workflow.patched(LAW_PATCH):
            self._state.case.max_forwards = start.policy.clocks.max_forwards
        received = self._received_at(start)
        if received is None:
            await self._start_clocks(["acceptance", "level"])
        else:  # 受理 is counted from receipt (收件/来访); the unit's own window from now
            await self._start_clocks(["acceptance"], since=received)
            await self._start_clocks(["level"])
        registrar = ActionRequest(action="register", role=Role.officer, user_id=start.registered_by)
        self._record(
            "register",
            registrar,
            from_state=None,
            # The level it starts at: above its severity's, the petitioner went over one (越级访).
            params={
                "channel": start.channel,
                "severity": start.severity,
                "level": start.unit_path[0].level.value,
            }
            | ({"received_on": start.received_on.isoformat()} if start.received_on else {}),
        )
        self._alert_collective(start)
        if start.repeat_final:  # 复核终结: the same facts and reasons are not accepted again
            self._machine.raise_event("decline", at=workflow.now(), reason="repeat_final")
            self._state.ledger.stop_all(workflow.now())
            self._record(
                "decline", None, from_state="registered", params={"reason": "repeat_final"}
            )

    # -- officer actions ----------------------------------------------------------------------
    def _documents_of(
        self, action: str, params: dict[str, Any], recorded: dict[str, Any], *, at: datetime
    ) -> dict[str, Any]:
        """The notice an action issues, named on its timeline event (the projection renders and
        numbers it); for a delivery, the window the delivered document opens (for the clocks)."""
        case = self._state.case
        kind = issued_document(action, params)
        if kind is not None:
            doc = case.issue_document(kind, event_seq=self._state.event_seq + 1, at=at)
            recorded["document"] = {"id": doc.id, "kind": doc.kind.value, "unit_id": case.unit_id}
        delivered = case.document(params.get("document_id")) if action == "deliver" else None
        if delivered is None:
            return {}
        recorded["document_kind"] = delivered.kind.value
        return {"opens": OPENS_WINDOW.get(delivered.kind)}

    async def _apply(self, request: ActionRequest) -> None:
        case, now = self._state.case, workflow.now()
        from_state, from_unit = case.state, case.unit_id
        path = self._state.unit_path
        self._name_the_order(request)
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
        task_deadline = await self._task_deadline(request)  # 交办: None for other actions
        hand_over_checks = self._hand_over_checks(request, task_deadline)
        path = self._hand_over_path(request, path)
        context: dict[str, Any] = {
            "unit": path[0],
            **self._named_checks(request),
            **hand_over_checks,
            **self._other_case_context(request),
        }
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
        if request.action == "hand_over" and task_deadline is not None:
            recorded["due_at"] = task_deadline.due_at.isoformat()
        elif request.action == "report":
            recorded["co_unit_id"] = request.caller_unit_id
        if "outside" in context:  # the timeline says who reviews: a unit, or an outside organ
            recorded["review_by"] = "outside" if context["outside"] else path[0].id
        recorded |= await self._order_clocks(request.action, params)
        params |= self._documents_of(request.action, params, recorded, at=now)
        # 调解: the parties masked on the timeline (stored encrypted), a decline's referral
        recorded, parties = recorded_parties(request.action, recorded, from_unit)
        recorded |= decline_referral(request.action, case.mediation)
        self._record(
            request.action, request, from_state=from_state, params=recorded, parties=parties
        )
        await self._tell_other(request, str(params.get("note", "")))
        await self._replan_clocks(request.action, from_state, params, by=request.user_id)
        self._sync_task_clocks(task_deadline)
        if request.action == "escalate":
            await self._after_escalation(cause=None)
        if request.action == "feedback" and params["rating"] == "unsatisfied":
            self._alert("unsatisfied", None, occurrence=len(case.feedback))
