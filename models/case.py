"""The petition as the lifecycle machine sees it: the model object its guards read and its
actions change. Pure data and domain rules; no I/O, no clock reads (times come in as ``at``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, computed_field

from models.documents import IssuedDocument, document_id
from models.mediation import Mediation, MediationParty, MediationSession
from models.vocabulary import (
    CallbackMethod,
    Claim,
    DeliveryMethod,
    Level,
    MediationOutcome,
    Rating,
    Referral,
    Track,
    TrackStatus,
)


class UnitRef(BaseModel):
    """A unit of the tree, resolved by the caller (the machine does not know the tree)."""

    id: str
    level: Level
    name: str = ""


class StaffRef(BaseModel):
    """A user an action names (an assignee, a callback's caller), as the API found them: the
    machine checks they belong to the unit holding the case."""

    unit_id: str
    role: str


class Assessment(BaseModel):
    claim: Claim
    hardship: bool = False
    unlawful_conduct: bool = False
    note: str = ""
    # 调解优先: the claim is a dispute between parties, to be mediated (issue 17)
    mediation: bool = False

    def applicable_tracks(self) -> set[Track]:
        """三到位一处理: which tracks this assessment makes applicable."""
        tracks: set[Track] = set()
        if self.claim in (Claim.reasonable, Claim.partly_reasonable):
            tracks.add(Track.resolution)
        if self.claim in (Claim.unreasonable, Claim.partly_reasonable):
            tracks.add(Track.education)
        if self.hardship:
            tracks.add(Track.assistance)
        if self.unlawful_conduct:
            tracks.add(Track.legal)
        return tracks


class Extension(BaseModel):
    days: int
    reason: str
    approved_by: str
    at: datetime | None = None


class Feedback(BaseModel):
    rating: Rating
    note: str = ""
    by: str = ""
    at: datetime | None = None
    # 回访: how, on which day and by whom the petitioner was called back (absent on feedback
    # recorded before these were asked)
    method: CallbackMethod | None = None
    contacted_on: date | None = None
    caller: str | None = None


class Escalation(BaseModel):
    from_unit: str
    from_level: Level
    to_unit: str
    to_level: Level
    cause: str  # "manual" or the clock whose breach caused it
    by: str = ""
    at: datetime | None = None


class Opinion(BaseModel):
    stage: str  # "reply", "review" or "re_review"
    decision: str | None = None
    summary: str
    by: str = ""
    at: datetime | None = None


class CoTask(BaseModel):
    """会办: a co-handling unit's task, open until it reports."""

    unit: UnitRef
    clock_id: str = ""  # its clock in the ledger (co_handling#n)
    summary: str | None = None  # the report (报送会办情况)
    reported_by: str = ""
    reported_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.summary is None


class HandOver(BaseModel):
    """交办: the unit holding the case handed it to a lead unit, with co-handlers (会办), under
    a deadline no later than the statutory one; it keeps the case in scope and supervises."""

    number: int  # 1, 2, … within the case
    handing_path: list[UnitRef]  # the handing unit and its ancestors (take_back returns to it)
    lead: UnitRef
    co_tasks: list[CoTask] = Field(default_factory=list)
    instructions: str = ""
    days: int
    due_at: datetime
    clock_id: str = ""  # the lead's clock (hand_over#n)
    by: str = ""
    at: datetime | None = None
    # open → done (the lead replied) | taken_back | ended (the case closed otherwise)
    status: str = "open"
    ended_at: datetime | None = None

    @property
    def handing_unit(self) -> UnitRef:
        return self.handing_path[0]

    def open_co_units(self) -> list[str]:
        return [t.unit.id for t in self.co_tasks if t.open]


class SupervisionOrder(BaseModel):
    """督办单: a supervisor's order to the unit holding the case, answered by that unit within its
    own clock (``order#n`` in the ledger). Automatic ones follow a breach at the top unit."""

    id: str  # order-<n>, n counting the case's orders
    instructions: str
    issued_by: str  # a user id, or "system"
    issuing_unit: str
    to_unit: str  # the unit that held the case when it was issued
    at: datetime | None = None
    automatic: bool = False
    respond_within: str = ""  # ISO 8601 span of its clock
    clock_id: str = ""
    due_at: datetime | None = None
    summary: str | None = None  # the answer
    answered_by: str = ""
    answered_at: datetime | None = None
    late: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def open(self) -> bool:
        return self.summary is None


class LeaderAssignment(BaseModel):
    """领导包案: the leader answerable for a hard case, their plan and target date."""

    user_id: str
    plan: str
    target_date: date
    by: str = ""
    at: datetime | None = None


def _all_pending() -> dict[Track, TrackStatus]:
    return {track: TrackStatus.pending for track in Track}


class PetitionCase(BaseModel):
    """Lifecycle state of one petition; carried whole through continue-as-new."""

    state: str = "registered"
    unit_id: str
    level: Level
    assignee: str | None = None
    assessment: Assessment | None = None
    tracks: dict[Track, TrackStatus] = Field(default_factory=_all_pending)
    extension: Extension | None = None
    extension_max_days: int = 30
    reopened: bool = False
    feedback: list[Feedback] = Field(default_factory=list)
    escalations: list[Escalation] = Field(default_factory=list)
    opinions: list[Opinion] = Field(default_factory=list)
    suspended_from: str | None = None
    # End of the running request window (review / re-review), set by whoever runs that clock.
    window_closes_at: datetime | None = None
    decline_reason: str | None = None
    # Statutory periods that have lapsed with no run replacing them (the workflow keeps this in
    # step with its clock ledger): an action that needs one running is refused, never failed.
    lapsed: list[str] = Field(default_factory=list)
    forwards: int = 0
    # 复查/复核 by an organ outside the tree (no unit above): the top unit's supervisors record
    # the opinion it sends.
    review_outside: bool = False
    # Forwards an officer may make before a supervisor must decide (policy; None: no cap, as for
    # cases registered before the cap existed).
    max_forwards: int | None = None
    # The units the case was at before the one responsible now, oldest first: the receiving unit
    # of a case routed up at registration, and each unit it left (forward, escalation, review).
    # Their staff keep reading the case; acting stays with the responsible unit (models/scope.py).
    earlier_units: list[str] = Field(default_factory=list)
    # 交办/会办, oldest first; at most the last is open (the rules: models/lifecycle.py).
    hand_overs: list[HandOver] = Field(default_factory=list)
    # The command system: supervision orders (督办单), oldest first, and the leader (包案).
    orders: list[SupervisionOrder] = Field(default_factory=list)
    leader: LeaderAssignment | None = None
    # The notices issued to the petitioner (models/documents.py), oldest first, with their
    # delivery (送达) once recorded.
    documents: list[IssuedDocument] = Field(default_factory=list)
    # 调解 (issue 17): the case's mediation, once started.
    mediation: Mediation | None = None
    # Cases a supervisor linked as the same matter (关联), the case this duplicate was merged
    # into (合并), and the duplicates merged into this one.
    linked_cases: list[str] = Field(default_factory=list)
    merged_into: str | None = None
    merged_cases: list[str] = Field(default_factory=list)

    # -- rules the machine's guards ask ---------------------------------------------------------
    def pending_tracks(self) -> set[Track]:
        return {t for t, status in self.tracks.items() if status is TrackStatus.pending}

    def all_tracks_in_place(self) -> bool:
        return self.assessment is not None and not self.pending_tracks()

    def last_rating(self) -> Rating | None:
        return self.feedback[-1].rating if self.feedback else None

    def window_open(self, at: datetime | None) -> bool:
        return self.window_closes_at is None or at is None or at < self.window_closes_at

    # -- changes the machine's actions make -------------------------------------------------------
    def record_assessment(self, assessment: Assessment) -> None:
        """A (re-)assessment keeps tracks already done that stay applicable."""
        applicable = assessment.applicable_tracks()
        self.assessment = assessment
        self.tracks = {
            t: (
                TrackStatus.not_applicable
                if t not in applicable
                else TrackStatus.done
                if self.tracks.get(t) is TrackStatus.done
                else TrackStatus.pending
            )
            for t in Track
        }

    def complete(self, track: Track) -> None:
        self.tracks[track] = TrackStatus.done

    def restart_handling(self) -> None:
        """Reopening after an unsatisfied rating: the case is assessed and handled anew."""
        self.reopened = True
        self.assessment = None
        self.tracks = _all_pending()

    def refer_for_review(self, unit: UnitRef | None) -> None:
        """复查 goes to the organ one level up, 复核 to the next: the case moves to ``unit``;
        with no unit above, it stays and the opinion comes from outside the tree."""
        self.review_outside = unit is None
        if unit is not None:
            self.move_to(unit)

    def forward_to(self, unit: UnitRef, *, fresh: bool) -> None:
        """转办: the receiving unit takes the case over; ``fresh``: it judges the matter anew,
        without the sender's assessment and tracks."""
        self.forwards += 1
        self.move_to(unit)
        if fresh:
            self.assessment = None
            self.tracks = _all_pending()

    def may_forward(self) -> bool:
        """Whether an officer may still forward (below the policy's cap)."""
        return self.max_forwards is None or self.forwards < self.max_forwards

    def move_to(self, unit: UnitRef) -> None:
        self.leave_for(unit.id)
        self.unit_id = unit.id
        self.level = unit.level
        self.assignee = None

    def leave_for(self, unit_id: str) -> None:
        """Remember the unit the case is at now, when it moves on to ``unit_id``."""
        if unit_id != self.unit_id and self.unit_id not in self.earlier_units:
            self.earlier_units.append(self.unit_id)

    def escalate_to(self, unit: UnitRef, *, cause: str, by: str, at: datetime | None) -> None:
        self.escalations.append(
            Escalation(
                from_unit=self.unit_id,
                from_level=self.level,
                to_unit=unit.id,
                to_level=unit.level,
                cause=cause,
                by=by,
                at=at,
            )
        )
        self.move_to(unit)

    # -- 交办/会办 -------------------------------------------------------------------------------
    def open_hand_over(self) -> HandOver | None:
        last = self.hand_overs[-1] if self.hand_overs else None
        return last if last is not None and last.status == "open" else None

    def hand_to(self, hand_over: HandOver) -> None:
        """The lead unit becomes responsible; the handing unit keeps reading the case."""
        self.hand_overs.append(hand_over)
        self.move_to(hand_over.lead)

    def record_report(self, unit_id: str, summary: str, *, by: str, at: datetime | None) -> CoTask:
        hand_over = self.open_hand_over()
        assert hand_over is not None, "the machine checks a task is open first"
        task = next(t for t in hand_over.co_tasks if t.unit.id == unit_id and t.open)
        task.summary, task.reported_by, task.reported_at = summary, by, at
        return task

    def end_hand_over(self, status: str, at: datetime | None) -> HandOver | None:
        """The open hand-over ends: ``taken_back`` returns the case to the handing unit."""
        hand_over = self.open_hand_over()
        if hand_over is None:
            return None
        hand_over.status, hand_over.ended_at = status, at
        if status == "taken_back":
            self.move_to(hand_over.handing_unit)
        return hand_over

    # -- 督办单 and 领导包案 ---------------------------------------------------------------
    def open_orders(self) -> list[SupervisionOrder]:
        return [o for o in self.orders if o.open]

    def open_order(self, order_id: str | None) -> SupervisionOrder | None:
        """The open order named, or the oldest open one when none is named."""
        return next((o for o in self.open_orders() if order_id in (None, o.id)), None)

    def issue_order(
        self,
        *,
        instructions: str,
        by: str,
        issuing_unit: str,
        at: datetime | None,
        automatic: bool = False,
    ) -> SupervisionOrder:
        order = SupervisionOrder(
            id=f"order-{len(self.orders) + 1}",
            instructions=instructions,
            issued_by=by,
            issuing_unit=issuing_unit,
            to_unit=self.unit_id,
            at=at,
            automatic=automatic,
        )
        self.orders.append(order)
        return order

    def answer_order(
        self, order_id: str | None, *, summary: str, by: str, at: datetime | None
    ) -> SupervisionOrder:
        order = self.open_order(order_id)
        assert order is not None, "the machine's guard checked there is one"
        order.summary, order.answered_by, order.answered_at = summary, by, at
        order.late = bool(order.due_at and at and at > order.due_at)
        return order

    # -- documents and their delivery (送达) -----------------------------------------------------
    def issue_document(self, kind: str, *, event_seq: int, at: datetime) -> IssuedDocument:
        issued = IssuedDocument.model_validate(
            {"id": document_id(event_seq), "kind": kind, "event_seq": event_seq, "issued_at": at}
        )
        self.documents.append(issued)
        return issued

    def document(self, doc_id: str | None) -> IssuedDocument | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def record_delivery(self, doc_id: str, *, method: str, delivered_on: date) -> None:
        found = self.document(doc_id)
        if found is not None:
            found.method = DeliveryMethod(method)
            found.delivered_on = delivered_on

    # -- 调解 (mediation, issue 17) -------------------------------------------------------------
    def mediation_offered(self) -> bool:
        return self.assessment is not None and self.assessment.mediation

    def start_mediation(
        self, mediator: str, parties: list[MediationParty], *, by: str, at: datetime | None
    ) -> None:
        self.mediation = Mediation(mediator=mediator, parties=parties, started_by=by, started_at=at)

    def record_mediation_session(self, session: MediationSession) -> None:
        assert self.mediation is not None
        self.mediation.sessions.append(session)

    def close_mediation(
        self, outcome: MediationOutcome, terms: str, referral: Referral | None, at: datetime | None
    ) -> None:
        """An agreement completes the resolution track (解决问题到位)."""
        assert self.mediation is not None
        self.mediation.outcome, self.mediation.closed_at = outcome, at
        self.mediation.terms, self.mediation.referral = terms, referral
        if outcome is MediationOutcome.agreement:
            self.complete(Track.resolution)


class OtherCase(BaseModel):
    """The other case a ``link``, ``unlink`` or ``merge`` names, as the API found it in the
    caller's scope (the machine decides whether the action may name it)."""

    case_id: str
    state: str
    unit_id: str
    visit_count: int = 1
