"""Sending alerts out: webhooks signed with HMAC-SHA256 and e-mail over SMTP. Every attempt is
logged on the alert (channel, target, status, error, attempt); a failed attempt raises so the
activity's retry policy tries again with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.alerts import DeliveryConfig, alert_label
from models.boundary import AlertTargets, AlertTargetsRequest, DeliveryRequest, DeliveryTarget
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow, UnitRow
from models.vocabulary import LEVEL_LABELS, Level

SIGNATURE_HEADER = "X-Petitionflow-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def channels_for(session: Session, unit_id: str) -> list[AlertChannelRow]:
    """The enabled channels of a unit and every unit above it."""
    units: list[str] = []
    current: str | None = unit_id
    while current is not None and len(units) < 20:
        units.append(current)
        unit = session.get(UnitRow, current)
        current = unit.parent_id if unit else None
    return list(
        session.exec(
            select(AlertChannelRow)
            .where(col(AlertChannelRow.unit_id).in_(units), col(AlertChannelRow.enabled))
            .order_by(col(AlertChannelRow.id))
        ).all()
    )


def targets_for(session: Session, unit_id: str) -> list[DeliveryTarget]:
    return [
        DeliveryTarget(channel_id=c.id, kind=c.kind, target=c.target)
        for c in channels_for(session, unit_id)
    ]


class AlertDelivery:
    def __init__(self, engine: Engine, config: DeliveryConfig) -> None:
        self._engine, self._config = engine, config

    # -- which channels -------------------------------------------------------------------------
    @activity.defn(name="alert_targets")
    def alert_targets(self, request: AlertTargetsRequest) -> AlertTargets:
        """The enabled channels of the alert's unit and every unit above it."""
        with Session(self._engine) as session:
            alert = session.get(AlertRow, request.alert_id)
            if alert is None:
                raise ApplicationError(f"no alert {request.alert_id}", type="ChannelGone")
            return AlertTargets(
                acknowledged=alert.acknowledged_at is not None,
                targets=targets_for(session, alert.unit_id),
            )

    # -- the channels ---------------------------------------------------------------------------
    @activity.defn(name="deliver_webhook")
    def deliver_webhook(self, request: DeliveryRequest) -> None:
        alert, channel, unit_name = self._load(request)
        body = json.dumps(self._payload(alert, unit_name), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(channel.secret, body),
            "X-Petitionflow-Alert-Id": alert.alert_id,
            "X-Petitionflow-Notification": str(request.notification),
        }
        try:
            response = httpx.post(
                channel.target, content=body, headers=headers, timeout=self._config.timeout_seconds
            )
            error = "" if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._log(request, channel, error)

    @activity.defn(name="deliver_email")
    def deliver_email(self, request: DeliveryRequest) -> None:
        alert, channel, unit_name = self._load(request)
        message = EmailMessage()
        message["Subject"] = f"【{alert_label(alert.kind)}】{alert.title}"
        message["From"] = self._config.smtp_sender
        message["To"] = channel.target
        message["Message-ID"] = (
            f"<{hashlib.sha256(self._key(request).encode()).hexdigest()}@petitionflow>"
        )
        message.set_content(self._text(alert, unit_name))
        cfg = self._config
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_seconds) as smtp:
                if cfg.smtp_starttls:
                    smtp.starttls()
                if cfg.smtp_user:
                    smtp.login(cfg.smtp_user, cfg.smtp_password or "")
                smtp.send_message(message)
            error = ""
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._log(request, channel, error)

    # -- helpers ------------------------------------------------------------------------------
    def _load(self, request: DeliveryRequest) -> tuple[AlertRow, AlertChannelRow, str]:
        with Session(self._engine) as session:
            alert = session.get(AlertRow, request.alert_id)
            channel = session.get(AlertChannelRow, request.channel_id)
            if alert is None or channel is None or not channel.enabled:
                raise ApplicationError("alert or channel removed", type="ChannelGone")
            unit = session.get(UnitRow, alert.unit_id)
            session.expunge_all()
        return alert, channel, unit.name if unit else alert.unit_id

    def _link(self, alert: AlertRow) -> str:
        return f"{self._config.public_url.rstrip('/')}/dashboard#/cases/{alert.case_id}"

    def _payload(self, alert: AlertRow, unit_name: str) -> dict[str, Any]:
        return {
            "alert_id": alert.alert_id,
            "case_id": alert.case_id,
            "kind": alert.kind,
            "clock_id": alert.clock_id,
            "unit_id": alert.unit_id,
            "unit_name": unit_name,
            "level": alert.level,
            "title": alert.title,
            "message": alert.message,
            "due_at": alert.due_at.isoformat() if alert.due_at else None,
            "created_at": alert.created_at.isoformat(),
            "link": self._link(alert),
        }

    def _text(self, alert: AlertRow, unit_name: str) -> str:
        level = LEVEL_LABELS[Level(alert.level)][0]
        due = alert.due_at.isoformat(timespec="minutes") if alert.due_at else "—"
        return (
            f"{alert.message}\n\n"
            f"案件：{alert.title}\n责任单位：{unit_name}（{level}）\n"
            f"期限：{alert.clock_id or '—'}，到期时间 {due}\n"
            f"查看：{self._link(alert)}\n"
        )

    @staticmethod
    def _key(request: DeliveryRequest) -> str:
        attempt = activity.info().attempt
        return f"{request.alert_id}:{request.channel_id}:{request.notification}:{attempt}"

    def _log(self, request: DeliveryRequest, channel: AlertChannelRow, error: str) -> None:
        """Record the attempt (once, even if this write is itself retried), then fail it."""
        with Session(self._engine) as session, session.begin():
            key = self._key(request)
            if session.get(AlertDeliveryRow, key) is None:
                session.add(
                    AlertDeliveryRow(
                        id=key,
                        alert_id=request.alert_id,
                        channel=channel.kind,
                        target=channel.target,
                        notification=request.notification,
                        attempt=activity.info().attempt,
                        status="failed" if error else "sent",
                        error=error[:1000],
                        at=datetime.now(UTC),
                    )
                )
                alert = session.get(AlertRow, request.alert_id)
                if alert is not None and not error:
                    alert.notifications = max(alert.notifications, request.notification)
        if error:
            raise ApplicationError(f"{channel.kind} to {channel.target} failed: {error}")
