"""Random action sequences by random roles never break the lifecycle's invariants."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from models.actions import ACTION_PARAMS
from models.errors import DomainError
from models.lifecycle import FINAL_STATES, Petition
from models.vocabulary import Claim, Decision, DeclineReason, Rating, SuspendReason, Track
from tests.models.builders import COUNTY, T0, TOWN, VALID_PARAMS, new_case

ROLES = st.sampled_from(["officer", "supervisor", "admin", "system"])
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.sampled_from([*DeclineReason, *SuspendReason, "", "复杂"]),
        "unit_id": st.just(TOWN.id),
        "officer_id": st.just("u-2"),
        "claim": st.sampled_from(list(Claim)),
        "hardship": st.booleans(),
        "unlawful_conduct": st.booleans(),
        "track": st.sampled_from(list(Track)),
        "days": st.integers(-5, 60),
        "summary": st.sampled_from(["", "答复"]),
        "rating": st.sampled_from(list(Rating)),
        "decision": st.sampled_from(list(Decision)),
    },
)

PLAUSIBLE = st.fixed_dictionaries(
    {},
    optional={
        "claim": st.sampled_from(list(Claim)),
        "hardship": st.booleans(),
        "unlawful_conduct": st.booleans(),
        "days": st.integers(1, 35),
        "rating": st.sampled_from(list(Rating)),
        "decision": st.sampled_from(list(Decision)),
    },
)


class LifecycleInvariants(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.p = Petition(new_case())
        self.now = T0
        self.extensions: list[int] = []
        self.reopens = 0
        self.was_final = False

    @rule(
        action=st.sampled_from(sorted(ACTION_PARAMS)),
        role=ROLES,
        params=PARAMS,
        to_county=st.booleans(),
    )
    def officer_action(self, action: str, role: str, params: dict, to_county: bool) -> None:
        case = self.p.case
        before = case.model_dump()
        pending_before = case.pending_tracks()
        assessed_before = case.assessment is not None
        rating_before = case.last_rating()
        unit = COUNTY if to_county or case.level == "town" else TOWN
        wanted = {k: v for k, v in params.items() if k in ACTION_PARAMS[action].model_fields}
        try:
            self.p.act(action, role=role, actor="u", at=self.now, params=wanted, unit=unit)
        except DomainError:
            assert case.model_dump() == before, "a rejected action changed the case"
            return
        if action == "reply":
            assert assessed_before and not pending_before, "reply with a track pending"
        if action == "extend":
            self.extensions.append(wanted["days"])
        if action == "reopen":
            self.reopens += 1
            assert rating_before == "unsatisfied"

    @rule(data=st.data(), steps=st.integers(1, 4))
    def plausible_actions(self, data: st.DataObject, steps: int) -> None:
        """Mostly actions a role may take now, so sequences get deep into the lifecycle."""
        for _ in range(steps):
            self.plausible_action(
                data.draw(st.sampled_from(["officer", "supervisor", "admin"])), data
            )

    def plausible_action(self, role: str, data: st.DataObject) -> None:
        allowed = self.p.allowed_actions(role, at=self.now)
        if not allowed:
            return
        ends = {"withdraw", "decline", "forward"}
        keep_going = [a for a in allowed if a not in ends]
        if keep_going and data.draw(st.integers(0, 9)) > 0:
            allowed = keep_going
        action = data.draw(st.sampled_from(allowed))
        params = {**VALID_PARAMS[action], **data.draw(PLAUSIBLE)}
        if action == "complete_track" and self.p.case.pending_tracks():
            params["track"] = data.draw(st.sampled_from(sorted(self.p.case.pending_tracks())))
        wanted = {k: v for k, v in params.items() if k in ACTION_PARAMS[action].model_fields}
        self.officer_action(action=action, role=role, params=wanted, to_county=False)

    @rule(event=st.sampled_from(["warn", "breach", "auto_escalate", "auto_close"]))
    def clock_event(self, event: str) -> None:
        before = self.p.case.model_dump()
        unit = COUNTY if self.p.case.level == "town" else TOWN
        try:
            self.p.raise_event(event, at=self.now, unit=unit, clock="handling")
        except DomainError:
            assert self.p.case.model_dump() == before

    @rule(days=st.integers(0, 40), window=st.booleans())
    def time_passes(self, days: int, window: bool) -> None:
        self.now += timedelta(days=days)
        if window and self.p.state in ("replied", "reviewed"):
            self.p.case.window_closes_at = self.now + timedelta(days=1)

    @invariant()
    def final_states_stay_final(self) -> None:
        if self.was_final:
            assert self.p.state in FINAL_STATES
            assert self.p.allowed_actions("admin") == []
        self.was_final = self.p.state in FINAL_STATES

    @invariant()
    def at_most_one_extension_of_at_most_30_days(self) -> None:
        assert len(self.extensions) <= 1
        assert all(1 <= d <= 30 for d in self.extensions)
        assert (self.p.case.extension is not None) == bool(self.extensions)

    @invariant()
    def reopen_at_most_once(self) -> None:
        assert self.reopens <= 1
        assert self.p.case.reopened == bool(self.reopens)

    @invariant()
    def replied_cases_had_their_tracks_in_place(self) -> None:
        if self.p.state in ("replied", "under_review", "reviewed", "under_re_review"):
            assert self.p.case.all_tracks_in_place()


LifecycleInvariants.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLifecycleInvariants = LifecycleInvariants.TestCase
