"""The clock ledger: every statutory and level clock a case has run, and why each is due when.

Pure data and arithmetic. Due times come in as recorded :class:`Deadline` values (computed by an
activity, never during replay); pausing, resuming and extending only shift recorded instants, so
the ledger replays exactly.

Which clock runs in which state (the law's periods, not the legality of actions):

- ``registered``: acceptance (受理告知, restarted by forwarding at the receiving unit);
- ``handling``: handling (办理, extendable once);
- ``replied``: review_window (the petitioner's 30 days to ask for review);
- ``under_review``: review (复查意见); ``reviewed``: re_review_window;
- ``under_re_review``: re_review (复核意见, suspended for a hearing);
- while a unit below county holds an open case: the level window of that unit (``level``);
- ``replied`` / ``reviewed`` before the reply (opinion) is delivered: delivery (送达); the
  petitioner's window then runs from the day of delivery.

Duty clocks (an officer's deadline) warn and breach; request windows (the petitioner's time)
close the case when they lapse. What each duty clock's warning and breach do — whom they alert,
and whether the breach moves the case — is stated once, in ``ON_DUE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from models.alerts import ALERT_KINDS, AlertKind
from models.daycount import Deadline, warn_time
from models.vocabulary import Level

ClockName = Literal[
    "acceptance",
    "handling",
    "review_window",
    "review",
    "re_review_window",
    "re_review",
    "level",
    "supervision",
    "hand_over",
    "co_handling",
    "order",
    "delivery",
    "mediation",
]
ClockStatus = Literal["running", "paused", "met", "breached"]

STATUTORY_CLOCK: dict[str, ClockName] = {
    "registered": "acceptance",
    "handling": "handling",
    "replied": "review_window",
    "under_review": "review",
    "reviewed": "re_review_window",
    "under_re_review": "re_review",
}
REQUEST_WINDOWS: frozenset[str] = frozenset({"review_window", "re_review_window"})
# The level window (层级办理时限) and the supervision window (督办时限) are the product's own
# targets; every other clock is a period of the law.
LEVEL_CLOCK: ClockName = "level"
SUPERVISION_CLOCK: ClockName = "supervision"
# 交办时限 of the lead unit and 会办时限 of each co-handler (models/lifecycle.py): targets too.
TASK_CLOCKS: frozenset[str] = frozenset({"hand_over", "co_handling"})
# 督办单: each supervision order's own answer time (several may run at once: order#1, order#2…).
ORDER_CLOCK: ClockName = "order"
# 调解时限 (issue 17): the policy's bound on a mediation; it runs beside the handling period and
# never extends it.
MEDIATION_CLOCK: ClockName = "mediation"
OWN_TARGETS: frozenset[str] = (
    frozenset({LEVEL_CLOCK, SUPERVISION_CLOCK, ORDER_CLOCK, MEDIATION_CLOCK}) | TASK_CLOCKS
)
# A breach event of a statutory clock, as SQL over ``case_events`` (its ``params.clock`` holds the
# clock id, ``name#run``): the statistics' filter and the partial index that serves it
# (migration 0008 builds the index with this predicate; change both together).
STATUTORY_BREACH_SQL = "action = 'breach' AND " + " AND ".join(
    f"(params ->> 'clock') NOT LIKE '{name}#%'"
    for name in sorted(OWN_TARGETS, key=lambda n: (len(n), n))
)


def is_statutory(clock_name: str) -> bool:
    """Whether a clock (by name, or by id ``name#run``) is a statutory period."""
    return clock_name.split("#", 1)[0] not in OWN_TARGETS


# Whom a clock's alert goes to, by the part the unit plays (``models/clock_plan.py``'s
# ``alerts_due`` finds the unit): the unit holding the case; the unit whose 交办/会办 task the
# clock times, and the unit that handed the case over; the unit that issued the 督办单 the clock
# times; the unit above the one holding the case (none at the top: no alert).
Recipient = Literal["holder", "task_unit", "handing_unit", "issuer", "unit_above"]


@dataclass(frozen=True)
class OnDue:
    """What a duty clock does when it comes due: the alerts of its warning and of its breach
    (each a kind and its recipient, raised in this order; a unit named twice for one kind is
    alerted once), and whether its breach moves the case — escalation one level up, or at the
    top unit the call for supervision (督办) and the automatic 督办单. Whether an alert is sent
    again until acknowledged is its kind's (``models/alerts.py``)."""

    warning: tuple[tuple[AlertKind, Recipient], ...] = (("warning", "holder"),)
    breach: tuple[tuple[AlertKind, Recipient], ...] = (("breach", "holder"),)
    escalates: bool = True

    @property
    def breach_renotifies(self) -> bool:
        """Whether a breach alert of this clock is sent again until someone acknowledges it."""
        return any(ALERT_KINDS[kind].renotifies for kind, _ in self.breach)


# The periods of the law and the level and supervision windows: a breach is the holding unit's
# and moves the case (the machine decides whether it can, ``auto_escalate``).
ESCALATES = OnDue()
# A clock of something beside the case's own course: its breach alerts and never moves the case
# (nor makes it overdue: ``makes_overdue`` is the statutory periods').
ALERTS_ONLY = OnDue(escalates=False)
# 交办/会办: the task's unit is warned; its breach goes to that (late) unit and, as a call for
# supervision, to the handing unit.
TASK_DUE = OnDue(
    warning=(("warning", "task_unit"),),
    breach=(("breach", "task_unit"), ("supervision", "handing_unit")),
    escalates=False,
)
# 督办单: the warning reaches the issuer and the unit that must answer; the breach the issuer and
# the unit above the late one. The order stays open until answered.
ORDER_DUE = OnDue(
    warning=(("warning", "issuer"), ("warning", "holder")),
    breach=(("breach", "issuer"), ("breach", "unit_above")),
    escalates=False,
)
# Every duty clock's conduct (request windows lapse instead: they neither warn nor breach).
ON_DUE: dict[ClockName, OnDue] = {
    "acceptance": ESCALATES,
    "handling": ESCALATES,
    "review": ESCALATES,
    "re_review": ESCALATES,
    "delivery": ESCALATES,
    LEVEL_CLOCK: ESCALATES,
    SUPERVISION_CLOCK: ESCALATES,
    MEDIATION_CLOCK: ALERTS_ONLY,
    "hand_over": TASK_DUE,
    "co_handling": TASK_DUE,
    ORDER_CLOCK: ORDER_DUE,
}


LEVEL_WINDOW_STATES: frozenset[str] = frozenset({"registered", "handling", "suspended"})

CLOCK_LABELS: dict[str, tuple[str, str]] = {
    "acceptance": ("受理告知期限", "Acceptance"),
    "handling": ("办理期限", "Handling"),
    "review_window": ("申请复查期限", "Review request window"),
    "review": ("复查期限", "Review"),
    "re_review_window": ("申请复核期限", "Re-review request window"),
    "re_review": ("复核期限", "Re-review"),
    "level": ("层级办理时限", "Level window"),
    "supervision": ("督办时限", "Supervision window"),
    "hand_over": ("交办办理时限", "Hand-over deadline"),
    "co_handling": ("会办时限", "Co-handling deadline"),
    "order": ("督办单答复时限", "Supervision order answer time"),
    "delivery": ("送达期限", "Delivery"),
    "mediation": ("调解时限", "Mediation window"),
}


class PauseSegment(BaseModel):
    start: datetime
    end: datetime | None = None
    reason: str = ""


class ClockExtension(BaseModel):
    days: int
    reason: str
    approved_by: str
    at: datetime
    due_before: datetime


class Clock(BaseModel):
    id: str  # name#run, unique within the case
    name: ClockName
    unit_id: str
    level: Level
    started_at: datetime
    span: str
    computed: Deadline  # as the day-counting activity returned it
    due_at: datetime  # current due time: computed, shifted by pauses and the extension
    warn_at: datetime | None  # None for request windows
    status: ClockStatus = "running"
    warned: bool = False
    ended_at: datetime | None = None
    paused: list[PauseSegment] = Field(default_factory=list)
    extension: ClockExtension | None = None
    # Whole-day recounts after a pause or an extension, each with its explanation, latest last.
    recounts: list[Deadline] = Field(default_factory=list)

    @property
    def deadline(self) -> Deadline:
        """The deadline in force: the latest recount, or the first computation."""
        return self.recounts[-1] if self.recounts else self.computed

    @property
    def whole_days(self) -> bool:
        """A period counted in days (ends at 24:00 of a working day), not an exact duration."""
        return self.computed.last_day is not None

    def move_due(self, due_at: datetime, recount: Deadline | None = None) -> None:
        """A new due time; an early warning not yet given moves with it."""
        if self.warn_at is not None and not self.warned:
            self.warn_at += due_at - self.due_at
        self.due_at = due_at
        if recount is not None:
            self.recounts.append(recount)

    @property
    def is_duty(self) -> bool:
        return self.name not in REQUEST_WINDOWS

    @property
    def on_due(self) -> OnDue:
        """What its warning and breach do (a duty clock's; ``ON_DUE``)."""
        return ON_DUE[self.name]

    @property
    def live(self) -> bool:
        return self.status in ("running", "paused")

    def next_instant(self) -> datetime | None:
        """When this clock next needs the workflow's attention, if it is running."""
        if self.status != "running":
            return None
        if self.warn_at is not None and not self.warned and self.warn_at < self.due_at:
            return self.warn_at
        return self.due_at


class ClockLedger(BaseModel):
    clocks: list[Clock] = Field(default_factory=list)
    warn_share: float = 0.8

    def live(self) -> list[Clock]:
        return [c for c in self.clocks if c.live]

    def running(self, name: str) -> Clock | None:
        return next((c for c in self.clocks if c.name == name and c.live), None)

    def start(self, name: ClockName, deadline: Deadline, *, unit_id: str, level: Level) -> Clock:
        run = 1 + sum(c.name == name for c in self.clocks)
        clock = Clock(
            id=f"{name}#{run}",
            name=name,
            unit_id=unit_id,
            level=level,
            started_at=deadline.start,
            span=deadline.span,
            computed=deadline,
            due_at=deadline.due_at,
            warn_at=(
                None
                if name in REQUEST_WINDOWS
                else warn_time(deadline.start, deadline.due_at, self.warn_share)
            ),
        )
        self.clocks.append(clock)
        return clock

    def stop(self, names: set[str], at: datetime) -> list[Clock]:
        """End the live clocks named: met, since they end before (or without) a breach."""
        stopped = [c for c in self.live() if c.name in names]
        for clock in stopped:
            if clock.status == "paused":
                clock.paused[-1].end = at
            clock.status = "met"
            clock.ended_at = at
        return stopped

    def stop_ids(self, ids: set[str], at: datetime) -> list[Clock]:
        """End the live clocks with these ids (a task done): met, as ``stop``."""
        stopped = [c for c in self.live() if c.id in ids]
        for clock in stopped:
            if clock.status == "paused":
                clock.paused[-1].end = at
            clock.status = "met"
            clock.ended_at = at
        return stopped

    def stop_all(self, at: datetime) -> list[Clock]:
        return self.stop({c.name for c in self.live()}, at)

    def pause_all(self, at: datetime, reason: str) -> None:
        for clock in self.clocks:
            if clock.status == "running":
                clock.status = "paused"
                clock.paused.append(PauseSegment(start=at, reason=reason))

    def paused_clocks(self) -> list[Clock]:
        return [c for c in self.clocks if c.status == "paused"]

    def resume_all(self, at: datetime, recounts: dict[str, Deadline] | None = None) -> None:
        """Time not counted (中止): a clock given a recount (whole days, by the calendar) takes
        its due time; any other moves by the exact paused span."""
        recounts = recounts or {}
        for clock in self.paused_clocks():
            segment = clock.paused[-1]
            segment.end = at
            recount = recounts.get(clock.id)
            if recount is not None:
                clock.move_due(recount.due_at, recount)
            else:
                clock.move_due(clock.due_at + (at - segment.start))
            clock.status = "running"

    def extend(
        self,
        name: str,
        *,
        days: int,
        reason: str,
        by: str,
        at: datetime,
        recount: Deadline | None = None,
    ) -> Clock | None:
        """延期 of the live clock ``name``: to the recount's due time (whole days, by the
        calendar) or by exactly ``days``. Without a live clock there is nothing to extend (the
        machine refuses that action first); None then."""
        clock = self.running(name)
        if clock is None:
            return None
        clock.extension = ClockExtension(
            days=days, reason=reason, approved_by=by, at=at, due_before=clock.due_at
        )
        if recount is not None:
            clock.due_at = recount.due_at
            clock.recounts.append(recount)
        else:
            clock.due_at += timedelta(days=days)
        if clock.warn_at is not None and not clock.warned:
            clock.warn_at = warn_time(clock.started_at, clock.due_at, self.warn_share)
        return clock

    def provisional(self) -> list[Clock]:
        """Live whole-day clocks counted before their year's holiday schedule was published."""
        return [c for c in self.live() if c.whole_days and c.deadline.provisional]

    def recount(self, clock_id: str, deadline: Deadline) -> None:
        """A live clock counted again (a newly published schedule): its due time moves."""
        clock = next(c for c in self.live() if c.id == clock_id)
        clock.move_due(deadline.due_at, deadline)

    def lapsed(self) -> list[ClockName]:
        """Statutory clocks whose latest run breached and that no live run has replaced."""
        latest: dict[ClockName, Clock] = {}
        for clock in self.clocks:
            latest[clock.name] = clock
        return [n for n, c in latest.items() if c.status == "breached" and is_statutory(n)]

    def next_instant(self) -> datetime | None:
        instants = [i for c in self.clocks if (i := c.next_instant()) is not None]
        return min(instants, default=None)

    def due(self, now: datetime) -> list[tuple[Clock, Literal["warn", "breach", "lapse"]]]:
        """What has come due by ``now``, in time order; marks each as handled."""
        fired: list[tuple[datetime, Clock, Literal["warn", "breach", "lapse"]]] = []
        for clock in self.clocks:
            if clock.status != "running":
                continue
            if clock.warn_at is not None and not clock.warned and clock.warn_at <= now:
                clock.warned = True
                if clock.warn_at < clock.due_at:
                    fired.append((clock.warn_at, clock, "warn"))
            if clock.due_at <= now:
                clock.status = "met" if not clock.is_duty else "breached"
                clock.ended_at = clock.due_at
                fired.append((clock.due_at, clock, "breach" if clock.is_duty else "lapse"))
        fired.sort(key=lambda item: item[0])
        return [(clock, what) for _, clock, what in fired]

    # -- what supervisors filter on -------------------------------------------------------------
    # While a clock stands still (中止) the case is neither at risk nor overdue, and has no due
    # time to show: its periods do not run.
    def paused(self) -> bool:
        return any(c.status == "paused" for c in self.clocks)

    def next_due(self) -> datetime | None:
        if self.paused():
            return None
        return min((c.due_at for c in self.live() if c.is_duty), default=None)

    def next_warn(self) -> datetime | None:
        if self.paused():
            return None
        return min(
            (c.warn_at for c in self.live() if c.warn_at is not None and not c.warned),
            default=None,
        )

    def at_risk(self) -> bool:
        return not self.paused() and any(c.warned for c in self.live() if c.is_duty)

    def overdue(self, state: str) -> bool:
        """超期: a run of the current phase's statutory clock has breached (a fresh run at a
        higher unit does not make the case timely again)."""
        if self.paused():
            return False
        return any(makes_overdue(state, c.name, c.status) for c in self.clocks)


def makes_overdue(state: str, clock: str, status: str) -> bool:
    """A breached run of the current phase's statutory clock makes the case overdue; the
    earliest such run's due time is when it became so (lists say "超期 N 天" from it)."""
    return clock == STATUTORY_CLOCK.get(state) and status == "breached"


def stop_clock(ledger: ClockLedger, clock_id: str, at: datetime) -> Clock | None:
    """End one live clock by id (met): a 督办单 answered stops its own clock, not its siblings'."""
    clock = next((c for c in ledger.live() if c.id == clock_id), None)
    if clock is not None:
        if clock.status == "paused":
            clock.paused[-1].end = at
        clock.status, clock.ended_at = "met", at
    return clock
