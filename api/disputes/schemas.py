"""Bodies of the mediation statistics and the risk list (issue 17).

Mediation statistics (``GET /api/v1/stats/mediation``) count the mediations of a unit subtree in
a period [``from``, ``to``), by the unit that mediated (the unit holding the case when the
mediation started or closed):

- *started*: ``start_mediation`` events in the period; *closed*: ``close_mediation`` events, by
  outcome (*agreements* 调解成功, *failed* 调解不成, *withdrawn* 退出调解) and, for the failed, by
  the legal channel they were referred to (*referrals*);
- *success_rate* = agreements ÷ closed (null when nothing closed);
- *without_litigation* (无讼): closed mediations that did not send the dispute to court (every
  closed one but those referred to litigation); *without_litigation_rate* = that ÷ closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MediationFigures(BaseModel):
    unit_id: str
    unit_name: str = ""
    started: int = 0
    closed: int = 0
    agreements: int = 0
    failed: int = 0
    withdrawn: int = 0
    referrals: dict[str, int] = Field(
        default_factory=lambda: {"litigation": 0, "arbitration": 0, "reconsideration": 0}
    )
    success_rate: float | None = None
    without_litigation: int = 0
    without_litigation_rate: float | None = None


class MediationStats(BaseModel):
    unit_id: str
    unit_name: str
    starts_at: datetime
    ends_at: datetime
    total: MediationFigures
    units: list[MediationFigures] = Field(description="each unit of the subtree that mediated")


class RiskOut(BaseModel):
    """A risk alert (预测预警) with what its rule found; acknowledged at ``/alerts/{id}/ack``."""

    alert_id: str
    rule: str
    rule_label: str
    rule_label_en: str
    subject: str = Field(
        description="what the rule is about: a petitioner's keyed hash, "
        "a unit and category, or a case (never personal data)"
    )
    unit_id: str
    message: str
    figures: dict[str, Any]
    case_ids: list[str] = Field(description="the cases behind it that the caller may read")
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class RiskPage(BaseModel):
    items: list[RiskOut]
