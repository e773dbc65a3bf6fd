"""Alerts' and alert channels' bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from models.alerts import alert_label
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow
from models.text import CONTROL, CleanText
from petitionflow.egress import redact

MAX_BULK_ACK = 200  # one page of the list at most


class Delivery(BaseModel):
    channel: str
    target: str
    notification: int
    attempt: int
    status: str
    error: str
    at: datetime


class AlertOut(BaseModel):
    alert_id: str
    case_id: str
    kind: str
    kind_label: str
    clock_id: str | None
    unit_id: str
    level: str
    title: str
    message: str
    due_at: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    notifications: int
    deliveries: list[Delivery]


@dataclass(frozen=True, kw_only=True)
class AlertFilters:
    """``GET /alerts``' query: ``unit_id`` includes the subtree."""

    unit_id: str | None = None
    kind: str | None = None
    acknowledged: bool | None = None
    limit: int = 50
    cursor: str | None = None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class BulkAckIn(CleanText):
    """Alerts to acknowledge together (a case's alerts, as the dashboard groups them)."""

    alert_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=MAX_BULK_ACK
    )


class BulkAckOut(BaseModel):
    items: list[AlertOut]


class _ChannelIn(CleanText):
    unit_id: str = Field(min_length=1, max_length=200)
    secret: str = Field(default="", max_length=200)


class WebhookChannelIn(_ChannelIn):
    kind: Literal["webhook"]
    target: str = Field(
        max_length=500,
        pattern=rf"^https?://[^\s/?#{CONTROL}]+[^\s{CONTROL}]*$",
        description="the https URL that receives the signed JSON (http and private addresses "
        "only where PETITIONFLOW_WEBHOOK_ALLOW names them)",
    )


class EmailChannelIn(_ChannelIn):
    kind: Literal["email"]
    target: str = Field(
        max_length=320,
        pattern=rf"^[^@\s{CONTROL}]+@[^@\s{CONTROL}]+$",
        description="the address to mail",
    )


ChannelIn = Annotated[WebhookChannelIn | EmailChannelIn, Field(discriminator="kind")]


class ChannelOut(BaseModel):
    """A channel as shown: the target without credentials, never the secret."""

    id: str
    unit_id: str
    kind: str
    target: str
    enabled: bool
    created_at: datetime
    failing_since: datetime | None = None


def channel_out(row: AlertChannelRow) -> ChannelOut:
    return ChannelOut(
        id=row.id,
        unit_id=row.unit_id,
        kind=row.kind,
        target=redact(row.target),
        enabled=row.enabled,
        created_at=row.created_at,
        failing_since=row.failing_since,
    )


def alert_out(row: AlertRow, deliveries: list[AlertDeliveryRow]) -> AlertOut:
    return AlertOut(
        alert_id=row.alert_id,
        case_id=row.case_id,
        kind=row.kind,
        kind_label=alert_label(row.kind),
        clock_id=row.clock_id,
        unit_id=row.unit_id,
        level=row.level,
        title=row.title,
        message=row.message,
        due_at=row.due_at,
        created_at=row.created_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        notifications=row.notifications,
        deliveries=[
            Delivery(
                channel=d.channel,
                target=redact(d.target),  # rows written before targets were stored redacted
                notification=d.notification,
                attempt=d.attempt,
                status=d.status,
                error=d.error,
                at=d.at,
            )
            for d in deliveries
        ],
    )
