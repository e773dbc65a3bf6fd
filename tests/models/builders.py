"""Cases put into a given state through the machine itself, for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from models.case import OtherCase, PetitionCase, UnitRef
from models.lifecycle import Petition

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOWN = UnitRef(id="pinghu.danghu", level="town", name="当湖街道")
COUNTY = UnitRef(id="pinghu", level="county", name="平湖市")

VALID_PARAMS: dict[str, dict[str, object]] = {
    "accept": {"note": "受理"},
    "decline": {"reason": "legal_channel", "note": "属诉讼渠道"},
    "forward": {"unit_id": TOWN.id, "note": ""},
    "assign": {"officer_id": "u-officer-2"},
    "assess": {"claim": "partly_reasonable", "hardship": True, "unlawful_conduct": False},
    "complete_track": {"track": "resolution"},
    "extend": {"days": 30, "reason": "案情复杂"},
    "suspend": {"reason": "hearing"},
    "resume": {},
    "escalate": {"note": "需镇级协调"},
    "reply": {"summary": "书面答复意见"},
    "feedback": {"rating": "unsatisfied"},
    "reopen": {"reason": "回访不满意"},
    "request_review": {},
    "review_opinion": {"decision": "upheld", "summary": "维持"},
    "request_re_review": {},
    "re_review_opinion": {"decision": "upheld", "summary": "维持"},
    "withdraw": {"note": "信访人撤回"},
    "hand_over": {"lead_unit_id": "pinghu.zjj", "instructions": "请住建局牵头办理", "days": 10},
    "report": {"summary": "会办意见"},
    "take_back": {"note": "收回"},
    "supervise": {"instructions": "请于七日内答复", "respond_within": 7},
    "respond_supervision": {"summary": "已按督办要求办理"},
    "assign_leader": {
        "leader_user_id": "u-leader",
        "plan": "包案化解",
        "target_date": "2026-04-01",
    },
    "start_mediation": {
        "mediator": "东门社区人民调解委员会",
        "parties": [
            {"name": "张三", "role": "业主"},
            {"name": "平湖物业公司", "kind": "organisation", "role": "物业服务企业"},
        ],
    },
    "record_session": {"held_on": "2026-03-02", "summary": "双方陈述"},
    "close_mediation": {"outcome": "failed", "referral": "litigation"},
    "link": {"other_case_id": "other-case", "note": "同一事项"},
    "unlink": {"other_case_id": "other-case"},
    "merge": {"other_case_id": "other-case", "note": "重复件"},
}
# 调解 (issue 17): what a handling case needs before each mediation action (and a decline in
# handling, which follows a failed mediation).
MEDIATION_STEPS: dict[str, list[str]] = {
    "start_mediation": [],
    "record_session": ["start_mediation"],
    "close_mediation": ["start_mediation"],
    "decline": ["start_mediation", "close_mediation"],
}

# Context the workflow would resolve for an action (target units).
CONTEXT: dict[str, dict[str, object]] = {"forward": {"unit": TOWN}, "escalate": {"unit": TOWN}}
# The other case a link, unlink or merge names, as the API would find it.
OTHER = OtherCase(case_id="other-case", state="handling", unit_id="pinghu.danghu.dongmen")
CONTEXT |= {a: {"own_case_id": "this-case", "other": OTHER} for a in ("link", "unlink", "merge")}
SUPERVISOR_STEPS = {"link", "merge"}

_PATHS: dict[str, list[str]] = {
    "registered": [],
    "handling": ["accept"],
    "suspended": ["accept", "suspend"],
    "replied": ["accept", "assess", "complete_all", "reply"],
    "under_review": ["accept", "assess", "complete_all", "reply", "request_review"],
    "reviewed": ["accept", "assess", "complete_all", "reply", "request_review", "review_opinion"],
    "under_re_review": [
        "accept",
        "assess",
        "complete_all",
        "reply",
        "request_review",
        "review_opinion",
        "request_re_review",
    ],
    "closed": [
        "accept",
        "assess",
        "complete_all",
        "reply",
        "request_review",
        "review_opinion",
        "request_re_review",
        "re_review_opinion",
    ],
    "not_accepted": ["decline"],
    "withdrawn": ["withdraw"],
    "merged": ["merge"],
}


def new_case(level: str = "village") -> PetitionCase:
    return PetitionCase(unit_id="pinghu.danghu.dongmen", level=level)


def do(p: Petition, action: str, role: str = "officer", **params: object) -> None:
    context = {**CONTEXT.get(action, {})}
    if "unit" in params:
        context["unit"] = params.pop("unit")
    merged = {**VALID_PARAMS[action], **params}
    p.act(action, role=role, actor=f"u-{role}", at=T0, params=merged, **context)


def complete_all(p: Petition) -> None:
    for track in sorted(p.case.pending_tracks()):
        do(p, "complete_track", track=track)


def case_in(state: str, *, ready_for: str | None = None) -> Petition:
    """A case in ``state`` whose conditional guards hold for ``ready_for``, if given."""
    p = Petition(new_case())
    if ready_for == "unlink":  # unlinking needs a link
        do(p, "link", role="supervisor")
    for step in _PATHS[state]:
        if step in SUPERVISOR_STEPS:
            do(p, step, role="supervisor")
            continue
        complete_all(p) if step == "complete_all" else do(p, step)
    assert p.state == state
    if state == "handling" and ready_for in ("complete_track", "reply"):
        do(p, "assess")
        if ready_for == "reply":
            complete_all(p)
    if ready_for == "respond_supervision" and state not in (
        "closed",
        "not_accepted",
        "withdrawn",
        "merged",
    ):
        do(p, "supervise", role="supervisor")
    if state == "handling" and ready_for in MEDIATION_STEPS:
        do(p, "assess", mediation=True)
        for step in MEDIATION_STEPS[ready_for]:
            do(p, step)
    if state == "replied" and ready_for == "reopen":
        do(p, "feedback", rating="unsatisfied")
    return p
