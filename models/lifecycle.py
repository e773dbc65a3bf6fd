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
    Extension,
    Feedback,
    Opinion,
    PetitionCase,
    StaffRef,
    UnitRef,
)
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

    # -- officer actions ------------------------------------------------------------------------
    accept = registered.to(handling, cond="by_officer")
    decline = registered.to(not_accepted, cond="by_officer_or_system") | handling.to(
        not_accepted,
        cond=["by_officer_or_system", "referred_to_legal_channel", "legal_channel_reason"],
    )
    forward = registered.to.itself(internal=True, cond="by_forwarder") | handling.to(
        registered, cond="by_forwarder"
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
    escalate = handling.to.itself(internal=True, cond=["by_handler", "below_county"])
    reply = handling.to(replied, cond=["by_officer", "tracks_in_place", "no_mediation_open"])
    feedback = replied.to.itself(
        internal=True, cond="by_officer", validators="callback_recorded"
    ) | reviewed.to.itself(internal=True, cond="by_officer", validators="callback_recorded")
    reopen = replied.to(handling, cond=["by_supervisor", "rated_unsatisfied", "not_reopened"])
    request_review = replied.to(under_review, cond=["by_officer", "window_open"])
    review_opinion = under_review.to(reviewed, cond="by_reviewer")
    request_re_review = reviewed.to(under_re_review, cond=["by_officer", "window_open"])
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
    ) | handling.to.itself(internal=True, cond=["by_system", "below_county"])
    auto_close = replied.to(closed, cond="by_system") | reviewed.to(closed, cond="by_system")

    # -- a repeat petition (重复信访) linked to the open case ------------------------------------
    visit = _from_each(_open, None, cond="by_handler")
    del _open

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

    def window_open(self, at: datetime | None = None) -> bool:
        """申请期限已过 / The window for this request has lapsed."""
        return self.model.window_open(at)

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

    def on_enter_state(self) -> None:
        # A request window belongs to the state it was opened in; whoever runs the next one
        # sets it again.
        self.model.window_closes_at = None


def _bad_callback(field: str, detail: str) -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action="feedback", errors=[{"field": field, "message": detail}]
    )


def _bad_mediation(field: str, detail: str, action: str = "close_mediation") -> InvalidParams:
    return InvalidParams(
        Message.of(detail), action=action, errors=[{"field": field, "message": detail}]
    )


AUTOMATIC_EVENTS = ("warn", "breach", "auto_escalate", "auto_close")
FINAL_STATES = frozenset(s.id for s in PetitionLifecycle.final_states)


class Petition:
    """The lifecycle machine bound to one case, with the project's own errors."""

    def __init__(self, case: PetitionCase) -> None:
        self.case = case
        self._sm = PetitionLifecycle(model=case)

    @property
    def state(self) -> str:
        return self.case.state

    @property
    def is_final(self) -> bool:
        return self.case.state in FINAL_STATES

    def allowed_actions(self, role: str, *, at: datetime | None = None) -> list[str]:
        """The officer actions ``role`` may take now, derived from the machine's guards."""
        if self.is_final:
            return []
        enabled = {e.id for e in self._sm.enabled_events(role=role, at=at)}
        return [a for a in ACTION_PARAMS if a in enabled]

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
        candidates = list(self._transitions_for(action))
        allowed = self.allowed_actions(role, at=at)
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
            self._sm.send(event, **kwargs)
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
        self._sm = PetitionLifecycle(model=self.case)

    def _transitions_for(self, event: str) -> Iterator[Transition]:
        for state in self._sm.configuration:
            for transition in state.transitions:
                if event in transition.events:
                    yield transition

    def _failed_guards(self, transition: Transition, kwargs: dict[str, Any], *, roles: bool):
        names = [spec.func for spec in transition.cond if isinstance(spec.func, str)]
        names = [n for n in names if n.startswith("by_") == roles]
        return [n for n in names if not self._call(n, kwargs)]

    def _run_validators(self, transition: Transition, kwargs: dict[str, Any]) -> None:
        for spec in transition.validators:
            if isinstance(spec.func, str):
                self._call(spec.func, kwargs)

    def _call(self, name: str, kwargs: dict[str, Any]) -> Any:
        method = getattr(self._sm, name)
        accepted = inspect.signature(method).parameters
        return method(**{k: v for k, v in kwargs.items() if k in accepted})

    def _reason(self, guard: str) -> Message:
        """A guard's reason is the first line of its docstring: "中文 / English"."""
        doc = inspect.getdoc(getattr(PetitionLifecycle, guard)) or guard
        return Message.of(doc.splitlines()[0])
