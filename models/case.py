"""The petition as the lifecycle machine sees it: the model object its guards read and its
actions change. Pure data and domain rules; no I/O, no clock reads (times come in as ``at``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from models.vocabulary import CallbackMethod, Claim, Level, Rating, Track, TrackStatus


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


class OtherCase(BaseModel):
    """The other case a ``link``, ``unlink`` or ``merge`` names, as the API found it in the
    caller's scope (the machine decides whether the action may name it)."""

    case_id: str
    state: str
    unit_id: str
    visit_count: int = 1
