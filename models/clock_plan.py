"""What an action does to the clocks: a pure plan that the workflow executes against its ledger;
and what a clock coming due alerts, its recipients found on the case.

One place for the rule "which clock runs in which state" (``STATUTORY_CLOCK``,
``LEVEL_WINDOW_STATES``) meeting the actions that move a case: the workflow never branches on
action names to decide its clocks, nor on clock names to decide whom they alert
(``models/clocks.py``'s ``ON_DUE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from models.alerts import AlertKind
from models.case import PetitionCase, UnitRef
from models.clocks import (
    LEVEL_CLOCK,
    LEVEL_WINDOW_STATES,
    MEDIATION_CLOCK,
    STATUTORY_CLOCK,
    Clock,
    ClockName,
    Recipient,
)
from models.lifecycle import FINAL_STATES

# 调解 (issue 17): only the mediation clock moves; the handling period runs on.
MEDIATION_ACTIONS: dict[str, ClockPlan] = {}

# Actions after which the receiving or reopening unit starts the phase's clocks afresh.
RESTARTING_ACTIONS = frozenset({"forward", "reopen"})


@dataclass(frozen=True)
class Extension:
    clock: ClockName
    days: int
    reason: str


@dataclass(frozen=True)
class ClockPlan:
    """Operations in the order they apply: pause or resume, extend, stop, then start."""

    pause_reason: str | None = None  # every running clock stands still (中止)
    resume: bool = False  # every paused clock runs again
    extension: Extension | None = None
    stop_all: bool = False
    stop: frozenset[ClockName] = frozenset()
    start: tuple[ClockName, ...] = field(default_factory=tuple)
    # The day the started clocks count from (a delivery's day; None: now).
    since_day: date | None = None

    def awaits_delivery(self) -> bool:
        """Whether this plan opens a petitioner's window that runs from a delivery instead."""
        return self.since_day is None and any(n in DELIVERED_WINDOWS for n in self.start)

    def until_delivered(self) -> ClockPlan:
        """The plan with the delivery clock (送达) in place of the window it would open."""
        start = tuple(DELIVERY_CLOCK if n in DELIVERED_WINDOWS else n for n in self.start)
        return replace(self, start=start)


# The petitioner's windows that run from the delivery of the reply or review opinion, and the
# clock that runs until that delivery (a case from before the delivery patch opens the window
# at the reply itself).
DELIVERED_WINDOWS: frozenset[str] = frozenset({"review_window", "re_review_window"})
DELIVERY_CLOCK: ClockName = "delivery"


def plan_clocks(
    action: str,
    from_state: str,
    to_state: str,
    params: dict[str, Any],
    *,
    delivery_running: bool = False,
) -> ClockPlan:
    """The clock operations of ``action`` moving a case from ``from_state`` to ``to_state``
    (``delivery_running``: a delivery clock runs, which ends with the state it belongs to)."""
    if action == "suspend":
        return ClockPlan(pause_reason=str(params["reason"]))
    if action == "resume":
        return ClockPlan(resume=True)
    if action == "extend":
        days, reason = int(params["days"]), str(params["reason"])
        return ClockPlan(extension=Extension("handling", days, reason))
    if to_state in FINAL_STATES:
        return ClockPlan(stop_all=True)
    if action == "deliver":
        return _delivered(to_state, params)
    if action in MEDIATION_ACTIONS:  # 调解时限 runs from the start to the close of a mediation
        return MEDIATION_ACTIONS[action]
    restart = action in RESTARTING_ACTIONS
    stop: set[ClockName] = set()
    start: list[ClockName] = []
    old, new = STATUTORY_CLOCK.get(from_state), STATUTORY_CLOCK.get(to_state)
    if delivery_running and from_state != to_state:
        stop.add(DELIVERY_CLOCK)
    if old != new or restart:
        stop |= {c for c in (old, new) if c}
        if new:
            start.append(new)
    if to_state not in LEVEL_WINDOW_STATES or restart:
        stop.add(LEVEL_CLOCK)
        if restart and to_state in LEVEL_WINDOW_STATES:
            start.append(LEVEL_CLOCK)
    return ClockPlan(stop=frozenset(stop), start=tuple(start))


def _delivered(state: str, params: dict[str, Any]) -> ClockPlan:
    """送达 of the document that opens the current state's window (``params["opens"]``, set by
    the workflow from the document's kind): the delivery clock is met and the window runs from
    the day of delivery. Any other delivery changes no clock."""
    window = params.get("opens")
    if window not in DELIVERED_WINDOWS or STATUTORY_CLOCK.get(state) != window:
        return ClockPlan()
    return ClockPlan(
        stop=frozenset({DELIVERY_CLOCK, window}),
        start=(window,),
        since_day=date.fromisoformat(str(params["delivered_on"])),
    )


MEDIATION_ACTIONS.update(
    start_mediation=ClockPlan(start=(MEDIATION_CLOCK,)),
    record_session=ClockPlan(),
    close_mediation=ClockPlan(stop=frozenset({MEDIATION_CLOCK})),
)


@dataclass(frozen=True)
class DueAlert:
    """One alert of a clock's warning or breach, for the workflow to raise."""

    kind: AlertKind
    unit: UnitRef | None  # None: the unit holding the case
    occurrence: int  # 1, 2, … among this clock run's alerts of this kind
    about: str | None = None  # what the message names instead of the unit (a 督办单)


def alerts_due(
    clock: Clock,
    what: Literal["warn", "breach"],
    case: PetitionCase,
    unit_path: list[UnitRef],
) -> list[DueAlert]:
    """The alerts of ``clock``'s warning or breach (``clock.on_due``), each recipient found on
    the case: a task's units on its hand-over, an order's issuer on the order, the unit above
    on ``unit_path`` (the holding unit's path). A recipient the case does not have (no unit
    above the top) is left out."""
    order = next((o for o in case.orders if o.clock_id == clock.id), None)
    about = f"督办单 {order.id}，{case.unit_id}" if order is not None else None
    found: list[DueAlert] = []
    for kind, recipient in clock.on_due.warning if what == "warn" else clock.on_due.breach:
        unit = None if recipient == "holder" else _unit_of(recipient, clock, case, unit_path)
        if recipient != "holder" and unit is None:
            continue
        unit_id = unit.id if unit is not None else case.unit_id
        same_kind = [a for a in found if a.kind == kind]
        if any((a.unit.id if a.unit else case.unit_id) == unit_id for a in same_kind):
            continue
        found.append(DueAlert(kind, unit, len(same_kind) + 1, about))
    return found


def _unit_of(
    recipient: Recipient, clock: Clock, case: PetitionCase, unit_path: list[UnitRef]
) -> UnitRef | None:
    """The unit playing ``recipient`` (not the holder) for ``clock``; None: the case has none."""
    if recipient == "unit_above":
        return unit_path[1] if len(unit_path) > 1 else None
    if recipient == "issuer":
        order = next((o for o in case.orders if o.clock_id == clock.id), None)
        if order is None:
            return None
        # an issuer off the holding unit's path (the case has moved since) at the case's level
        on_path = next((u for u in unit_path if u.id == order.issuing_unit), None)
        return on_path or UnitRef(id=order.issuing_unit, level=case.level)
    for hand_over in case.hand_overs:
        tasks = [(hand_over.clock_id, hand_over.lead)]
        tasks += [(t.clock_id, t.unit) for t in hand_over.co_tasks]
        unit = next((u for clock_id, u in tasks if clock_id == clock.id), None)
        if unit is not None:
            return unit if recipient == "task_unit" else hand_over.handing_unit
    return None
