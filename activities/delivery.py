"""Sending alerts out: webhooks signed with HMAC-SHA256 and e-mail over SMTP — one attempt on
one channel (``send``) and its record (``record``), used by the sending of alerts
(``activities/alert_sending.py``) and by the delivery activities of the AlertWorkflows still
running from before it. Every attempt is logged on the alert (channel, target without
credentials, status, a generic error — never what the receiver answered, attempt). After
``max_failures`` failed attempts in a row a channel is marked failing (an alert to its unit says
so) and its failures are no longer retried; one delivery that gets through clears the mark. A
webhook's target is checked (``petitionflow/egress.py``) before each attempt; a refused target and
an e-mail that cannot be built are permanent failures."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import smtplib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
from cachetools import TTLCache
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.alerts import AlertKind, DeliveryConfig, alert_label
from models.boundary import AlertTargets, AlertTargetsRequest, DeliveryRequest, DeliveryTarget
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow, UnitRow
from models.vocabulary import LEVEL_LABELS, Level
from petitionflow.egress import TargetRefused, WebhookGuard, pinned_url, redact
from petitionflow.unit_tree import unit_path

SIGNATURE_HEADER = "X-Petitionflow-Signature"
MAX_FAILURES = 10  # failed attempts in a row before a channel is marked failing
# The retry budget of one notification on one channel: about a day, as the AlertWorkflow's
# retry policy gave it (1 min doubling to 30 min: ~22 h over 50 attempts).
MAX_ATTEMPTS = 50
RETRY_FIRST, RETRY_MAX = timedelta(minutes=1), timedelta(minutes=30)
CHANNELS_TTL = 300.0  # seconds a unit's channels are trusted at most (``ChannelCache``)
CHANNEL_FAILING: AlertKind = "channel_failing"  # the alert that tells the channel's unit
# Line breaks and other controls cannot be in a header (a case title may hold a newline).
_HEADER_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
log = logging.getLogger("petitionflow.delivery")


class DeliveryFailed(Exception):
    """An attempt that failed: ``reason`` is what the delivery row records; ``permanent`` when
    trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def channels_for(session: Session, unit_id: str) -> list[AlertChannelRow]:
    """The enabled channels of a unit and every unit above it."""
    units = [unit.id for unit in unit_path(session, unit_id)] or [unit_id]
    return list(
        session.exec(
            select(AlertChannelRow)
            .where(col(AlertChannelRow.unit_id).in_(units), col(AlertChannelRow.enabled))
            .order_by(col(AlertChannelRow.id))
        ).all()
    )


def targets_for(session: Session, unit_id: str) -> list[DeliveryTarget]:
    """The channels to send on; targets without credentials (they go into workflow histories)."""
    return [
        DeliveryTarget(channel_id=c.id, kind=c.kind, target=redact(c.target))
        for c in channels_for(session, unit_id)
    ]


def delivery_key(alert_id: str, channel_id: str, notification: int, attempt: int) -> str:
    """The delivery row's id: one row per attempt of one notification on one channel."""
    return f"{alert_id}:{channel_id}:{notification}:{attempt}"


def key_parts(key: str) -> tuple[str, int, int]:
    """(channel id, notification, attempt) of a delivery row's id (alert ids may hold colons,
    channel ids do not)."""
    _, channel_id, notification, attempt = key.rsplit(":", 3)
    return channel_id, int(notification), int(attempt)


def retry_delay(attempt: int) -> timedelta:
    """How long after failed ``attempt`` the next one is made."""
    return min(RETRY_FIRST * 2 ** min(attempt - 1, 16), RETRY_MAX)


@dataclass(frozen=True)
class UnitChannels:
    unit_name: str  # the alert's unit, as messages name it
    channels: tuple[AlertChannelRow, ...]  # detached rows: kind, target, secret


class ChannelCache:
    """A unit's channels (its own and those of every unit above it) and its name, kept per unit
    while the channels table is unchanged: in a midnight burst thousands of alerts of the same
    units would otherwise walk the same unit paths and read the same rows. Each look-up checks
    one cheap fingerprint of the table (how many channels are enabled, the newest one), so a
    channel added or disabled counts from the next alert on; ``ttl`` bounds how long an entry is
    trusted at all. Shared by the worker's threads."""

    def __init__(self, engine: Engine, ttl: float = CHANNELS_TTL) -> None:
        self._engine = engine
        self._cache: TTLCache[str, tuple[tuple[Any, ...], UnitChannels]] = TTLCache(
            maxsize=10_000, ttl=ttl
        )
        self._lock = threading.Lock()

    def get(self, unit_id: str) -> UnitChannels:
        with Session(self._engine) as session:
            stamp = tuple(session.exec(CHANNELS_STAMP).one())
            with self._lock:
                cached = self._cache.get(unit_id)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            unit = session.get(UnitRow, unit_id)
            found = UnitChannels(
                unit_name=unit.name if unit else unit_id,
                channels=tuple(channels_for(session, unit_id)),
            )
            session.expunge_all()
        with self._lock:
            self._cache[unit_id] = (stamp, found)
        return found


