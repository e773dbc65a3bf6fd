"""What the tracking page says comes next: the step of the state and the period that bounds it;
after a reply (review opinion) not yet delivered, its delivery and the delivery clock's due time."""

from __future__ import annotations

from models.lifecycle import PetitionLifecycle
from models.next_step import NEXT_STEPS, next_step

DUE = "2026-12-15T16:00:00Z"


def snapshot(state: str, *running: str) -> dict[str, object]:
    deadlines = [{"clock": c, "status": "running", "due_at": DUE} for c in running]
    deadlines.append({"clock": "handling", "status": "met", "due_at": "2026-11-01T16:00:00Z"})
    return {"state": state, "deadlines": deadlines}


def test_every_state_of_the_machine_has_a_step() -> None:
    assert set(NEXT_STEPS) == {s.id for s in PetitionLifecycle.states}


def test_a_reply_not_yet_delivered_says_so_with_the_delivery_due() -> None:
    zh, en, due = next_step(snapshot("replied", "delivery"))
    assert "送达" in zh and "delivered" in en and due == DUE
    zh, en, due = next_step(snapshot("reviewed", "delivery"))
    assert "复核" in zh and due == DUE


def test_once_delivered_the_window_bounds_the_step() -> None:
    zh, _, due = next_step(snapshot("replied", "review_window"))
    assert zh == NEXT_STEPS["replied"][0] and due == DUE
    assert next_step(snapshot("replied"))[2] is None  # a window not running shows no due time
    assert next_step(snapshot("handling"))[2] is None  # its period met, not running
