"""The petition lifecycle: the single source of truth for which action is legal when, for whom.

The workflow asks it, the API's 409/403 come from it, the dashboard's buttons come from it.
It is pure (no I/O, no clock reads: times come in as ``at``) so it runs inside the Temporal
workflow sandbox; import it there through ``workflow.unsafe.imports_passed_through()``. Delayed
events, timeouts and ``invoke`` are never used: clocks are the workflow's job.

Every guard is a method named ``by_*`` (role rules) or a predicate whose docstring is the reason
given to a caller it stops, so a rejection explains itself without a second copy of the rule.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from functools import reduce
from operator import or_
from typing import Any

from statemachine import State, StateChart
from statemachine.exceptions import TransitionNotAllowed
from statemachine.transition import Transition

from models.actions import ACTION_PARAMS, parse_params
from models.case import (
    Assessment,
    CoTask,
    Extension,
    Feedback,
    HandOver,
    LeaderAssignment,
    Opinion,
    OtherCase,
    PetitionCase,
    StaffRef,
    UnitRef,
)
from models.documents import UNDELIVERED_KINDS
from models.errors import Forbidden, InvalidParams, InvalidTransition
from models.mediation import MediationParty, MediationSession
from models.messages import Message
from models.vocabulary import (
    ACTION_LABELS,
    STATE_LABELS,
    Level,
    MediationOutcome,
    Referral,
    Role,
    Track,
)

_OFFICERS = {Role.officer, Role.admin}
_SUPERVISORS = {Role.supervisor, Role.admin}
_HANDLERS = {Role.officer, Role.supervisor, Role.admin}
# What the petitioner may do online (tracking code + one-time code): rate, ask for review.
_OFFICERS_OR_PETITIONER = {*_OFFICERS, Role.petitioner}


def _from_each(sources: tuple[State, ...], target: State | None, **options: Any) -> Any:
    """One transition per source state (to ``target``, or an internal self-transition)."""
    return reduce(
        or_,
        [
            s.to(target, **options) if target else s.to.itself(internal=True, **options)
            for s in sources
        ],
    )


class PetitionLifecycle(StateChart[PetitionCase]):
    # Explicit, never the library's silent defaults: an illegal event raises, and an error in a
    # callback propagates instead of becoming an internal event.
    allow_event_without_transition = False
    catch_errors_as_events = False
    enable_self_transition_entries = False

    registered = State(initial=True)
    handling = State()
    suspended = State()
    replied = State()
    under_review = State()
    reviewed = State()
    under_re_review = State()
    closed = State(final=True)
    not_accepted = State(final=True)
    withdrawn = State(final=True)
    merged = State(final=True)  # a duplicate merged into the case it repeats

    # -- officer actions ------------------------------------------------------------------------
    accept = registered.to(handling, cond="by_officer")
    decline = registered.to(not_accepted, cond="by_officer_or_system") | handling.to(
        not_accepted,
        cond=["by_officer_or_system", "referred_to_legal_channel", "legal_channel_reason"],
    )
    forward = registered.to.itself(internal=True, cond="by_forwarder") | handling.to(
        registered, cond=["by_forwarder", "not_handed_over"]
    )
    assign = handling.to.itself(internal=True, cond="by_handler", validators="assignee_of_unit")
    assess = handling.to.itself(internal=True, cond="by_officer")
    complete_track = handling.to.itself(
        internal=True, cond=["by_officer", "assessed", "track_pending"]
    )
    extend = handling.to.itself(
        internal=True,
        cond=["by_supervisor", "extension_available", "handling_running"],
        validators="days_allowed",
    )
    suspend = handling.to(suspended, cond="by_officer") | under_re_review.to(
        suspended, cond="by_officer"
    )
    resume = suspended.to(handling, cond=["by_officer", "paused_handling"]) | suspended.to(
        under_re_review, cond=["by_officer", "paused_re_review"]
    )
    escalate = handling.to.itself(
        internal=True, cond=["by_handler", "below_county", "not_handed_over"]
    )
    reply = handling.to(
        replied,
        cond=["by_officer", "tracks_in_place", "co_handlers_reported", "no_mediation_open"],
    )
    feedback = replied.to.itself(
        internal=True, cond="by_officer_or_petitioner", validators="callback_recorded"
    ) | reviewed.to.itself(
        internal=True, cond="by_officer_or_petitioner", validators="callback_recorded"
    )
    reopen = replied.to(handling, cond=["by_supervisor", "rated_unsatisfied", "not_reopened"])
    request_review = replied.to(under_review, cond=["by_officer_or_petitioner", "window_open"])
    review_opinion = under_review.to(reviewed, cond="by_reviewer")
    request_re_review = reviewed.to(
        under_re_review, cond=["by_officer_or_petitioner", "window_open"]
    )
    re_review_opinion = under_re_review.to(closed, cond="by_reviewer")
    # Events open in every state before closing: withdrawal, the clocks' warnings and breaches,
    # repeat visits.
    _open = (registered, handling, suspended, replied, under_review, reviewed, under_re_review)
    withdraw = _from_each(_open, withdrawn, cond="by_officer")

    # -- automatic events (the workflow's clocks) ---------------------------------------------
    warn = _from_each(_open, None, cond="by_system")
    breach = _from_each(_open, None, cond="by_system")
    auto_escalate = registered.to.itself(
        internal=True, cond=["by_system", "below_county"]
    ) | handling.to.itself(internal=True, cond=["by_system", "below_county", "not_handed_over"])
    auto_close = replied.to(closed, cond="by_system") | reviewed.to(closed, cond="by_system")

    # -- a repeat petition (重复信访) linked to the open case ------------------------------------
    visit = _from_each(_open, None, cond="by_handler")

    # -- the command system: 督办单 (supervision orders) and 领导包案 -----------------------------
    supervise = _from_each(_open, None, cond="by_supervisor_or_system")
    # answered by the officers of the unit holding the case (only they act there)
    respond_supervision = _from_each(_open, None, cond=["by_officer", "order_open"])
    assign_leader = _from_each(_open, None, cond="by_supervisor", validators="leader_in_scope")

    # -- 送达: a notice the case issued reaches the petitioner -----------------------------------
    deliver = _from_each(
        _open, None, cond=["by_officer", "document_pending"], validators="document_deliverable"
    )

    # -- the same matter: linked and merged cases (supervisors); each is recorded on the other
    # case too, by the event after it that the workflow sends there ----------------------------
    link = _from_each(
        _open, None, cond=["by_supervisor", "other_open"], validators="other_may_be_linked"
    )
    unlink = _from_each(
        _open, None, cond=["by_supervisor", "has_links"], validators="other_is_linked"
    )
    merge = _from_each(
        _open, merged, cond=["by_supervisor", "other_open"], validators="other_may_absorb"
    )
    linked = _from_each(_open, None, cond="by_supervisor")
    unlinked = _from_each(_open, None, cond="by_supervisor")
    merged_in = _from_each(_open, None, cond="by_supervisor")
    del _open

    # -- 交办/会办: hand the case to a lead unit with co-handlers, their reports, taking it back --
    hand_over = handling.to.itself(
        internal=True,
        cond=["by_handler", "not_handed_over", "handling_running"],
        validators=["hand_over_targets", "within_statutory_due"],
    )
    report = _from_each((handling, suspended), None, cond=["by_co_handler", "task_open"])
    take_back = _from_each((handling, suspended), None, cond=["by_handing_unit", "handed_over"])

    # -- 调解 (mediation, issue 17): a dispute between parties, mediated while handling --------
    start_mediation = handling.to.itself(
        internal=True,
        cond=["by_officer", "mediation_offered", "resolution_pending", "no_mediation_yet"],
    )
    record_session = handling.to.itself(
        internal=True, cond=["by_officer", "mediating"], validators="session_day"
    )
    close_mediation = handling.to.itself(
        internal=True, cond=["by_officer", "mediating"], validators="outcome_complete"
    )

    # -- guards: roles ------------------------------------------------------------------------
    def by_officer(self, role: str = "") -> bool:
        """只有办理人员可以执行此操作 / Only a case officer may take this action."""
        return role in _OFFICERS

    def by_officer_or_petitioner(self, role: str = "") -> bool:
        """只有办理人员或信访人本人（凭查询码和验证码）可以执行此操作 / Only a case officer, or the petitioner online with a one-time code, may take this action."""  # noqa: E501
        return role in _OFFICERS_OR_PETITIONER

    def by_supervisor(self, role: str = "") -> bool:
        """只有督办领导可以执行此操作 / Only a supervisor may take this action."""
        return role in _SUPERVISORS

    def by_handler(self, role: str = "") -> bool:
        """只有办理人员或督办领导可以执行此操作 / Only an officer or a supervisor may do this."""
        return role in _HANDLERS

    def by_forwarder(self, role: str = "") -> bool:
        """转办由办理人员办理，达到转办次数上限后须由督办领导转办 / Officers forward a case; past the forwarding limit only a supervisor may."""  # noqa: E501
        if role == Role.admin:
            return True
        at_cap = not self.model.may_forward()
        return role == (Role.supervisor if at_cap else Role.officer)

    def by_reviewer(self, role: str = "") -> bool:
        """复查、复核意见由上级机关的办理人员录入；上级机关不在系统内时由督办领导录入 / The review organ's officers record the opinion; a supervisor records one received from an organ outside the tree."""  # noqa: E501
        if role == Role.admin:
            return True
        return role == (Role.supervisor if self.model.review_outside else Role.officer)

    def by_officer_or_system(self, role: str = "") -> bool:
        """只有办理人员可以不予受理 / Only a case officer may decline a petition."""
        # The service itself declines a matter already finally decided (复核终结, repeat_final).
        return role in _OFFICERS or role == Role.system

    def by_system(self, role: str = "") -> bool:
        """此操作由系统时钟自动执行 / This event is raised by the case's clocks only."""
        return role == Role.system

    def by_co_handler(self, role: str = "", caller_unit_id: str | None = None) -> bool:
        """只有会办单位的工作人员可以报送会办情况 / Only a co-handling unit's staff may report."""
        hand_over = self.model.open_hand_over()
        return (
            role in (Role.officer, Role.supervisor)
            and hand_over is not None
            and any(t.unit.id == caller_unit_id for t in hand_over.co_tasks)
        )

    def by_handing_unit(self, role: str = "", standing: str = "holder") -> bool:
        """只有交办单位（或其上级）可以收回交办 / Only the handing unit (or a unit above it) may take the case back."""  # noqa: E501
        if self.model.open_hand_over() is None:  # nothing to take back: the state's reason
            return role in _HANDLERS
        return role == Role.admin or standing in ("handing", "handing_reader")

    def by_supervisor_or_system(self, role: str = "") -> bool:
        """只有督办领导可以下发督办单 / Only a supervisor may issue a supervision order."""
        return role in _SUPERVISORS or role == Role.system

    # -- guards: the case's rules ----------------------------------------------------------------
    def assessed(self) -> bool:
        """尚未研判，无法确定适用的“三到位一处理” / The case has not been assessed yet."""
        return self.model.assessment is not None

    def track_pending(self, track: str | None = None) -> bool:
        """该项不适用或已到位 / That track is not applicable or already done."""
        pending = self.model.pending_tracks()
        return bool(pending) if track is None else Track(track) in pending

    def tracks_in_place(self) -> bool:
        """适用的“三到位一处理”尚未全部到位 / Every applicable track must be done first."""
        return self.model.all_tracks_in_place()

    def extension_available(self) -> bool:
        """办理期限只能延长一次 / The handling period may be extended only once."""
        return self.model.extension is None

    def handling_running(self) -> bool:
        """办理期限已届满，不能再延期 / The handling period has lapsed; it cannot be extended."""
        return "handling" not in self.model.lapsed

    def days_allowed(self, days: int | None = None) -> None:
        if days is not None and not 1 <= days <= self.model.extension_max_days:
            most = self.model.extension_max_days
            raise InvalidParams(
                Message(f"延期天数须为 1–{most} 天", f"days must be between 1 and {most}"),
                action="extend",
                errors=[
                    {"field": "days", "message": Message(f"须为 1–{most}", f"must be 1–{most}")}
                ],
            )

    def assignee_of_unit(
        self, officer_id: str | None = None, staff: dict[str, StaffRef] | None = None
    ) -> None:
        """The assignee (承办人) is an officer of the unit holding the case. ``staff``: the users
        the request names, as the API found them (None: not looked up, as for assignments
        recorded before the rule)."""
        if staff is None or officer_id is None:
            return
        user = staff.get(officer_id)
        if user is None or user.role != Role.officer or user.unit_id != self.model.unit_id:
            raise InvalidParams(
                Message(
                    "承办人须为本单位的工作人员",
                    "the assignee must be an officer of the unit holding the case",
                ),
                action="assign",
                errors=[{"field": "officer_id", "message": "not an officer of the unit"}],
            )

    def callback_recorded(
        self,
        contacted_on: str | date | None = None,
        caller: str | None = None,
        staff: dict[str, StaffRef] | None = None,
        at: datetime | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        """回访 as recorded: on a day neither in the future nor before the written reply, by
        a user of the unit holding the case."""
        day = date.fromisoformat(contacted_on) if isinstance(contacted_on, str) else contacted_on
        if day is not None and at is not None and zone is not None:
            if day > at.astimezone(zone).date():
                raise _bad_callback(
                    "contacted_on", "回访日期不能晚于今天 / must not be in the future"
                )
            replies = [o.at for o in self.model.opinions if o.stage == "reply" and o.at]
            replied_on = replies[-1].astimezone(zone).date() if replies else None
            if replied_on is not None and day < replied_on:
                raise _bad_callback(
                    "contacted_on",
                    f"回访日期不能早于书面答复日期 {replied_on} / must not be before the written "
                    f"reply of {replied_on}",
                )
        if staff is not None and caller is not None:
            user = staff.get(caller)
            if user is None or user.unit_id != self.model.unit_id:
                raise _bad_callback(
                    "caller",
                    "回访人须为本单位的工作人员 / the caller must be a user of the unit holding "
                    "the case",
                )

    def document_pending(self) -> bool:
        """没有待送达的文书 / No document of this case awaits delivery."""
        return any(d.awaits_delivery for d in self.model.documents)

    def document_deliverable(
        self,
        document_id: str | None = None,
        delivered_on: str | date | None = None,
        at: datetime | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        """送达 of a document this case issued, not delivered before, on a day neither in the
        future nor before the document."""
        if document_id is None:
            return
        doc = self.model.document(document_id)
        if doc is None:
            raise _bad_delivery(
                "document_id", "本案没有此文书 / no such document was issued in this case"
            )
        if doc.kind in UNDELIVERED_KINDS:
            raise _bad_delivery(
                "document_id", "送达回证无需送达 / a proof of delivery is not delivered itself"
            )
        if doc.delivered_on is not None:
            raise _bad_delivery(
                "document_id",
                f"该文书已于 {doc.delivered_on} 送达 / the document was delivered on "
                f"{doc.delivered_on}",
            )
        day = date.fromisoformat(delivered_on) if isinstance(delivered_on, str) else delivered_on
        if day is None or at is None or zone is None:
            return
        if day > at.astimezone(zone).date():
            raise _bad_delivery("delivered_on", "送达日期不能晚于今天 / must not be in the future")
        issued_on = doc.issued_at.astimezone(zone).date()
        if day < issued_on:
            raise _bad_delivery(
                "delivered_on",
                f"送达日期不能早于文书签发日期 {issued_on} / must not be before the document "
                f"was issued on {issued_on}",
            )

    def below_county(self) -> bool:
        """已在县级，不能再上报 / The case is already at county level."""
        return self.model.level.rank < Level.county.rank

    def paused_handling(self) -> bool:
        """中止前不在办理中 / The case was not suspended from handling."""
        return self.model.suspended_from == "handling"

    def paused_re_review(self) -> bool:
        """中止前不在复核中 / The case was not suspended from re-review."""
        return self.model.suspended_from == "under_re_review"

    def rated_unsatisfied(self) -> bool:
        """只有回访评价为“不满意”后才能重新办理 / Reopening needs an unsatisfied rating first."""
        return self.model.last_rating() == "unsatisfied"

    def not_reopened(self) -> bool:
        """每件只能重新办理一次 / A case may be reopened only once."""
        return not self.model.reopened

    def not_handed_over(self) -> bool:
        """案件已交办，请先收回交办 / The case is handed over: take it back first."""
        return self.model.open_hand_over() is None

    def handed_over(self) -> bool:
        """案件没有进行中的交办 / The case has no open hand-over."""
        return self.model.open_hand_over() is not None

    def task_open(self, caller_unit_id: str | None = None) -> bool:
        """会办任务已报送 / The co-handling task is already reported."""
        hand_over = self.model.open_hand_over()
        return hand_over is not None and caller_unit_id in hand_over.open_co_units()

    def co_handlers_reported(self) -> bool:
        """会办单位尚未全部报送会办情况 / Every co-handling unit must report first."""
        hand_over = self.model.open_hand_over()
        return hand_over is None or not hand_over.open_co_units()

    def hand_over_targets(
        self,
        lead_unit_id: str | None = None,
        co_unit_ids: list[str] | None = None,
        units: dict[str, list[UnitRef]] | None = None,
        role: str = "",
        caller_unit_id: str | None = None,
    ) -> None:
        """The lead and co-handling units exist, are distinct, are not the unit holding the case,
        and lie in the caller's scope (at or below their unit). ``units``: the path of each unit
        the request names, as the API found it (None: not looked up)."""
        if lead_unit_id is None:
            return
        units = units or {}  # not looked up: every unit is unknown
        for field, unit_id in [("lead_unit_id", lead_unit_id)] + [
            (f"co_unit_ids.{i}", u) for i, u in enumerate(co_unit_ids or [])
        ]:
            path = units.get(unit_id)
            if not path:
                raise _bad_hand_over(field, f"单位不存在：{unit_id} / no such unit: {unit_id}")
            if unit_id == self.model.unit_id:
                raise _bad_hand_over(
                    field, "不能交办给本单位 / not the unit holding the case itself"
                )
            if role != Role.admin and all(u.id != caller_unit_id for u in path):
                raise _bad_hand_over(
                    field, f"{unit_id} 不在您的范围内 / {unit_id} is outside your scope"
                )
        co = co_unit_ids or []
        if len(set(co)) != len(co) or lead_unit_id in co:
            raise _bad_hand_over(
                "co_unit_ids",
                "会办单位不能重复，也不能是主办单位 / co-handlers: distinct, and not the lead",
            )

    def within_statutory_due(
        self, task_due: datetime | None = None, statutory_due: datetime | None = None
    ) -> None:
        """交办办理时限 may not reach past the running statutory period's due time."""
        if task_due is None or statutory_due is None or task_due <= statutory_due:
            return
        raise _bad_hand_over(
            "days",
            f"交办办理时限（{task_due.isoformat()}）不能晚于法定期限（{statutory_due.isoformat()}）"
            f" / the hand-over deadline ({task_due.isoformat()}) may not be later than the "
            f"statutory due time ({statutory_due.isoformat()})",
        )

    def window_open(self, at: datetime | None = None) -> bool:
        """申请期限已过 / The window for this request has lapsed."""
        return self.model.window_open(at)

    def order_open(self, order_id: str | None = None) -> bool:
        """没有待答复的督办单 / There is no open supervision order (by that id) to answer."""
        return self.model.open_order(order_id) is not None

    def leader_in_scope(
        self,
        leader_user_id: str | None = None,
        target_date: str | date | None = None,
        staff: dict[str, StaffRef] | None = None,
        scope_units: list[str] | None = None,
        at: datetime | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        """包案 by a supervisor of the unit holding the case or a unit above it, with a target
        date not in the past. ``staff``/``scope_units`` None: not looked up."""
        day = date.fromisoformat(target_date) if isinstance(target_date, str) else target_date
        if (
            day is not None
            and at is not None
            and zone is not None
            and day < at.astimezone(zone).date()
        ):
            raise _bad_leader("target_date", "目标日期不能早于今天 / must not be in the past")
        if staff is None or leader_user_id is None or scope_units is None:
            return
        user = staff.get(leader_user_id)
        if user is None or user.role != Role.supervisor or user.unit_id not in scope_units:
            raise _bad_leader(
                "leader_user_id",
                "包案领导须为案件所在单位或其上级单位的督办领导 / the leader must be a supervisor "
                "of the unit holding the case or of a unit above it",
            )

    # -- guards: 调解 (mediation, issue 17) -------------------------------------------------
    def mediation_offered(self) -> bool:
        """研判未将本案列为调解 / The assessment did not open mediation for this case."""
        return self.model.mediation_offered()

    def resolution_pending(self) -> bool:
        """解决问题已到位或不适用，不能调解 / The resolution track is done or not applicable."""
        return Track.resolution in self.model.pending_tracks()

    def no_mediation_yet(self) -> bool:
        """本案已启动过调解 / Mediation has already been started for this case."""
        return self.model.mediation is None

    def mediating(self) -> bool:
        """没有进行中的调解 / There is no mediation in progress."""
        return self.model.mediation is not None and self.model.mediation.ongoing

    def no_mediation_open(self) -> bool:
        """调解尚未结束，不能书面答复 / A mediation is still in progress; close it first."""
        return not self.mediating()

    def referred_to_legal_channel(self) -> bool:
        """办理中的案件只有调解不成并导向法定途径后才能不予受理 / A case in handling may be declined only after a failed mediation referred it to a legal channel."""  # noqa: E501
        return self.model.mediation is not None and self.model.mediation.referred

    def legal_channel_reason(self, reason: str | None = None) -> bool:
        """调解不成的案件须以“法定途径”为由不予受理 / After a failed mediation the reason must be legal_channel."""  # noqa: E501
        return reason is None or reason == "legal_channel"

    def outcome_complete(
        self, outcome: str | None = None, terms: str = "", referral: str | None = None
    ) -> None:
        """An agreement states its terms; a failure names the legal channel it refers to."""
        if outcome == "agreement" and not terms.strip():
            raise _bad_mediation("terms", "达成协议须写明协议内容 / an agreement needs its terms")
        if outcome == "failed" and referral is None:
            raise _bad_mediation(
                "referral", "调解不成须写明导向的法定途径 / a failure needs its referral"
            )
        if outcome != "failed" and referral is not None:
            raise _bad_mediation(
                "referral", "只有调解不成时导向法定途径 / only a failure has a referral"
            )

    def session_day(
        self,
        held_on: str | date | None = None,
        at: datetime | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        """A session is held on a day neither in the future nor before the mediation began."""
        day = date.fromisoformat(held_on) if isinstance(held_on, str) else held_on
        mediation = self.model.mediation
        if day is None or at is None or zone is None or mediation is None:
            return
        if day > at.astimezone(zone).date():
            raise _bad_mediation(
                "held_on", "调解日期不能晚于今天 / must not be in the future", "record_session"
            )
        began = mediation.started_at.astimezone(zone).date() if mediation.started_at else None
        if began is not None and day < began:
            raise _bad_mediation(
                "held_on",
                f"调解日期不能早于调解开始日期 {began} / must not be before the mediation "
                f"began on {began}",
                "record_session",
            )

    # -- guards: linked and merged cases --------------------------------------------------------
    def has_links(self) -> bool:
        """本案没有关联的案件 / The case has no linked cases."""
        return bool(self.model.linked_cases)

    def other_open(self, other: OtherCase | None = None) -> bool:
        """另一案件已结束，不能关联或并入 / The other case is finished: it cannot be linked or merged into."""  # noqa: E501
        return other is None or other.state not in FINAL_STATES

    def other_may_be_linked(
        self, other_case_id: str = "", own_case_id: str = "", other: OtherCase | None = None
    ) -> None:
        _other_named("link", other_case_id, own_case_id, other)
        if other_case_id in self.model.linked_cases:
            raise _bad_other("link", "已与该案件关联", "the cases are already linked")

    def other_is_linked(
        self, other_case_id: str = "", own_case_id: str = "", other: OtherCase | None = None
    ) -> None:
        # none at all: the guard ``has_links`` answers (409)
        if self.model.linked_cases and other_case_id not in self.model.linked_cases:
            raise _bad_other("unlink", "未与该案件关联", "the cases are not linked")

    def other_may_absorb(
        self, other_case_id: str = "", own_case_id: str = "", other: OtherCase | None = None
    ) -> None:
        _other_named("merge", other_case_id, own_case_id, other)

    # -- actions: what each event changes on the case ---------------------------------------
    def on_decline(self, reason: str | None = None) -> None:
        self.model.decline_reason = reason

    def on_request_review(self, review_unit: UnitRef | None = None, outside: bool = False):
        if review_unit is not None or outside:
            self.model.refer_for_review(review_unit)

    def on_request_re_review(self, review_unit: UnitRef | None = None, outside: bool = False):
        if review_unit is not None or outside:
            self.model.refer_for_review(review_unit)

    def on_forward(self, unit: UnitRef, fresh: bool = False) -> None:
        self.model.forward_to(unit, fresh=fresh)

    def on_assign(self, officer_id: str) -> None:
        self.model.assignee = officer_id

    def on_assess(
        self,
        claim: str,
        hardship: bool = False,
        unlawful_conduct: bool = False,
        note: str = "",
        mediation: bool = False,
    ) -> None:
        self.model.record_assessment(
            Assessment.model_validate(
                {
                    "claim": claim,
                    "hardship": hardship,
                    "unlawful_conduct": unlawful_conduct,
                    "note": note,
                    "mediation": mediation,
                }
            )
        )

    def on_complete_track(self, track: str) -> None:
        self.model.complete(Track(track))

    def on_extend(self, days: int, reason: str, actor: str = "", at: datetime | None = None):
        self.model.extension = Extension(days=days, reason=reason, approved_by=actor, at=at)

    def on_suspend(self, source: State) -> None:
        self.model.suspended_from = source.id

    def on_resume(self) -> None:
        self.model.suspended_from = None

    def on_escalate(self, unit: UnitRef, actor: str = "", at: datetime | None = None) -> None:
        self.model.escalate_to(unit, cause="manual", by=actor, at=at)

    def on_auto_escalate(self, unit: UnitRef, clock: str, at: datetime | None = None) -> None:
        self.model.escalate_to(unit, cause=clock, by="system", at=at)

    def on_reply(self, summary: str, actor: str = "", at: datetime | None = None) -> None:
        self.model.opinions.append(Opinion(stage="reply", summary=summary, by=actor, at=at))
        self.model.end_hand_over("done", at)  # the lead's task is done with its reply

    def on_feedback(
        self,
        rating: str,
        note: str = "",
        actor: str = "",
        at: datetime | None = None,
        method: str | None = None,
        contacted_on: str | None = None,
        caller: str | None = None,
    ) -> None:
        self.model.feedback.append(
            Feedback.model_validate(
                {
                    "rating": rating,
                    "note": note,
                    "by": actor,
                    "at": at,
                    "method": method,
                    "contacted_on": contacted_on,
                    "caller": caller,
                }
            )
        )

    def on_reopen(self) -> None:
        self.model.restart_handling()

    def on_review_opinion(
        self, decision: str, summary: str, actor: str = "", at: datetime | None = None
    ) -> None:
        self.model.opinions.append(
            Opinion(stage="review", decision=decision, summary=summary, by=actor, at=at)
        )

    def on_re_review_opinion(
        self, decision: str, summary: str, actor: str = "", at: datetime | None = None
    ) -> None:
        self.model.opinions.append(
            Opinion(stage="re_review", decision=decision, summary=summary, by=actor, at=at)
        )

    def on_hand_over(
        self,
        lead_unit_id: str,
        co_unit_ids: list[str],
        instructions: str,
        days: int,
        units: dict[str, list[UnitRef]] | None = None,
        handing_path: list[UnitRef] | None = None,
        task_due: datetime | None = None,
        actor: str = "",
        at: datetime | None = None,
    ) -> None:
        if not units or not handing_path or task_due is None:  # resolved by the workflow
            raise _bad_hand_over("lead_unit_id", "交办单位未解析 / the units were not resolved")
        self.model.hand_to(
            HandOver(
                number=len(self.model.hand_overs) + 1,
                handing_path=handing_path,
                lead=units[lead_unit_id][0],
                co_tasks=[CoTask(unit=units[u][0]) for u in co_unit_ids],
                instructions=instructions,
                days=days,
                due_at=task_due,
                by=actor,
                at=at,
            )
        )

    def on_report(
        self,
        summary: str,
        caller_unit_id: str | None = None,
        actor: str = "",
        at: datetime | None = None,
    ) -> None:
        self.model.record_report(caller_unit_id or "", summary, by=actor, at=at)

    def on_take_back(self, at: datetime | None = None) -> None:
        self.model.end_hand_over("taken_back", at)

    def on_withdraw(self, at: datetime | None = None) -> None:
        self.model.end_hand_over("ended", at)

    def on_supervise(
        self,
        instructions: str,
        actor: str = "",
        at: datetime | None = None,
        caller_unit_id: str | None = None,
        automatic: bool = False,
    ) -> None:
        self.model.issue_order(
            instructions=instructions,
            by=actor,
            issuing_unit=caller_unit_id or self.model.unit_id,
            at=at,
            automatic=automatic,
        )

    def on_respond_supervision(
        self, summary: str, order_id: str | None = None, actor: str = "", at: datetime | None = None
    ) -> None:
        self.model.answer_order(order_id, summary=summary, by=actor, at=at)

    def on_assign_leader(
        self,
        leader_user_id: str,
        plan: str,
        target_date: str | date,
        actor: str = "",
        at: datetime | None = None,
    ) -> None:
        day = date.fromisoformat(target_date) if isinstance(target_date, str) else target_date
        self.model.leader = LeaderAssignment(
            user_id=leader_user_id, plan=plan, target_date=day, by=actor, at=at
        )

    def on_deliver(self, document_id: str, method: str, delivered_on: str) -> None:
        self.model.record_delivery(
            document_id, method=method, delivered_on=date.fromisoformat(str(delivered_on))
        )

    def on_start_mediation(
        self,
        mediator: str,
        parties: list[dict[str, Any]],
        actor: str = "",
        at: datetime | None = None,
    ) -> None:
        given = [MediationParty.model_validate(p) for p in parties]
        self.model.start_mediation(mediator, given, by=actor, at=at)

    def on_record_session(
        self, held_on: str, summary: str, actor: str = "", at: datetime | None = None
    ) -> None:
        self.model.record_mediation_session(
            MediationSession(held_on=date.fromisoformat(held_on), summary=summary, by=actor, at=at)
        )

    def on_close_mediation(
        self,
        outcome: str,
        terms: str = "",
        referral: str | None = None,
        at: datetime | None = None,
    ) -> None:
        self.model.close_mediation(
            MediationOutcome(outcome), terms, Referral(referral) if referral else None, at
        )

    def on_link(self, other_case_id: str) -> None:
        self.model.linked_cases.append(other_case_id)

    def on_unlink(self, other_case_id: str) -> None:
        self.model.linked_cases.remove(other_case_id)

    def on_merge(self, other_case_id: str) -> None:
        self.model.merged_into = other_case_id

    def on_linked(self, other_case_id: str) -> None:
        if other_case_id not in self.model.linked_cases:
            self.model.linked_cases.append(other_case_id)

    def on_unlinked(self, other_case_id: str) -> None:
        if other_case_id in self.model.linked_cases:
            self.model.linked_cases.remove(other_case_id)

    def on_merged_in(self, other_case_id: str) -> None:
        if other_case_id not in self.model.merged_cases:
            self.model.merged_cases.append(other_case_id)

    def on_enter_state(self) -> None:
        # A request window belongs to the state it was opened in; whoever runs the next one
        # sets it again.
        self.model.window_closes_at = None


def _bad_hand_over(field: str, detail: str) -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action="hand_over", errors=[{"field": field, "message": detail}]
    )


def _bad_leader(field: str, detail: str) -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action="assign_leader", errors=[{"field": field, "message": detail}]
    )


def _bad_callback(field: str, detail: str) -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action="feedback", errors=[{"field": field, "message": detail}]
    )


def _bad_delivery(field: str, detail: str) -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action="deliver", errors=[{"field": field, "message": detail}]
    )