# What changes when a channel is added or disabled (channels are never edited in place).
CHANNELS_STAMP = select(
    func.count(col(AlertChannelRow.id)).filter(col(AlertChannelRow.enabled)),
    func.max(AlertChannelRow.created_at),
)


def header_text(value: str) -> str:
    """A header value on one line: runs of control characters become one space."""
    return _HEADER_CONTROLS.sub(" ", value).strip()


def _webhook_error(exc: httpx.HTTPError) -> str:
    """A generic reason: the exception's text may quote what the other side sent."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    return "request failed"


class AlertDelivery:
    def __init__(
        self,
        engine: Engine,
        config: DeliveryConfig,
        *,
        guard: WebhookGuard | None = None,
        max_failures: int = MAX_FAILURES,
    ) -> None:
        self._engine, self._config = engine, config
        self._guard, self._max_failures = guard or WebhookGuard(), max_failures
        # One client for every POST: building one (its TLS context) costs ~50 ms of CPU, which a
        # burst of alerts would pay per attempt. No connection is kept for reuse: each POST
        # connects afresh to the address the guard checked, with its own server name.
        self._http = httpx.Client(
            follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0)
        )

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

    # -- the delivery activities of AlertWorkflow (alerts raised before the alert sweep) ------
    @activity.defn(name="deliver_webhook")
    def deliver_webhook(self, request: DeliveryRequest) -> None:
        self._deliver(request)

    @activity.defn(name="deliver_email")
    def deliver_email(self, request: DeliveryRequest) -> None:
        self._deliver(request)

    def _deliver(self, request: DeliveryRequest) -> None:
        """One attempt as the activity's retry policy makes it; a failure raises for a retry,
        for good when it cannot succeed or the channel is failing."""
        alert, channel, unit_name = self._load(request)
        attempt = activity.info().attempt
        error = self.send(alert, channel, unit_name, request.notification, attempt)
        failing = self.record(alert.alert_id, channel, request.notification, attempt, error)
        if error:
            raise ApplicationError(
                f"{channel.kind} to {redact(channel.target)} failed: {error.reason}",
                type=(
                    "Undeliverable" if error.permanent else "ChannelFailing" if failing else None
                ),
                non_retryable=error.permanent or failing,
            )

    # -- one attempt --------------------------------------------------------------------------
    def send(
        self,
        alert: AlertRow,
        channel: AlertChannelRow,
        unit_name: str,
        notification: int,
        attempt: int,
        *,
        timeout: float | None = None,
    ) -> DeliveryFailed | None:
        """Send ``alert`` once on ``channel``; what failed, or None. ``timeout`` shortens the
        configured one."""
        limit = min(timeout or self._config.timeout_seconds, self._config.timeout_seconds)
        key = delivery_key(alert.alert_id, channel.id, notification, attempt)
        if channel.kind == "email":
            return self._send_email(key, alert, channel, unit_name, limit)
        body = json.dumps(self._payload(alert, unit_name), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(channel.secret, body),
            "X-Petitionflow-Alert-Id": alert.alert_id,
            "X-Petitionflow-Notification": str(notification),
        }
        try:
            self._post(channel.target, body, headers, limit)
        except DeliveryFailed as failed:
            return failed
        return None

    def _post(self, target: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
        """POST to the address the guard checked, redirects not followed."""
        try:
            host, port, address = self._guard.check(target)
        except TargetRefused as refused:
            raise DeliveryFailed(f"refused: {refused}", permanent=True) from None
        parts = urlsplit(target)
        default = 443 if parts.scheme == "https" else 80
        headers = headers | {"Host": host if port == default else f"{host}:{port}"}
        auth = (parts.username or "", parts.password or "") if parts.username else None
        try:
            response = self._http.request(
                "POST",
                pinned_url(target, address),
                content=body,
                headers=headers,
                auth=auth,
                timeout=timeout,
                extensions={"sni_hostname": host} if parts.scheme == "https" else None,
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(_webhook_error(exc)) from None
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")

    def _send_email(
        self, key: str, alert: AlertRow, channel: AlertChannelRow, unit_name: str, timeout: float
    ) -> DeliveryFailed | None:
        try:
            message = self._message(key, alert, channel, unit_name)
        except (ValueError, TypeError, LookupError) as exc:
            log.warning(
                "alert e-mail could not be built",
                extra={"alert_id": alert.alert_id, "channel_id": channel.id, "error": str(exc)},
            )
            return DeliveryFailed("message could not be built", permanent=True)
        cfg = self._config
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=timeout) as smtp:
                if cfg.smtp_starttls:
                    smtp.starttls()
                if cfg.smtp_user:
                    smtp.login(cfg.smtp_user, cfg.smtp_password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            return DeliveryFailed(f"{type(exc).__name__}: {exc}")
        return None

    def _message(
        self, key: str, alert: AlertRow, channel: AlertChannelRow, unit_name: str
    ) -> EmailMessage:
        """The e-mail, its headers on one line each and encoded by the e-mail policy (RFC 2047 for
        the Chinese subject); raises if a header still cannot be built."""
        message = EmailMessage(policy=policy.default)  # smtplib sends it with CRLF
        message["Subject"] = header_text(f"【{alert_label(alert.kind)}】{alert.title}")
        message["From"] = self._config.smtp_sender
        message["To"] = channel.target
        message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()}@petitionflow>"
        message.set_content(self._text(alert, unit_name))
        message.as_bytes()  # a header that cannot be written fails here, not in smtplib
        return message

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

    def record(
        self,
        alert_id: str,
        channel: AlertChannelRow,
        notification: int,
        attempt: int,
        error: DeliveryFailed | None,
        *,
        retry_from: datetime | None = None,
    ) -> bool:
        """Record the attempt (once, even if this write is itself retried) and the channel's run
        of failures; True if the channel is failing. With ``retry_from`` (the alert sweep's
        instant) a failure that may still succeed is planned for a retry after its backoff, and
        the attempt it retries is no longer pending."""
        target = redact(channel.target)
        with Session(self._engine) as session, session.begin():
            key = delivery_key(alert_id, channel.id, notification, attempt)
            retried = session.get(
                AlertDeliveryRow, delivery_key(alert_id, channel.id, notification, attempt - 1)
            )
            if retried is not None:
                retried.retry_at = None
            if session.get(AlertDeliveryRow, key) is None:
                row = AlertDeliveryRow(
                    id=key,
                    alert_id=alert_id,
                    channel=channel.kind,
                    target=target,
                    notification=notification,
                    attempt=attempt,
                    status="failed" if error else "sent",
                    error=error.reason[:1000] if error else "",
                    at=datetime.now(UTC),
                )
                alert = session.get(AlertRow, alert_id)
                if alert is not None and not error:
                    alert.notifications = max(alert.notifications, notification)
                self._count(session, channel.id, failed=error is not None)
                failing = self._failing(session, channel.id)
                retried_later = error and not (error.permanent or failing)
                if retry_from and retried_later and attempt < MAX_ATTEMPTS:
                    row.retry_at = retry_from + retry_delay(attempt)
                session.add(row)
                return failing
            return self._failing(session, channel.id)

    @staticmethod
    def _failing(session: Session, channel_id: str) -> bool:
        row = session.get(AlertChannelRow, channel_id)
        return row is not None and row.failing_since is not None

    def _count(self, session: Session, channel_id: str, *, failed: bool) -> None:
        """The channel's run of failed attempts; at ``max_failures`` it is marked failing and its
        unit gets an alert. A success ends the run and the mark."""
        row = session.get(AlertChannelRow, channel_id)
        if row is None:
            return
        if not failed:
            row.failures, row.failing_since = 0, None
            return
        row.failures += 1
        if row.failures < self._max_failures or row.failing_since is not None:
            return
        now = datetime.now(UTC)
        row.failing_since = now
        unit = session.get(UnitRow, row.unit_id)
        target = redact(row.target)
        log.warning("alert channel marked failing", extra={"channel_id": row.id})
        session.add(
            AlertRow(
                alert_id=f"channel.{row.id}.failing.{now.strftime('%Y%m%dT%H%M%S%f')}",
                case_id="",
                kind=CHANNEL_FAILING,
                occurrence=1,
                unit_id=row.unit_id,
                level=unit.level if unit else "",
                title=f"告警渠道发送失败：{target}",
                message=(
                    f"【渠道故障】告警渠道 {row.kind} {target} 已连续 {row.failures} 次发送失败，"
                    "已停止重试，请检查接收端 / the alert channel failed "
                    f"{row.failures} times in a row and is no longer retried"
                ),
                created_at=now,
            )
        )
