"""The clock plan: what each action does to the clocks, as the workflow carries it out."""

from __future__ import annotations

import pytest

from models.clock_plan import ClockPlan, Extension, plan_clocks


@pytest.mark.parametrize(
    ("action", "from_state", "to_state", "params", "expected"),
    [
        (
            "accept",
            "registered",
            "handling",
            {},
            ClockPlan(stop=frozenset({"acceptance", "handling"}), start=("handling",)),
        ),
        ("assign", "handling", "handling", {"officer_id": "u"}, ClockPlan()),
        (
            "forward",
            "registered",
            "registered",
            {},
            ClockPlan(stop=frozenset({"acceptance", "level"}), start=("acceptance", "level")),
        ),
        (
            "forward",
            "handling",
            "registered",
            {},
            ClockPlan(
                stop=frozenset({"handling", "acceptance", "level"}), start=("acceptance", "level")
            ),
        ),
        (
            "reply",
            "handling",
            "replied",
            {},
            ClockPlan(
                stop=frozenset({"handling", "review_window", "level"}), start=("review_window",)
            ),
        ),
        (
            "reopen",
            "replied",
            "handling",
            {},
            ClockPlan(
                stop=frozenset({"review_window", "handling", "level"}), start=("handling", "level")
            ),
        ),
        (
            "request_review",
            "replied",
            "under_review",
            {},
            ClockPlan(stop=frozenset({"review_window", "review", "level"}), start=("review",)),
        ),
        ("suspend", "handling", "suspended", {"reason": "鉴定"}, ClockPlan(pause_reason="鉴定")),
        ("resume", "suspended", "handling", {}, ClockPlan(resume=True)),
        (
            "extend",
            "handling",
            "handling",
            {"days": 5, "reason": "复杂"},
            ClockPlan(extension=Extension("handling", 5, "复杂")),
        ),
        ("withdraw", "handling", "withdrawn", {}, ClockPlan(stop_all=True)),
        ("re_review_opinion", "under_re_review", "closed", {}, ClockPlan(stop_all=True)),
    ],
)
def test_plan(action, from_state, to_state, params, expected) -> None:
    assert plan_clocks(action, from_state, to_state, params) == expected
