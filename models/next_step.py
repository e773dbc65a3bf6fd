"""What happens next on a case, as its petitioner reads it on the tracking page: per state, the
next step and the statutory period that bounds it (``models/clocks.py``'s ``STATUTORY_CLOCK``).
Pure; no personal data."""

from __future__ import annotations

from typing import Any

from models.clock_plan import DELIVERY_CLOCK
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
    "merged": ("已并入同一信访事项办理", "Merged into the case of the same matter"),
}

# Replied (reviewed) but the reply (opinion) not delivered yet: the petitioner's window runs from
# the day they receive it (送达), and the delivery clock bounds when that is.
AWAITING_DELIVERY: dict[str, tuple[str, str]] = {
    "replied": (
        "已作出书面答复，将送达您；自收到之日起，不服的可以在期限内申请复查",
        "A written reply was issued and will be delivered to you; from the day you receive it "
        "you may ask for a review within the period",
    ),
    "reviewed": (
        "已作出复查意见，将送达您；自收到之日起，不服的可以在期限内申请复核",
        "A review opinion was issued and will be delivered to you; from the day you receive it "
        "you may ask for a re-review within the period",
    ),
}


def next_step(snapshot: dict[str, Any]) -> tuple[str, str, Any]:
    """(Chinese, English, due instant or None) for a (JSON) snapshot."""
    state = snapshot["state"]
    running = {
        view.get("clock"): view.get("due_at")
        for view in snapshot.get("deadlines", [])
        if view.get("status") == "running"
    }
    if state in AWAITING_DELIVERY and DELIVERY_CLOCK in running:
        zh, en = AWAITING_DELIVERY[state]
        return zh, en, running[DELIVERY_CLOCK]
    zh, en = NEXT_STEPS.get(state, (state, state))
    clock = STATUTORY_CLOCK.get(state)
    return zh, en, running.get(clock) if clock else None
