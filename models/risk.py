"""预测预警 (risk early warning): the rules, their thresholds and what each finds. Pure: the
figures come in counted (``activities/risk.py`` counts them on the projection).

Read from the policy file's ``[risk]`` section as it stands today (like ``[retention]``, not
snapshotted into cases: a threshold applies from the next evaluation on). Every finding names a
subject that is never personal data: a petitioner's keyed hash, a unit and category, or a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.policy import Span, read_policy_file, read_policy_tables, validate_section

RiskRule = Literal["repeat_visits", "category_surge", "skip_level", "collective"]

RISK_RULE_LABELS: dict[str, tuple[str, str]] = {
    "repeat_visits": ("重复来访", "Repeated visits"),
    "category_surge": ("同类事项激增", "Category surge"),
    "skip_level": ("越级访", "Skipping a level"),
    "collective": ("集体访", "Collective petition"),
}


class RiskPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # a petitioner with this many visits (registrations and repeat visits) within the window
    repeat_visits: int = Field(default=3, ge=2)
    repeat_window: Span = Span.model_validate("P30D")
    # a category surging at a unit: new cases in the window ≥ factor × the weekly average of
    # the baseline before it, and at least min_cases
    surge_window: Span = Span.model_validate("P7D")
    surge_baseline: Span = Span.model_validate("P90D")
    surge_factor: float = Field(default=3.0, gt=1)
    surge_min_cases: int = Field(default=5, ge=1)
    skip_level: bool = True  # a visit received above the level of the open case it repeats
    collective: bool = True  # a registration of severity group (集体访)


def parse_risk(text: str, *, source: str = "<policy>") -> RiskPolicy:
    data = read_policy_tables(text, source=source).get("risk", {})
    return validate_section(RiskPolicy, data, source=f"{source} [risk]")


def load_risk(path: Path | None = None) -> RiskPolicy:
    text, source = read_policy_file(path)
    return parse_risk(text, source=source)


@dataclass(frozen=True)
class RiskFinding:
    rule: RiskRule
    subject: str  # never personal data
    unit_id: str  # whose supervisors see it
    case_ids: list[str]  # the cases behind it, latest last
    figures: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        label = RISK_RULE_LABELS[self.rule][0]
        f = self.figures
        detail = {
            "repeat_visits": lambda: f"同一信访人 {f['window_days']} 天内来访 {f['visits']} 次",
            "category_surge": lambda: (
                f"“{f['category']}”近 {f['window_days']} 天新增 {f['recent']} 件，"
                + (
                    f"为前 {f['baseline_days']} 天周均 {f['weekly_average']} 件的 {f['ratio']} 倍"
                    if f["ratio"] is not None
                    else f"前 {f['baseline_days']} 天无同类事项"
                )
            ),
            "skip_level": lambda: (
                f"在{f['received_level_label']}登记的事项已在{f['case_level_label']}办理中"
            ),
            "collective": lambda: "集体访登记",
        }[self.rule]()
        return f"【风险预警·{label}】{detail}（案件 {', '.join(self.case_ids[-5:])}）"


def repeat_visits(
    visits: list[tuple[str, datetime]], *, subject: str, unit_id: str, policy: RiskPolicy
) -> RiskFinding | None:
    """``visits``: (case id, when) of one petitioner within the window."""
    if len(visits) < policy.repeat_visits:
        return None
    ordered = sorted(visits, key=lambda v: v[1])
    return RiskFinding(
        "repeat_visits",
        subject,
        unit_id,
        list(dict.fromkeys(c for c, _ in ordered)),
        {
            "visits": len(visits),
            "threshold": policy.repeat_visits,
            "window_days": policy.repeat_window.approximate().days,
        },
    )


def category_surge(
    recent: list[str],
    baseline_count: int,
    *,
    unit_id: str,
    category: str,
    policy: RiskPolicy,
) -> RiskFinding | None:
    """``recent``: the unit's new cases of the category in the window; ``baseline_count``:
    its new cases of the category in the baseline period before the window."""
    weeks = policy.surge_baseline.approximate().total_seconds() / (7 * 86400)
    window_weeks = policy.surge_window.approximate().total_seconds() / (7 * 86400)
    average = baseline_count / weeks  # per week
    expected = average * window_weeks
    if len(recent) < policy.surge_min_cases or len(recent) < policy.surge_factor * expected:
        return None
    return RiskFinding(
        "category_surge",
        f"{unit_id}|{category}",
        unit_id,
        recent,
        {
            "category": category,
            "recent": len(recent),
            "baseline": baseline_count,
            "weekly_average": round(average, 2),
            "ratio": round(len(recent) / expected, 1) if expected else None,
            "factor": policy.surge_factor,
            "min_cases": policy.surge_min_cases,
            "window_days": policy.surge_window.approximate().days,
            "baseline_days": policy.surge_baseline.approximate().days,
        },
    )
