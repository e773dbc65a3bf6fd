"""The conditional rules of the lifecycle: tracks, extension, reopening, windows, levels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.case import Assessment
from models.errors import Forbidden, InvalidParams, InvalidTransition
from models.lifecycle import AUTOMATIC_EVENTS, Petition, PetitionLifecycle
from models.vocabulary import ACTION_LABELS, STATE_LABELS, Track, TrackStatus
from tests.models.builders import COUNTY, T0, TOWN, case_in, complete_all, do, new_case


@pytest.mark.parametrize(
    ("claim", "hardship", "unlawful", "expected"),
    [
        ("reasonable", False, False, {"resolution"}),
        ("partly_reasonable", False, False, {"resolution", "education"}),
        ("unreasonable", False, False, {"education"}),
        ("unreasonable", True, True, {"education", "assistance", "legal"}),
        ("reasonable", True, False, {"resolution", "assistance"}),
    ],
)
def test_assessment_decides_tracks(claim, hardship, unlawful, expected) -> None:
    a = Assessment.model_validate(
        {"claim": claim, "hardship": hardship, "unlawful_conduct": unlawful}
    )
    assert {t.value for t in a.applicable_tracks()} == expected


def test_reply_needs_every_applicable_track() -> None:
    p = case_in("handling")
    with pytest.raises(InvalidTransition, match="三到位"):
        do(p, "reply")  # not assessed yet
    do(p, "assess", claim="partly_reasonable", hardship=True)
    assert p.case.tracks[Track.legal] is TrackStatus.not_applicable
    do(p, "complete_track", track="resolution")
    do(p, "complete_track", track="education")
    with pytest.raises(InvalidTransition) as err:
        do(p, "reply")
    assert "reply" not in err.value.allowed_actions
    do(p, "complete_track", track="assistance")
    do(p, "reply")
    assert p.state == "replied"


def test_complete_track_rules() -> None:
    p = case_in("handling")
    with pytest.raises(InvalidTransition, match="研判"):
        do(p, "complete_track", track="resolution")
    do(p, "assess", claim="reasonable")
    with pytest.raises(InvalidTransition, match="不适用或已到位"):
        do(p, "complete_track", track="legal")
    do(p, "complete_track", track="resolution")
    with pytest.raises(InvalidTransition):
        do(p, "complete_track", track="resolution")
    with pytest.raises(InvalidParams) as err:
        do(p, "complete_track", track="magic")
    assert err.value.errors[0]["field"] == "track"


def test_reassessment_keeps_done_tracks_that_stay_applicable() -> None:
    p = case_in("handling")
    do(p, "assess", claim="partly_reasonable")
    do(p, "complete_track", track="resolution")
    do(p, "assess", claim="reasonable", hardship=True)
    assert p.case.tracks == {
        Track.resolution: TrackStatus.done,
        Track.education: TrackStatus.not_applicable,
        Track.assistance: TrackStatus.pending,
        Track.legal: TrackStatus.not_applicable,
    }


def test_extension_once_by_supervisor_within_policy() -> None:
    p = case_in("handling")
    with pytest.raises(Forbidden):
        do(p, "extend", role="officer", days=10)
    for days in (0, 31):
        with pytest.raises(InvalidParams):
            do(p, "extend", role="supervisor", days=days)
    do(p, "extend", role="supervisor", days=10)
    assert p.case.extension is not None
    assert (p.case.extension.days, p.case.extension.approved_by) == (10, "u-supervisor")
    with pytest.raises(InvalidTransition, match="只能延长一次") as err:
        do(p, "extend", role="supervisor", days=5)
    assert "extend" not in err.value.allowed_actions


def test_extension_limit_comes_from_the_policy_snapshot() -> None:
    case = new_case()
    case.extension_max_days = 10
    p = Petition(case)
    do(p, "accept")
    with pytest.raises(InvalidParams, match="1–10"):
        do(p, "extend", role="supervisor", days=11)


def test_reopen_only_after_unsatisfied_and_once() -> None:
    p = case_in("replied")
    with pytest.raises(InvalidTransition, match="不满意"):
        do(p, "reopen", role="supervisor")
    do(p, "feedback", rating="satisfied")
    with pytest.raises(InvalidTransition):
        do(p, "reopen", role="supervisor")
    do(p, "feedback", rating="unsatisfied")
    with pytest.raises(Forbidden):
        do(p, "reopen", role="officer")
    do(p, "reopen", role="supervisor")
    assert p.state == "handling"
    assert p.case.assessment is None  # handled anew
    do(p, "assess")
    complete_all(p)
    do(p, "reply")
    do(p, "feedback", rating="unsatisfied")
    with pytest.raises(InvalidTransition, match="只能重新办理一次"):
        do(p, "reopen", role="supervisor")


def test_request_windows() -> None:
    p = case_in("replied")
    p.case.window_closes_at = T0 + timedelta(days=30)
    late = T0 + timedelta(days=31)
    assert "request_review" not in p.allowed_actions("officer", at=late)
    with pytest.raises(InvalidTransition, match="期限已过"):
        p.act("request_review", role="officer", at=late)
    p.act("request_review", role="officer", at=T0 + timedelta(days=29))
    assert p.state == "under_review"
    assert p.case.window_closes_at is None


def test_escalation_climbs_and_stops_at_county() -> None:
    p = case_in("handling")
    do(p, "escalate", unit=TOWN)
    assert (p.case.level, p.case.unit_id) == ("town", TOWN.id)
    do(p, "escalate", role="supervisor", unit=COUNTY)
    assert p.case.level == "county"
    assert [e.cause for e in p.case.escalations] == ["manual", "manual"]
    with pytest.raises(InvalidTransition, match="县级"):
        do(p, "escalate", unit=COUNTY)
    with pytest.raises(InvalidTransition):
        p.raise_event("auto_escalate", at=T0, unit=COUNTY, clock="handling")


def test_automatic_escalation_in_registered() -> None:
    p = case_in("registered")
    p.raise_event("auto_escalate", at=T0, unit=TOWN, clock="acceptance")
    assert p.state == "registered"
    assert p.case.escalations[-1].cause == "acceptance"
    assert p.case.escalations[-1].by == "system"


def test_suspend_resumes_where_it_was() -> None:
    p = case_in("under_re_review")
    do(p, "suspend", reason="hearing")
    assert p.allowed_actions("officer") == ["resume", "withdraw"]
    do(p, "resume")
    assert p.state == "under_re_review"


def test_automatic_events_are_the_system_s_only() -> None:
    p = case_in("replied")
    for role in ("officer", "supervisor", "admin"):
        with pytest.raises(Forbidden):
            p.check("auto_close", role=role)
    p.raise_event("warn", at=T0, clock="review_window")
    p.raise_event("auto_close", at=T0)
    assert p.state == "closed"
    assert p.allowed_actions("admin") == []
    with pytest.raises(InvalidTransition):
        p.raise_event("warn", at=T0)


def test_system_takes_no_officer_action_but_declines_final_matters() -> None:
    p = case_in("registered")
    # the service declines repeat_final matters and issues automatic 督办单
    assert p.allowed_actions("system") == ["decline", "supervise"]
    with pytest.raises(Forbidden):
        do(p, "accept", role="system")
    p.raise_event("decline", at=T0, reason="repeat_final")
    assert (p.state, p.case.decline_reason) == ("not_accepted", "repeat_final")


def test_repeat_visits_while_open() -> None:
    p = case_in("replied")
    p.raise_event("visit", role="officer", actor="u", at=T0)
    with pytest.raises(Forbidden):
        p.raise_event("visit", at=T0)  # a visit is registered by a person
    p.raise_event("auto_close", at=T0)
    with pytest.raises(InvalidTransition):
        p.raise_event("visit", role="officer", at=T0)


def test_unknown_action_and_bad_params_are_invalid_params() -> None:
    p = case_in("registered")
    with pytest.raises(InvalidParams, match="unknown action"):
        p.act("approve", role="officer")
    with pytest.raises(InvalidParams) as err:
        p.act("decline", role="officer", params={"reason": "bored", "extra": 1})
    assert {e["field"] for e in err.value.errors} == {"reason", "extra"}
    assert p.state == "registered"


def test_a_failing_action_changes_nothing() -> None:
    p = case_in("handling")
    before = p.case.model_dump()
    with pytest.raises(TypeError):
        p.act("escalate", role="officer", params={})  # the caller forgot to resolve the unit
    assert p.case.model_dump() == before
    do(p, "escalate", unit=TOWN)  # and the machine still works


def test_errors_carry_what_the_api_needs() -> None:
    p = case_in("registered")
    with pytest.raises(InvalidTransition) as err:
        do(p, "reply")
    details = err.value.to_details()
    assert err.value.status == 409
    assert details["allowed_actions"] == ["accept", "decline", "forward", "withdraw"]
    assert details["state"] == "registered"


def test_every_state_and_event_has_labels() -> None:
    assert {s.id for s in PetitionLifecycle.states} == set(STATE_LABELS)
    assert set(PetitionLifecycle._events) == set(ACTION_LABELS)
    assert set(AUTOMATIC_EVENTS) <= set(ACTION_LABELS)
    for zh, en in [*STATE_LABELS.values(), *ACTION_LABELS.values()]:
        assert zh and en and zh != en
