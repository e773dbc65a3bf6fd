"""调解's rules in the machine: what opens it, what each refusal says, what an agreement and a
failure change, and the clocks' plan (the mediation window beside the handling period)."""

from __future__ import annotations

import pytest

from models.clock_plan import plan_clocks
from models.errors import InvalidParams, InvalidTransition
from models.lifecycle import Petition
from tests.models.builders import case_in, do


def mediating() -> Petition:
    p = case_in("handling")
    do(p, "assess", claim="reasonable", hardship=False, mediation=True)
    do(p, "start_mediation")
    return p


def reason(p: Petition, action: str, **params: object) -> str:
    with pytest.raises(InvalidTransition) as err:
        do(p, action, **params)
    return str(err.value.detail)


def test_mediation_needs_the_assessment_to_open_it() -> None:
    p = case_in("handling")
    do(p, "assess", claim="reasonable", hardship=False)
    assert "start_mediation" not in p.allowed_actions("officer")
    assert "研判未将本案列为调解" in reason(p, "start_mediation")
    do(p, "assess", claim="unreasonable", mediation=True)  # nothing to resolve
    assert "解决问题已到位或不适用" in reason(p, "start_mediation")


def test_agreement_completes_the_resolution_track_once() -> None:
    p = mediating()
    assert "已启动过调解" in reason(p, "start_mediation")
    assert "尚未全部到位" in reason(p, "reply", summary="答复")
    with pytest.raises(InvalidParams) as err:
        do(p, "close_mediation", outcome="agreement", referral=None, terms=" ")
    assert err.value.errors[0]["field"] == "terms"
    do(p, "close_mediation", outcome="agreement", referral=None, terms="按原标准收费")
    assert p.case.tracks["resolution"] == "done"
    assert p.case.mediation is not None and p.case.mediation.terms == "按原标准收费"
    assert "没有进行中的调解" in reason(p, "record_session")
    assert "解决问题已到位" in reason(p, "start_mediation")
    assert "reply" in p.allowed_actions("officer")


def test_failure_refers_and_opens_the_decline_as_legal_channel() -> None:
    p = mediating()
    assert "调解不成" in reason(p, "decline", reason="legal_channel")
    do(p, "close_mediation", outcome="failed", referral="arbitration")
    assert p.case.tracks["resolution"] == "pending"
    assert "legal_channel" in reason(p, "decline", reason="other")
    do(p, "decline", reason="legal_channel")
    assert p.state == "not_accepted" and p.case.decline_reason == "legal_channel"


def test_no_reply_while_a_mediation_is_open() -> None:
    p = mediating()
    do(p, "complete_track", track="resolution")  # settled outside the mediation
    assert "调解尚未结束" in reason(p, "reply", summary="答复")
    do(p, "close_mediation", outcome="withdrawn", referral=None)
    do(p, "reply", summary="答复")
    assert p.state == "replied"


def test_withdrawn_mediation_leaves_handling_as_it_was() -> None:
    p = mediating()
    do(p, "close_mediation", outcome="withdrawn", referral=None)
    assert p.case.tracks["resolution"] == "pending"
    assert "decline" not in p.allowed_actions("officer")


def test_the_mediation_window_runs_beside_handling() -> None:
    start = plan_clocks("start_mediation", "handling", "handling", {})
    close = plan_clocks("close_mediation", "handling", "handling", {"outcome": "agreement"})
    assert start.start == ("mediation",) and not start.stop and start.pause_reason is None
    assert close.stop == frozenset({"mediation"}) and not close.start
    assert plan_clocks("decline", "handling", "not_accepted", {}).stop_all
