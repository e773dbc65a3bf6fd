"""督办单 (supervision orders) as the workflow runs them: each order's own clock in the ledger,
and the automatic order a breach at the top unit issues. The rules (who may issue, answer, which
order is open) are the lifecycle machine's; whom an order's warning and breach alert is its
clock's definition (``models/clocks.py``, ``ORDER_DUE``)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflows.case_clocks import CaseClocks
from workflows.patches import SUPERVISION_ORDERS_PATCH

with workflow.unsafe.imports_passed_through():
    from models.boundary import ActionRequest, DeadlineRequest
    from models.case import SupervisionOrder
    from models.clocks import CLOCK_LABELS, ORDER_CLOCK, Clock, stop_clock
    from models.errors import DomainError
    from models.vocabulary import Role


class CaseOrders(CaseClocks):
    def _name_the_order(self, request: ActionRequest) -> None:
        """An answer names the order it answers: the one given, or the oldest open one (so the
        record says which, whatever is issued later)."""
        if request.action == "respond_supervision" and not request.params.get("order_id"):
            oldest = self._state.case.open_order(None)
            if oldest is not None:
                request.params["order_id"] = oldest.id

    async def _order_clocks(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """An order issued starts its clock; an answer stops it. What the timeline adds."""
        case, now = self._state.case, workflow.now()
        if action == "supervise":
            order = case.orders[-1]
            days = params.get("respond_within")
            span = f"P{days}D" if days else self._state.policy.clocks.supervision.iso
            await self._start_order_clock(order, span)
            return {
                "order_id": order.id,
                "issuing_unit": order.issuing_unit,
                "due_at": order.due_at.isoformat() if order.due_at else None,
            }
        if action == "respond_supervision":
            order = next(o for o in case.orders if o.id == params.get("order_id"))
            clock = next((c for c in self._state.ledger.clocks if c.id == order.clock_id), None)
            if clock is not None:
                order.late = clock.status == "breached" or now > clock.due_at
                stop_clock(self._state.ledger, clock.id, now)
            return {"late": order.late}
        return {}

    async def _start_order_clock(self, order: SupervisionOrder, span: str) -> Clock:
        case = self._state.case
        request = DeadlineRequest(
            start=workflow.now(), spans={ORDER_CLOCK: span}, policy=self._state.policy
        )
        deadline = (await self._deadlines(request))[ORDER_CLOCK]
        clock = self._state.ledger.start(
            ORDER_CLOCK, deadline, unit_id=case.unit_id, level=case.level
        )
        order.clock_id, order.due_at, order.respond_within = clock.id, clock.due_at, span
        return clock

    # -- the automatic order -------------------------------------------------------------------
    async def _supervise_automatically(self, breached: Clock) -> None:
        """A breach at the top unit (no unit to rise to) issues a 督办单 to it by itself, answered
        within the policy's supervision window (督办时限)."""
        if not workflow.patched(SUPERVISION_ORDERS_PATCH):
            return
        case = self._state.case
        try:
            self._machine.check("supervise", role=Role.system)
        except DomainError:
            return
        from_state = case.state
        instructions = f"{CLOCK_LABELS[breached.name][0]}已超期，请在督办时限内答复（自动督办）"
        self._machine.raise_event(
            "supervise",
            at=workflow.now(),
            instructions=instructions,
            caller_unit_id=case.unit_id,
            automatic=True,
        )
        order = case.orders[-1]
        await self._start_order_clock(order, self._state.policy.clocks.supervision.iso)
        self._record(
            "supervise",
            None,
            from_state=from_state,
            params={
                "instructions": instructions,
                "order_id": order.id,
                "issuing_unit": order.issuing_unit,
                "due_at": order.due_at.isoformat() if order.due_at else None,
                "automatic": True,
                "clock": breached.id,
            },
        )
