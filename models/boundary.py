"""Inputs and results that cross a Temporal boundary (workflow, update, query, activity).

One model per boundary; all pydantic, carried by the pydantic data converter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from models.alerts import AlertKind, ChannelKind
from models.case import (
    Assessment,
    Escalation,
    Feedback,
    HandOver,
    LeaderAssignment,
    Opinion,
    OtherCase,
    PetitionCase,
    StaffRef,
    SupervisionOrder,
    UnitRef,
)
from models.clocks import Clock, ClockLedger, ClockName
from models.daycount import CalendarSnapshot, Deadline
from models.mediation import Mediation, MediationParty
from models.policy import SlaPolicy
from models.vocabulary import Channel, Kind, Level, Severity, Track, TrackStatus


class Petitioner(BaseModel):
    """Personal data (个人信息). Never in ids, search attributes, logs or URLs."""

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(default="", max_length=18)
    phone: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=300)

    def masked(self) -> MaskedPetitioner:
        return MaskedPetitioner(
            name=self.name[:1] + "*" * max(len(self.name) - 1, 1),
            id_number=_mask(self.id_number, keep_start=6, keep_end=4),  # 330482********1234
            phone=_mask(self.phone, keep_start=3, keep_end=4),
        )


class MaskedPetitioner(BaseModel):
    name: str
    id_number: str
    phone: str


class PetitionerEntry(MaskedPetitioner):
    """One petitioner of a case as the snapshot shows them (集体访: each of them): masked, with
    the opaque reference to their history (``GET /petitioners/{ref}``; a keyed hash, never the
    ID number) and the events of the case they came on (registration 1, then repeat visits)."""

    ref: str = ""
    representative: bool = False
    visits: list[int] = Field(default_factory=list)


class Person(BaseModel):
    """A petitioner as registration hands them to the projection (first write only): their
    data, whether they represent the group, and their keyed hashes by column."""

    petitioner: Petitioner
    representative: bool = False
    keys: dict[str, str] = Field(default_factory=dict)


def _mask(value: str, *, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class CaseHeader(BaseModel):
    """What a case is registered with and never changes (no personal data): one definition for
    the registration, the workflow's input and state, the snapshot, the projection row and the
    list summary. A new header field is a line here and its column in ``models/tables.py``."""

    kind: Kind
    category: str
    severity: Severity
    channel: Channel
    title: str

    def header(self) -> dict[str, Any]:
        """The header fields, to build another member of the family from this one."""
        return {name: getattr(self, name) for name in CaseHeader.model_fields}


class CaseInfo(CaseHeader):
    """What a case was registered with and never changes (no personal data)."""

    case_id: str
    tracking_code: str
    created_at: datetime
    registered_by: str
    petitioner: MaskedPetitioner
    # 集体访: every petitioner (one for a single petitioner) and how many people came.
    petitioners: list[PetitionerEntry] = Field(default_factory=list)
    headcount: int = 1


class CaseState(BaseModel):
    """Everything a petition workflow holds; carried whole through continue-as-new."""

    info: CaseInfo
    case: PetitionCase
    unit_path: list[UnitRef]  # responsible unit first, then its ancestors
    policy: SlaPolicy
    ledger: ClockLedger
    visit_count: int = 1
    event_seq: int = 0
    applied_updates: list[str] = Field(default_factory=list)
    # The published holiday schedules the case counts its days by (None: cases registered
    # before the workflow computed deadlines itself ask an activity every time).
    calendar: CalendarSnapshot | None = None


class StartCase(CaseHeader):
    """Workflow input. ``registration`` is written to the projection once, at the first run."""

    case_id: str
    tracking_code: str
    # 收件/来访日期 when earlier than the registration: the acceptance period counts from it.
    received_on: date | None = None
    description: str = ""
    petitioner: Petitioner | None = None
    petitioner_key: str = ""  # keyed hash of the ID number, for repeat matching
    # Keyed hashes of the normalised name and phone, by column (person search): first write only.
    search_keys: dict[str, str] = Field(default_factory=dict)
    unit_path: list[UnitRef]
    # The unit the petition was received at; registration may route the case up from it (a
    # major matter to the town), and its staff keep reading the case.
    receiving_unit_id: str = ""
    policy: SlaPolicy
    registered_by: str
    # A matter closed after re-review (复核终结) is registered and declined at once.
    repeat_final: bool = False
    # The published schedules from the year before registration on (``WorkCalendar.snapshot``).
    calendar: CalendarSnapshot | None = None
    # Continue-as-new carries the state; the petitioner is not carried again.
    carried: CaseState | None = None
    # History length after which the run continues as new (tests lower it).
    history_limit: int = 10_000
    # Every petitioner with their keyed hashes (first write only, not carried) and the number
    # of people who came (集体访).
    people: list[Person] = Field(default_factory=list)
    headcount: int = 1


class ActionRequest(BaseModel):
    """An officer action as the API sends it; the update id is the Idempotency-Key."""

    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    role: str
    user_id: str
    unit_path: list[UnitRef] | None = None  # resolved target for forward
    # The caller's unit, for the scope check against where the case is now; None: no check
    # (admins, and actions recorded before the check existed).
    caller_unit_id: str | None = None
    # The users the params name (assignee, callback's caller) as the API found them, by id; a
    # user it did not find is absent. None: not looked up (actions recorded before the rule).
    staff: dict[str, StaffRef] | None = None
    # 交办: the path of each unit the params name (lead, co-handlers) as the API found them,
    # nearest first; a unit it did not find is absent.
    units: dict[str, list[UnitRef]] | None = None
    # The other case a link, unlink or merge names, as the API found it in the caller's scope
    # (None: not found there).
    other: OtherCase | None = None


class VisitRequest(BaseModel):
    """A repeat petition (重复信访) by the same petitioner on the same open matter: the visit's own
    channel, day of receipt, title and text, kept on the timeline (absent in visits sent before
    they were kept)."""

    role: str
    user_id: str
    channel: Channel
    title: str = ""
    description: str = ""
    received_on: date | None = None
    # The unit the visit was received at (越级访 when above the case's level; absent in visits
    # sent before it was kept).
    unit_id: str = ""
    # The petitioners of the case who came again (their references): kept on their entries.
    petitioner_refs: list[str] = Field(default_factory=list)

    def recorded(self) -> dict[str, Any]:
        """What the ``visit`` event keeps of the visit besides its count."""
        kept: dict[str, Any] = {"channel": self.channel}
        if self.unit_id:
            kept["received_unit_id"] = self.unit_id
        if self.received_on is not None:
            kept["received_on"] = self.received_on.isoformat()
        if self.title:
            kept["title"] = self.title
        if self.description:
            kept["description"] = self.description
        return kept


class ClockView(BaseModel):
    clock: ClockName
    id: str
    label: str
    unit_id: str
    level: Level
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None
    status: str
    ended_at: datetime | None = None
    explanation: str
    provisional: bool
    paused: list[dict[str, Any]]
    extension: dict[str, Any] | None

    @classmethod
    def of(cls, clock: Clock, label: str) -> ClockView:
        return cls(
            clock=clock.name,
            id=clock.id,
            label=label,
            unit_id=clock.unit_id,
            level=clock.level,
            started_at=clock.started_at,
            due_at=clock.due_at,
            warn_at=clock.warn_at,
            status=clock.status,
            ended_at=clock.ended_at,
            explanation=clock.deadline.explanation,
            provisional=clock.deadline.provisional,
            paused=[p.model_dump(mode="json") for p in clock.paused],
            extension=clock.extension.model_dump(mode="json") if clock.extension else None,
        )


class CaseSnapshot(CaseHeader):
    """The live snapshot of ``docs/api.md``; the query's answer."""

    case_id: str
    tracking_code: str
    description: str = ""  # 诉求内容, as registered (a repeat visit's text is on its event)
    state: str
    state_label: str
    state_label_en: str
    level: Level
    unit_id: str
    assignee: str | None
    created_at: datetime
    visit_count: int
    assessment: Assessment | None
    tracks: dict[Track, TrackStatus]
    deadlines: list[ClockView]
    extension_used: bool
    escalations: list[Escalation]
    feedback: list[Feedback]
    opinions: list[Opinion]
    decline_reason: str | None
    forwards: int = 0  # 转办 so far; officers may forward up to the policy's max_forwards
    # Units the case was at before the responsible one: their staff may read it, not act on it.
    earlier_units: list[str] = Field(default_factory=list)
    allowed_actions: dict[str, list[str]]  # per role
    petitioner: MaskedPetitioner
    next_due_at: datetime | None
    next_warn_at: datetime | None = None
    at_risk: bool
    overdue: bool
    event_seq: int
    pending_writes: int = 0  # projection writes and alerts not yet stored (query answers only)
    # 交办/会办, oldest first (the last may be open), and the actions of callers who stand beside
    # the case (handing unit, co-handlers) by standing and role (``models/scope.py``).
    hand_overs: list[HandOver] = Field(default_factory=list)
    standing_actions: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # The command system: supervision orders (督办单) and the responsible leader (领导包案).
    orders: list[SupervisionOrder] = Field(default_factory=list)
    leader: LeaderAssignment | None = None
    # 调解 (issue 17): the mediation, its parties masked (absent before one is started)
    mediation: Mediation | None = None
    petitioners: list[PetitionerEntry] = Field(default_factory=list)
    headcount: int = 1
    linked_cases: list[str] = Field(default_factory=list)
    merged_into: str | None = None
    merged_cases: list[str] = Field(default_factory=list)


