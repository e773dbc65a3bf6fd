"""Alerts sent without a workflow per alert. The activity that stores an alert sends its first
notice on every channel of its unit and the units above it (``first_notice``): one attempt each,
with a short timeout, side by side, so a channel that is down holds back neither the others nor
the case's outbox. Everything later is the alert sweep's (``send_due_alerts``, started every
minute by a Temporal Schedule): re-notifications of unacknowledged alerts every
``renotify_seconds`` and retries of failed attempts after their backoff (``activities/delivery.py``
``retry_delay``, at most ``MAX_ATTEMPTS`` per notification and channel). What is due when is kept
on the alert row (``notifications``, ``notified_at``, ``next_notify_at``) and the delivery rows
(``retry_at``); every attempt has its delivery row id (alert, channel, notification, attempt), so
a retried activity sends nothing twice that it has already recorded."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select
from temporalio import activity

from activities.delivery import (
    RETRY_FIRST,
    AlertDelivery,
    ChannelCache,
    DeliveryFailed,
    delivery_key,
    key_parts,
)
from models.boundary import AlertInput, AlertSweepResult, AlertSweepRun
from models.policy import Span
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow

FIRST_TIMEOUT = 5.0  # seconds the first notice waits for a channel (the sweep retries it)
SWEEP_SENDERS = 8  # alerts the sweep sends side by side
log = logging.getLogger("petitionflow.delivery")

Outcome = DeliveryFailed | None | bool  # the failure, None when sent, False when sent before


def renotify_seconds(alert: AlertInput) -> int | None:
    """How often an unacknowledged ``alert`` is sent again (None: once)."""
    if not alert.renotify_every:
        return None
    span = Span.model_validate(alert.renotify_every)
    return max(1, round(span.approximate().total_seconds()))


def alert_row(alert: AlertInput) -> AlertRow:
    """The row ``alert`` is stored as (what the messages are made from)."""
    return AlertRow(
        alert_id=alert.alert_id,
        case_id=alert.case_id,
        clock_id=alert.clock_id,
        kind=alert.kind,
        occurrence=alert.occurrence,
        unit_id=alert.unit_id,
        level=alert.level,
        title=alert.title,
        message=alert.message,
        due_at=alert.due_at,
        created_at=alert.at,
        renotify_seconds=renotify_seconds(alert),
    )


class AlertSending:
    def __init__(
        self,
        engine: Engine,
        delivery: AlertDelivery,
        channels: ChannelCache,
        *,
        first_timeout: float = FIRST_TIMEOUT,
    ) -> None:
        self._engine, self._delivery, self._channels = engine, delivery, channels
        self._first_timeout = first_timeout

    # -- the first notice ---------------------------------------------------------------------
    async def first_notice(self, alert: AlertInput, *, stored_now: bool) -> None:
        """Send a stored ``alert`` for the first time and plan what follows. ``stored_now``: this
        attempt stored it, so nothing of it was sent before. A warning with nowhere to go stays
        its row (the list, the live stream)."""
        every = renotify_seconds(alert)
        found = await asyncio.to_thread(self._channels.get, alert.unit_id)
        if not found.channels and every is None:
            return
        if not stored_now and not await asyncio.to_thread(self._unsent, alert.alert_id):
            return
        row, now = alert_row(alert), datetime.now(UTC)
        await asyncio.gather(
            *(
                asyncio.to_thread(
                    self._attempt,
                    row,
                    channel,
                    found.unit_name,
                    1,
                    1,
                    now,
                    checked=not stored_now,
                    timeout=self._first_timeout,
                )
                for channel in found.channels
            )
        )
        await asyncio.to_thread(self._settle, alert.alert_id, 1, now, every)

    def _unsent(self, alert_id: str) -> bool:
        """Stored but not sent out yet (a retry of the activity that stores it). Alerts of an
        AlertWorkflow of their own are that workflow's."""
        with Session(self._engine) as session:
            row = session.get(AlertRow, alert_id)
            return row is not None and not row.by_workflow and row.notifications == 0

    # -- the sweep ----------------------------------------------------------------------------
    @activity.defn(name="send_due_alerts")
    def send_due_alerts(self, run: AlertSweepRun) -> AlertSweepResult:
        """Send what is due as of ``run.as_of`` for at most ``run.limit`` alerts, the earliest
        due first: re-notifications of unacknowledged alerts and retries of failed attempts."""
        with Session(self._engine) as session:
            due = list(
                session.exec(
                    select(AlertRow)
                    .where(
                        col(AlertRow.next_notify_at) <= run.as_of,
                        col(AlertRow.acknowledged_at).is_(None),
                    )
                    .order_by(col(AlertRow.next_notify_at))
                    .limit(run.limit)
                ).all()
            )
            session.expunge_all()
        sent = failed = 0
        with ThreadPoolExecutor(SWEEP_SENDERS, thread_name_prefix="alert-sweep") as pool:
            for outcomes in pool.map(lambda a: self._guarded(a, run.as_of), due):
                sent += sum(o is None for o in outcomes)
                failed += sum(isinstance(o, DeliveryFailed) for o in outcomes)
                activity.heartbeat()
        if due:
            log.info("alert sweep", extra={"alerts": len(due), "sent": sent, "failed": failed})
        return AlertSweepResult(
            alerts=len(due), sent=sent, failed=failed, more=len(due) == run.limit
        )

    def _guarded(self, alert: AlertRow, as_of: datetime) -> list[Outcome]:
        """One alert's due sendings; one that fails on a defect is put back a minute, so it
        does not hold back the others (a database that is away fails the batch, retried)."""
        try:
            return self._sweep_one(alert, as_of)
        except DBAPIError:
            raise
        except Exception:
            log.exception("alert sweep failed on an alert", extra={"alert_id": alert.alert_id})
            with Session(self._engine) as session, session.begin():
                session.exec(
                    update(AlertRow)
                    .where(col(AlertRow.alert_id) == alert.alert_id)
                    .values(next_notify_at=as_of + RETRY_FIRST)
                )
            return []

    def _sweep_one(self, alert: AlertRow, as_of: datetime) -> list[Outcome]:
        found = self._channels.get(alert.unit_id)
        every, notified_at = alert.renotify_seconds, alert.notified_at
        attempts: list[tuple[AlertChannelRow, int]] = []
        if every and notified_at and notified_at + timedelta(seconds=every) <= as_of:
            # A new notification supersedes the retries of the last one.
            notification, notified_at = alert.notifications + 1, as_of
            self._drop_retries(alert.alert_id)
            attempts = [(channel, 1) for channel in found.channels]
        else:
            notification = alert.notifications
            by_id = {channel.id: channel for channel in found.channels}
            for row in self._due_retries(alert.alert_id, as_of):
                channel_id, of, attempt = key_parts(row.id)
                channel = by_id.get(channel_id)
                if channel is None or of != notification:  # removed since, or superseded
                    self._drop_retries(alert.alert_id, row.id)
                else:
                    attempts.append((channel, attempt + 1))
        outcomes = [
            self._attempt(alert, channel, found.unit_name, notification, attempt, as_of)
            for channel, attempt in attempts
        ]
        self._settle(alert.alert_id, notification, notified_at or as_of, every)
        return outcomes

    def _due_retries(self, alert_id: str, as_of: datetime) -> list[AlertDeliveryRow]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(AlertDeliveryRow).where(
                    AlertDeliveryRow.alert_id == alert_id,
                    col(AlertDeliveryRow.retry_at) <= as_of,
                )
            ).all()
            session.expunge_all()
            return list(rows)

    def _drop_retries(self, alert_id: str, key: str | None = None) -> None:
        with Session(self._engine) as session, session.begin():
            query = update(AlertDeliveryRow).where(
                col(AlertDeliveryRow.alert_id) == alert_id,
                col(AlertDeliveryRow.retry_at).is_not(None),
            )
            if key is not None:
                query = query.where(col(AlertDeliveryRow.id) == key)
            session.exec(query.values(retry_at=None))

    # -- shared -------------------------------------------------------------------------------
    def _attempt(
        self,
        alert: AlertRow,
        channel: AlertChannelRow,
        unit_name: str,
        notification: int,
        attempt: int,
        now: datetime,
        *,
        checked: bool = True,
        timeout: float | None = None,
    ) -> Outcome:
        """One attempt, unless it was made before (``checked``: look; a new alert has no
        attempts); recorded, and if it failed planned for a retry from ``now``."""
        if checked:
            key = delivery_key(alert.alert_id, channel.id, notification, attempt)
            with Session(self._engine) as session:
                if session.get(AlertDeliveryRow, key) is not None:
                    return False
        error = self._delivery.send(
            alert, channel, unit_name, notification, attempt, timeout=timeout
        )
        self._delivery.record(alert.alert_id, channel, notification, attempt, error, retry_from=now)
        if error:
            log.info(
                "alert delivery failed",
                extra={
                    "alert_id": alert.alert_id,
                    "channel_id": channel.id,
                    "notification": notification,
                    "attempt": attempt,
                    "error": error.reason,
                },
            )
        return error

    def _settle(
        self, alert_id: str, notification: int, notified_at: datetime, every: int | None
    ) -> None:
        """The alert's count and when the sweep next has something for it: its next
        re-notification or its earliest retry, whichever comes first (none once acknowledged)."""
        with Session(self._engine) as session, session.begin():
            row = session.get(AlertRow, alert_id)
            if row is None:
                return
            retry = session.exec(
                select(AlertDeliveryRow.retry_at)
                .where(
                    AlertDeliveryRow.alert_id == alert_id,
                    col(AlertDeliveryRow.retry_at).is_not(None),
                )
                .order_by(col(AlertDeliveryRow.retry_at))
                .limit(1)
            ).first()
            renotify = notified_at + timedelta(seconds=every) if every else None
            due = [t for t in (retry, renotify) if t is not None]
            row.notifications = max(row.notifications, notification)
            row.notified_at, row.renotify_seconds = notified_at, every
            row.next_notify_at = min(due) if due and row.acknowledged_at is None else None
