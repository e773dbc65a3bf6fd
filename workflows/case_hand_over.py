"""交办/会办 as the workflow runs it: where a caller stands towards the case, what the machine's
hand-over rules need beyond the params (the units named, the task's deadline against the
statutory one), the task clocks (one for the lead unit, one per co-handler, all with the
hand-over's deadline). The rules themselves are the machine's (``models/lifecycle.py``), whom a
task clock's warning and breach alert is its definition's (``models/clocks.py``, ``TASK_DUE``);
cases without hand-overs never reach a command here."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflows.case_clocks import DEADLINE_OPTIONS, CaseClocks

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from models.boundary import ActionRequest, DeadlineRequest
    from models.case import UnitRef
    from models.clocks import STATUTORY_CLOCK, ClockName
    from models.daycount import Deadline
    from models.deadline_requests import compute_requested
    from models.scope import Standing, sees, standing

LEAD_CLOCK: ClockName = "hand_over"
CO_CLOCK: ClockName = "co_handling"


class CaseHandOvers(CaseClocks):
    def _standing(self, request: ActionRequest) -> Standing | None:
        return standing(
            request.role,
            request.caller_unit_id,
            sees_case=sees(request.role, request.caller_unit_id, self._state.unit_path),
            hand_over=self._state.case.open_hand_over(),
        )

    def _hand_over_checks(
        self, request: ActionRequest, deadline: Deadline | None
    ) -> dict[str, Any]:
        """What the machine's hand-over rules need: where the caller stands and, for a
        hand-over, the units it names, the handing unit's path and the two due times."""
        checks: dict[str, Any] = {
            "standing": self._standing(request) or "holder",
            "caller_unit_id": request.caller_unit_id,
        }
        if request.action == "hand_over":
            statutory = self._state.ledger.running(STATUTORY_CLOCK.get(self._state.case.state, ""))
            checks.update(
                units=request.units,
                handing_path=list(self._state.unit_path),
                task_due=deadline.due_at if deadline else None,
                statutory_due=statutory.due_at if statutory is not None else None,
            )
        return checks

    def _task_request(self, request: ActionRequest) -> DeadlineRequest | None:
        days = request.params.get("days")
        if request.action != "hand_over" or not isinstance(days, int) or days < 1:
            return None
        return DeadlineRequest(
            start=workflow.now(),
            spans={LEAD_CLOCK: self._state.policy.clocks.hand_over_span(days)},
            policy=self._state.policy,
        )

    def _task_deadline_now(self, request: ActionRequest) -> Deadline | None:
        """The hand-over's deadline counted here (the validator's: no activity); None when the
        case carries no calendar (its update checks again with the activity's count)."""
        found = self._task_request(request)
        # the case's snapshot itself: a validator may not ask for patches, and hand-overs are
        # newer than every patch that decides whether the workflow counts its own days
        calendar = self._state.calendar
        if found is None or calendar is None:
            return None
        return compute_requested(found, calendar)[LEAD_CLOCK]

    async def _task_deadline(self, request: ActionRequest) -> Deadline | None:
        deadline = self._task_deadline_now(request)
        found = self._task_request(request)
        if found is None or (deadline is not None and not deadline.provisional):
            return deadline
        deadlines = await workflow.execute_activity_method(
            DeadlineActivities.compute_deadlines,
            found,
            start_to_close_timeout=DEADLINE_OPTIONS.start_to_close_timeout,
            retry_policy=DEADLINE_OPTIONS.retry_policy,
        )
        return deadlines[LEAD_CLOCK]

    def _hand_over_path(self, request: ActionRequest, path: list[UnitRef]) -> list[UnitRef]:
        """The responsible unit's path after the action: the lead's on a hand-over, the
        handing unit's when it takes the case back."""
        if request.action == "hand_over" and request.units:
            lead = request.units.get(str(request.params.get("lead_unit_id", "")))
            return list(lead) if lead else path
        hand_over = self._state.case.open_hand_over()
        if request.action == "take_back" and hand_over is not None:
            return list(hand_over.handing_path)
        return path

    # -- the task clocks ------------------------------------------------------------------------
    def _sync_task_clocks(self, deadline: Deadline | None) -> None:
        """A task clock runs while its task is open: a new hand-over starts the lead's and each
        co-handler's with its deadline; a report, the lead's reply, taking back or the case's
        end stops them."""
        case, ledger, now = self._state.case, self._state.ledger, workflow.now()
        if not case.hand_overs:
            return
        latest = case.hand_overs[-1]
        if latest.status == "open" and not latest.clock_id and deadline is not None:
            lead = ledger.start(
                LEAD_CLOCK, deadline, unit_id=latest.lead.id, level=latest.lead.level
            )
            latest.clock_id = lead.id
            self._alert("hand_over", lead, unit=latest.lead)  # the new task, in its alerts
            for task in latest.co_tasks:
                co = ledger.start(CO_CLOCK, deadline, unit_id=task.unit.id, level=task.unit.level)
                task.clock_id = co.id
                self._alert("hand_over", co, unit=task.unit)
        done: set[str] = set()
        for hand_over in case.hand_overs:
            if hand_over.status != "open":
                done.add(hand_over.clock_id)
            done |= {
                t.clock_id for t in hand_over.co_tasks if hand_over.status != "open" or not t.open
            }
        ledger.stop_ids(done, now)
