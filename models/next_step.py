"""What happens next on a case, as its petitioner reads it on the tracking page: per state, the
next step and the statutory period that bounds it (``models/clocks.py``'s ``STATUTORY_CLOCK``).
Pure; no personal data."""

from __future__ import annotations

from typing import Any

from models.clocks import STATUTORY_CLOCK

# (Chinese, English) per state; the due day, when there is one, is shown beside it.
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "registered": (
        "办理单位正在审查，将书面告知是否受理",
        "The unit is examining the petition and will tell you in writing whether it accepts it",
    ),
    "handling": (
        "已受理，正在办理，办结后书面答复您",
        "Accepted and being handled; you will receive a written reply",
    ),
    "suspended": (
        "办理中止（如听证、鉴定），恢复后期限重新计算",
        "Paused (e.g. a hearing or an appraisal); the period runs again on resumption",
    ),
    "replied": (
        "已作出书面答复。您可以网上评价；不服的，可以在期限内申请复查",
        "A written reply was issued. You may rate it online, or ask for a review within the period",
    ),
    "under_review": (
        "上一级机关正在复查，将作出复查意见",
        "The organ one level up is reviewing the matter and will issue its opinion",
    ),
    "reviewed": (
        "已作出复查意见。不服的，可以在期限内申请复核",
        "A review opinion was issued. You may ask for a re-review within the period",
    ),
    "under_re_review": (
        "正在复核，将作出复核意见",
        "The matter is being re-reviewed; an opinion will follow",
    ),
    "closed": ("已办结", "Closed"),
    "not_accepted": ("不予受理", "Not accepted"),
    "withdrawn": ("已撤回", "Withdrawn"),
}


def next_step(snapshot: dict[str, Any]) -> tuple[str, str, Any]:
    """(Chinese, English, due instant or None) for a (JSON) snapshot."""
    state = snapshot["state"]
    zh, en = NEXT_STEPS.get(state, (state, state))
    clock = STATUTORY_CLOCK.get(state)
    due = None
    for view in snapshot.get("deadlines", []):
        if clock and view.get("clock") == clock and view.get("status") == "running":
            due = view.get("due_at")
    return zh, en, due