def _bad_mediation(field: str, detail: str, action: str = "close_mediation") -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action=action, errors=[{"field": field, "message": detail}]
    )


def _bad_other(action: str, zh: str, en: str) -> InvalidParams:
    return InvalidParams(
        Message(f"other_case_id：{zh}", f"other_case_id: {en}"),
        action=action,
        errors=[{"field": "other_case_id", "message": Message(zh, en)}],
    )


def _other_named(
    action: str, other_case_id: str, own_case_id: str, other: OtherCase | None
) -> None:
    """The other case is another case the caller may act on (the API found it in their scope)."""
    if other_case_id and other_case_id == own_case_id:
        raise _bad_other(action, "不能与本案自身关联或合并", "a case cannot name itself")
    if other is None or other.case_id != other_case_id:
        raise _bad_other(action, "案件不存在或不在您的范围内", "no such case in your scope")


AUTOMATIC_EVENTS = ("warn", "breach", "auto_escalate", "auto_close")
# 交办/会办: the only actions of callers who stand beside the case rather than hold it
# (``models/scope.py``: standing); holders take every action their role's guards allow.
STANDING_ACTIONS: dict[str, tuple[frozenset[str], Message]] = {
    "handing_reader": (
        frozenset({"take_back"}),
        Message(
            "案件已交办，交办单位可以查看和收回交办",
            "the case is handed over: the handing unit may read it and take it back",
        ),
    ),
    "co_handler": (
        frozenset({"report"}),
        Message("会办单位只能报送会办情况", "a co-handling unit may only report on its task"),
    ),
}
FINAL_STATES = frozenset(s.id for s in PetitionLifecycle.final_states)


