"""督办单 (supervision orders) as the workflow runs them: each order's own clock in the ledger,
its warning and breach alerting the issuing unit and the unit above the one that must answer,
and the automatic order a breach at the top unit issues. The rules (who may issue, answer, which
order is open) are the lifecycle machine's; this only carries out their clocks and alerts."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflows.case_clocks import CaseClocks
from workflows.patches import SUPERVISION_ORDERS_PATCH

with workflow.unsafe.imports_passed_through():
    from models.alerts import ALERT_KINDS
    from models.boundary import ActionRequest, AlertInput, AlertKind, DeadlineRequest
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

    # -- an order's clock firing ----------------------------------------------------------------
    def _order_clock_due(self, clock: Clock, what: str) -> bool:
        if clock.name != ORDER_CLOCK:
            return False
        order = next((o for o in self._state.case.orders if o.clock_id == clock.id), None)
        if order is None or not order.open:
            return True
        kind: AlertKind = "warning" if what == "warn" else "breach"
        event = "warn" if what == "warn" else "breach"
        self._system_event(event, clock)
        above = self._state.unit_path[1].id if len(self._state.unit_path) > 1 else None
        # A warning reaches the unit that must answer and the issuer; a breach the issuer and
        # the unit above the late one.
        first = self._state.case.unit_id if kind == "warning" else above
        units = [u for u in dict.fromkeys([order.issuing_unit, first]) if u]
        for occurrence, unit_id in enumerate(units, start=1):
            self._order_alert(kind, clock, order, unit_id, occurrence=occurrence)
        return True

    def _order_alert(
        self,
        kind: AlertKind,
        clock: Clock,
        order: SupervisionOrder,
        unit_id: str,
        *,
        occurrence: int,
    ) -> None:
        info, case = self._state.info, self._state.case
        unit = next((u for u in self._state.unit_path if u.id == unit_id), None)
        due = clock.due_at.astimezone(self._state.policy.zone).strftime("%Y-%m-%d %H:%M")
        spec = ALERT_KINDS[kind]
        text = spec.template.format(
            title=info.title, clock=CLOCK_LABELS[clock.name][0], due=due, unit=unit_id, level=""
        )
        self._outbox.append(
            AlertInput(
                alert_id=f"{info.case_id}.{clock.id.replace('#', '-')}.{kind}.{occurrence}",
                case_id=info.case_id,
                clock_id=clock.id,
                kind=kind,
                occurrence=occurrence,
                unit_id=unit_id,
                level=unit.level if unit else case.level,
                title=info.title,
                message=f"{text}（督办单 {order.id}，{case.unit_id}，案件 {info.case_id}）",
                due_at=clock.due_at,
                at=workflow.now(),
                renotify_every=(
                    self._state.policy.alerts.renotify_every.iso if spec.renotifies else None
                ),
            )
        )

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
