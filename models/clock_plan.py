"""What an action does to the clocks: a pure plan that the workflow executes against its ledger.

One place for the rule "which clock runs in which state" (``STATUTORY_CLOCK``,
``LEVEL_WINDOW_STATES``) meeting the actions that move a case: the workflow never branches on
action names to decide its clocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from models.clocks import (
    LEVEL_CLOCK,
    LEVEL_WINDOW_STATES,
    MEDIATION_CLOCK,
    STATUTORY_CLOCK,
    ClockName,
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