# -- activities ---------------------------------------------------------------------------------
class DeadlineRequest(BaseModel):
    start: datetime
    spans: dict[str, str]  # clock name → ISO 8601 span
    policy: SlaPolicy


class Recount(BaseModel):
    """A whole-day period counted again: after a pause (``paused_on`` → ``resumed_on``, local
    dates), an extension (``extend_days``), or a newly published schedule (``clock``)."""

    clock_id: str
    deadline: Deadline
    paused_on: date | None = None
    resumed_on: date | None = None
    extend_days: int | None = None
    # A newly published schedule: the whole clock, counted again from its start.
    clock: Clock | None = None


class RecountRequest(BaseModel):
    recounts: list[Recount]
    policy: SlaPolicy


class CaseEvent(BaseModel):
    """One row of the timeline: who did what, when, from which state to which."""

    event_id: str  # case_id:seq — the idempotency key of the projection write
    case_id: str
    seq: int
    action: str
    actor: str
    role: str
    from_state: str | None
    to_state: str
    at: datetime
    params: dict[str, Any] = Field(default_factory=dict)
    # 调解: the parties a start_mediation names, as given; the projection stores them encrypted
    # (``case_parties``) and never on the timeline, whose params carry them masked.
    parties: list[MediationParty] | None = None


class Projection(BaseModel):
    snapshot: CaseSnapshot
    event: CaseEvent
    description: str | None = None  # first write only
    petitioner: Petitioner | None = None  # first write only
    petitioner_key: str | None = None
    search_keys: dict[str, str] | None = None  # first write only
    people: list[Person] | None = None  # first write only