class _CaseSlot:
    """The model a pooled machine is built on: every attribute read or written is the bound
    case's. Its ``dir()`` is empty, so the machine resolves no callback against it: every guard,
    validator and action is one of the machine's own methods, which read ``self.model`` when
    called. One machine thus serves any case, one at a time."""

    __slots__ = ("_case",)

    def bind(self, case: PetitionCase | None) -> None:
        object.__setattr__(self, "_case", case)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_case"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_case"), name, value)

    def __dir__(self) -> list[str]:
        return []


# Machines not in use. Building one resolves ~360 callbacks: ~9 ms of CPU and ~640 KB (3,900
# objects for the garbage collector) — per case, when each case kept its own, which made a
# worker holding thousands of cases pause for seconds in the collector. list.pop and append are
# atomic, so threads (the worker's workflow tasks, the API's requests) each take their own.
_idle: list[PetitionLifecycle] = []


@contextmanager
def _machine_for(case: PetitionCase) -> Iterator[PetitionLifecycle]:
    """A machine bound to ``case`` for one synchronous use (never across an ``await``). One
    left by anything but an ``Exception`` — an interrupt, a cancellation — may have stopped
    mid-step and is dropped, not reused (the engine itself clears its queue on an Exception)."""
    try:
        machine = _idle.pop()
    except IndexError:
        slot = _CaseSlot()
        slot.bind(case)
        machine = PetitionLifecycle(model=slot)  # type: ignore[arg-type]
    slot = machine.model  # type: ignore[assignment]
    slot.bind(case)
    try:
        yield machine
    except Exception:
        _release(machine, slot)
        raise
    _release(machine, slot)


