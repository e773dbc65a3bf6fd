"""Alert kinds: their labels, their message templates and whether an unacknowledged one is sent
again. Adding a kind is one entry here (and, if the workflow raises it, one call to ``_alert``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AlertKind = Literal[
    "warning",
    "breach",
    "escalation",
    "supervision",
    "unsatisfied",
    "channel_failing",
    "risk",
    "collective",
    "hand_over",
]
# Each channel kind is sent by the activity ``deliver_<kind>``; the worker refuses to start if one
# is missing (``workflows/alert.py``'s ``DELIVERY_ACTIVITIES``).
ChannelKind = Literal["webhook", "email"]


@dataclass(frozen=True)
class AlertKindSpec:
    label: str  # 中文, shown to officers and in e-mail subjects
    label_en: str
    # ``str.format`` fields: title, clock (its label), due (local time), unit, level (label)
    template: str
    renotifies: bool  # sent again every ``[alerts] renotify_every`` until acknowledged


ALERT_KINDS: dict[AlertKind, AlertKindSpec] = {
    "warning": AlertKindSpec("预警", "Warning", "【预警】“{title}”的{clock}将于 {due} 届满", False),
    "breach": AlertKindSpec("超期", "Breach", "【超期】“{title}”的{clock}已于 {due} 届满", True),
    "escalation": AlertKindSpec(
        "上报", "Escalation", "【上报】“{title}”已上报至{unit}（{level}）", False
    ),
    "supervision": AlertKindSpec(
        "督办", "Supervision", "【督办】“{title}”的{clock}已超期，请县级督办", True
    ),
    "unsatisfied": AlertKindSpec(
        "不满意", "Unsatisfied", "【不满意】“{title}”回访评价为不满意，可重新办理一次", False
    ),
    # Raised by the delivery activity about a channel, not a case (its case_id is empty).
    "channel_failing": AlertKindSpec("渠道故障", "Channel failing", "【渠道故障】{title}", False),
    # 预测预警 (issue 17): raised on the projection by a risk rule (``activities/risk.py``),
    # about a petitioner, a unit's category or a case; the message carries the figures.
    "risk": AlertKindSpec("风险预警", "Risk", "【风险预警】{title}", False),
    # 集体访: raised at registration, to the county the case starts at.
    "collective": AlertKindSpec(
        "集体访",
        "Collective petition",
        "【集体访】“{title}”为集体访，已由{unit}（{level}）办理",
        False,
    ),
    # 交办/会办: a unit was given a task (the lead's, or a co-handler's) on a case
    "hand_over": AlertKindSpec(
        "交办", "Hand-over", "【交办】“{title}”已交{unit}办理，{clock}至 {due}", False
    ),
}


def alert_label(kind: str) -> str:
    """The Chinese label of a stored kind (a kind this build does not know shows as itself)."""
    spec = ALERT_KINDS.get(kind)  # type: ignore[call-overload]
    return spec.label if spec else kind


@dataclass(frozen=True)
class DeliveryConfig:
    """How alerts leave the service (from the settings)."""

    public_url: str = "http://127.0.0.1:8000"  # links in messages point here
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "petitionflow@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    timeout_seconds: float = 10