class AlertInput(BaseModel):
    alert_id: str  # case:clock:kind:occurrence — the idempotency key
    case_id: str
    clock_id: str | None
    kind: AlertKind
    occurrence: int
    unit_id: str
    level: Level
    title: str
    message: str
    due_at: datetime | None
    at: datetime
    # Unacknowledged breach and supervision alerts are sent again this often (policy).
    renotify_every: str | None = None


class DeliveryTarget(BaseModel):
    channel_id: str
    kind: ChannelKind
    target: str


class AlertTargets(BaseModel):
    acknowledged: bool
    targets: list[DeliveryTarget]


class AlertDispatch(BaseModel):
    """Input of the alert workflow that sends one alert out, and again until acknowledged."""

    alert_id: str
    renotify_every_seconds: float | None = None
    # The channels as the dispatching activity found them: the first sending needs no lookup
    # of its own (absent in workflows started before it was added: they look up first).
    first_targets: AlertTargets | None = None


class AlertSweepRun(BaseModel):
    """One batch of the alert sweep: the alerts with something due as of ``as_of`` (the
    scheduled run's workflow time), at most ``limit`` of them."""

    as_of: datetime
    limit: int = 200


class AlertSweepResult(BaseModel):
    alerts: int  # alerts handled
    sent: int  # notifications that went out (re-notifications and retries)
    failed: int  # attempts that failed (retried later if the budget allows)
    more: bool  # a full batch: there may be more due


class AlertTargetsRequest(BaseModel):
    """Input of ``alert_targets``: the alert whose channels and acknowledgement to read.
    (Runs scheduled before it existed sent a ``DeliveryRequest``; its extra fields are ignored.)"""

    alert_id: str


class UnitPathRequest(BaseModel):
    """Input of ``unit_path``: the unit whose path to the root to read."""

    unit_id: str

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, value: Any) -> Any:
        # Runs scheduled before this model existed sent the unit id as a bare string.
        return {"unit_id": value} if isinstance(value, str) else value


class DeliveryRequest(BaseModel):
    alert_id: str
    channel_id: str
    notification: int


class OutboxBatch(BaseModel):
    """What a case has to write since its last batch: its timeline events and alerts in order,
    with the snapshot as of now (the row is never staler than the last event it records)."""

    snapshot: CaseSnapshot
    events: list[CaseEvent] = Field(default_factory=list)
    alerts: list[AlertInput] = Field(default_factory=list)
    description: str | None = None  # first write only
    petitioner: Petitioner | None = None  # first write only
    petitioner_key: str | None = None
    search_keys: dict[str, str] | None = None  # first write only
    people: list[Person] | None = None  # first write only


class CounterpartEvent(BaseModel):
    """What a ``link``, ``unlink`` or ``merge`` records on the other case (a signal to it):
    ``linked``, ``unlinked`` or ``merged_in``, by whom, and the visits a duplicate brings."""

    event: str
    case_id: str  # the case that took the action
    role: str
    user_id: str
    note: str = ""
    visit_count: int = 0


class RetentionRun(BaseModel):
    """One run of the retention purge, as of an instant (the scheduled run's workflow time)."""

    as_of: datetime
    dry_run: bool = False


class RetentionResult(BaseModel):
    period: str  # the policy applied, ISO 8601 (P3Y)
    closed_before: datetime
    purged: int  # cases whose personal data this run removed (would remove, on a dry run)
    left: int  # changed meanwhile by someone else: the next run takes them