def _release(machine: PetitionLifecycle, slot: _CaseSlot) -> None:
    """Back to the idle machines, unless its engine stopped: one that entered a final state
    accepts no event, whichever case it is bound to next."""
    slot.bind(None)
    if not machine.is_terminated:
        _idle.append(machine)


class Petition:
    """The lifecycle machine bound to one case, with the project's own errors."""

    def __init__(self, case: PetitionCase) -> None:
        self.case = case

    @property
    def state(self) -> str:
        return self.case.state

    @property
    def is_final(self) -> bool:
        return self.case.state in FINAL_STATES

    def allowed_actions(
        self,
        role: str,
        *,
        at: datetime | None = None,
        standing: str = "holder",
        caller_unit_id: str | None = None,
    ) -> list[str]:
        """The officer actions ``role`` may take now, derived from the machine's guards;
        ``standing``: where the caller stands towards the case (``models/scope.py``)."""
        if self.is_final:
            return []
        with _machine_for(self.case) as machine:
            enabled = {
                e.id
                for e in machine.enabled_events(
                    role=role, at=at, standing=standing, caller_unit_id=caller_unit_id
                )
            }
        only = STANDING_ACTIONS.get(standing)
        return [a for a in ACTION_PARAMS if a in enabled and (only is None or a in only[0])]

    def act(
        self,
        action: str,
        *,
        role: str,
        actor: str = "",
        at: datetime | None = None,
        params: dict[str, Any] | None = None,
        **context: Any,
    ) -> None:
        """Apply an officer action, or raise InvalidParams / Forbidden / InvalidTransition and
        leave the case unchanged. ``context`` carries what the caller resolved (e.g. ``unit``)."""
        parsed = parse_params(action, params or {}).model_dump(mode="json")
        self.check(action, role=role, at=at, **parsed, **context)
        self._send(action, role=role, actor=actor, at=at, **parsed, **context)

    def raise_event(
        self,
        event: str,
        *,
        role: str = Role.system,
        actor: str = "system",
        at: datetime | None = None,
        **context: Any,
    ) -> None:
        """Apply an event that is not an officer action with parameters: the clocks' automatic
        events (warn, breach, auto_escalate, auto_close), a repeat ``visit``, or the service's
        own ``decline`` of a matter already finally decided."""
        self.check(event, role=role, at=at, **context)
        self._send(event, role=role, actor=actor, at=at, **context)

    def check(self, action: str, *, role: str, at: datetime | None = None, **kwargs: Any) -> None:
        """Raise the error the action would meet now, without changing anything.

        This is what a workflow update validator calls.
        """
        candidates = self._transitions_for(action)
        standing, unit = kwargs.get("standing", "holder"), kwargs.get("caller_unit_id")
        allowed = self.allowed_actions(role, at=at, standing=standing, caller_unit_id=unit)
        only = STANDING_ACTIONS.get(standing)
        if only is not None and action not in only[0]:
            raise Forbidden(only[1], action=action, role=role, allowed_actions=allowed)
        if not candidates:
            raise InvalidTransition(
                Message(
                    f"当前状态“{STATE_LABELS.get(self.state, (self.state,))[0]}”"
                    f"不允许“{ACTION_LABELS.get(action, (action,))[0]}”",
                    f"action {action!r} is not allowed in state {self.state!r}",
                ),
                action=action,
                state=self.state,
                allowed_actions=allowed,
            )
        kwargs = {**kwargs, "role": role, "at": at}
        permitted = [t for t in candidates if not self._failed_guards(t, kwargs, roles=True)]
        if not permitted:
            raise Forbidden(
                self._reason(self._failed_guards(candidates[0], kwargs, roles=True)[0]),
                action=action,
                role=role,
                allowed_actions=allowed,
            )
        for transition in permitted:
            self._run_validators(transition, kwargs)
            failed = self._failed_guards(transition, kwargs, roles=False)
            if not failed:
                return
        raise InvalidTransition(
            self._reason(failed[0]),
            action=action,
            state=self.state,
            allowed_actions=allowed,
        )

    # -- internals --------------------------------------------------------------------------------
    def _send(self, event: str, **kwargs: Any) -> None:
        before = self.case.model_copy(deep=True)
        try:
            with _machine_for(self.case) as machine:
                machine.send(event, **kwargs)
        except TransitionNotAllowed:  # check() ran first, so this means a rule changed under us
            self._restore(before)
            raise InvalidTransition(
                Message(
                    f"当前状态不允许“{ACTION_LABELS.get(event, (event,))[0]}”",
                    f"action {event!r} is not allowed in state {self.state!r}",
                ),
                action=event,
                state=self.state,
                allowed_actions=self.allowed_actions(kwargs.get("role", "")),
            ) from None
        except Exception:
            self._restore(before)
            raise

    def _restore(self, before: PetitionCase) -> None:
        for name in PetitionCase.model_fields:
            setattr(self.case, name, getattr(before, name))

    def _transitions_for(self, event: str) -> list[Transition]:
        with _machine_for(self.case) as machine:
            configuration = list(machine.configuration)
        return [t for s in configuration for t in s.transitions if event in t.events]

    def _failed_guards(self, transition: Transition, kwargs: dict[str, Any], *, roles: bool):
        names = [spec.func for spec in transition.cond if isinstance(spec.func, str)]
        names = [n for n in names if n.startswith("by_") == roles]
        return [n for n in names if not self._call(n, kwargs)]

    def _run_validators(self, transition: Transition, kwargs: dict[str, Any]) -> None:
        for spec in transition.validators:
            if isinstance(spec.func, str):
                self._call(spec.func, kwargs)

    def _call(self, name: str, kwargs: dict[str, Any]) -> Any:
        with _machine_for(self.case) as machine:
            method = getattr(machine, name)
            accepted = inspect.signature(method).parameters
            return method(**{k: v for k, v in kwargs.items() if k in accepted})

    def _reason(self, guard: str) -> Message:
        """A guard's reason is the first line of its docstring: "中文 / English"."""
        doc = inspect.getdoc(getattr(PetitionLifecycle, guard)) or guard
        return Message.of(doc.splitlines()[0])
