"""The machine's rules on linked and merged cases: never the case itself, only a case the API
found in the caller's scope, never into a finished case; the other side's events."""

from __future__ import annotations

import pytest

from models.case import OtherCase
from models.errors import InvalidParams, InvalidTransition
from tests.models.builders import T0, case_in

OPEN = OtherCase(case_id="b", state="handling", unit_id="pinghu.danghu.dongmen")


def act(p, action: str, other: OtherCase | None, other_case_id: str = "b") -> None:  # type: ignore[no-untyped-def]
    p.act(
        action,
        role="supervisor",
        at=T0,
        params={"other_case_id": other_case_id},
        own_case_id="a",
        other=other,
    )


@pytest.mark.parametrize("action", ["link", "merge"])
def test_refusals_leave_the_case_unchanged(action: str) -> None:
    p = case_in("handling")
    before = p.case.model_dump()
    with pytest.raises(InvalidParams, match="itself"):
        act(p, action, OPEN.model_copy(update={"case_id": "a"}), other_case_id="a")
    with pytest.raises(InvalidParams, match="scope"):
        act(p, action, None)  # not found in the caller's scope
    with pytest.raises(InvalidTransition, match="finished") as err:
        act(p, action, OPEN.model_copy(update={"state": "closed"}))
    assert action in err.value.allowed_actions
    assert p.case.model_dump() == before


def test_link_unlink_and_merge() -> None:
    p = case_in("registered")
    assert "unlink" not in p.allowed_actions("supervisor")
    act(p, "link", OPEN)
    with pytest.raises(InvalidParams, match="already"):
        act(p, "link", OPEN)
    with pytest.raises(InvalidParams, match="not linked"):
        act(p, "unlink", OPEN, other_case_id="c")
    act(p, "unlink", OPEN)
    assert p.case.linked_cases == []
    act(p, "merge", OPEN)
    assert (p.state, p.case.merged_into, p.allowed_actions("admin")) == ("merged", "b", [])


def test_the_other_side_records_it() -> None:
    p = case_in("replied")
    for event in ("linked", "merged_in", "unlinked"):
        p.raise_event(event, role="supervisor", at=T0, other_case_id="d")
    assert (p.case.linked_cases, p.case.merged_cases, p.state) == ([], ["d"], "replied")
