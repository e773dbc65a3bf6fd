"""Alerts sent without a workflow of their own: the first notice from ``record_alert`` (once,
however often the activity runs), then the alert sweep (``send_due_alerts``, driven here with a
pinned instant): retries of failed attempts with backoff within their budget, re-notification
every ``renotify_every`` until acknowledged, and channel look-ups kept per unit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import ActivityEnvironment

from activities.alert_sending import AlertSending
from activities.delivery import (
    MAX_ATTEMPTS,
    AlertDelivery,
    ChannelCache,
    DeliveryConfig,
    retry_delay,
)
from activities.projection import ProjectionActivities
from api.alerts.repository import AlertRepository
from models.boundary import AlertInput, AlertSweepResult, AlertSweepRun
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow
from tests.activities.test_delivery import (  # noqa: F401  (fixtures)
    LOCAL,
    SECRET,
    T0,
    Mailbox,
    Receiver,
    add_channel,
    mailbox,
    receiver,
)
from tests.conftest import FIELD_CIPHER

DAY = timedelta(days=1)


def breach(alert_id: str = "c-1.acceptance-1.breach.1", **changes: object) -> AlertInput:
    values: dict[str, object] = {
        "alert_id": alert_id,
        "case_id": "c-1",
        "clock_id": "acceptance#1",
        "kind": "breach",
        "occurrence": 1,
        "unit_id": "pinghu.danghu.dongmen",
        "level": "village",
        "title": "小区物业费争议",
        "message": "【超期】“小区物业费争议”的受理告知期限已届满",
        "due_at": T0,
        "at": T0,
        "renotify_every": "P1D",
    }
    return AlertInput.model_validate(values | changes)


class Alerts:
    """The worker's alert objects over one database: record_alert and the sweep."""

    def __init__(self, engine: Engine, config: DeliveryConfig, max_failures: int = 10) -> None:
        self.engine = engine
        delivery = AlertDelivery(engine, config, guard=LOCAL, max_failures=max_failures)
        # no caching here: the tests change channels between sendings
        self.sending = AlertSending(engine, delivery, ChannelCache(engine, ttl=0))
        self.projection = ProjectionActivities(engine, fields=FIELD_CIPHER, sending=self.sending)

    async def record(self, alert: AlertInput) -> bool:
        return bool(await ActivityEnvironment().run(self.projection.record_alert, alert))

    def sweep(self, as_of: datetime, limit: int = 200) -> AlertSweepResult:
        run = AlertSweepRun(as_of=as_of, limit=limit)
        return ActivityEnvironment().run(self.sending.send_due_alerts, run)

    def row(self, alert_id: str = "c-1.acceptance-1.breach.1") -> AlertRow:
        with Session(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            assert row is not None
            return row

    def deliveries(self) -> list[AlertDeliveryRow]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(AlertDeliveryRow).order_by(
                        col(AlertDeliveryRow.notification), col(AlertDeliveryRow.attempt)
                    )
                ).all()
            )


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def alerts(db: Engine, mailbox: Mailbox) -> Iterator[Alerts]:  # noqa: F811
    yield Alerts(db, DeliveryConfig(smtp_port=mailbox.port, timeout_seconds=5))


def never_failing(alerts: Alerts) -> Alerts:
    """The same database, its channels never marked failing (to see the retry budget)."""
    return Alerts(alerts.engine, DeliveryConfig(), max_failures=10_000)


def posted(receiver: Receiver) -> list[tuple[str, str]]:  # noqa: F811
    """(alert id, notification) of every POST the receiver got."""
    return [
        (r.headers["X-Petitionflow-Alert-Id"], r.headers["X-Petitionflow-Notification"])
        for r in receiver.requests
    ]


# -- the first notice ---------------------------------------------------------------------------


async def test_first_notice_goes_out_once_on_every_channel(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
    mailbox: Mailbox,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    add_channel(alerts.engine, "ch-mail", "email", "duban@pinghu.gov.cn", unit_id="pinghu")
    assert await alerts.record(breach()) is True
    assert await alerts.record(breach()) is False  # the activity retried: nothing sent again
    assert posted(receiver) == [("c-1.acceptance-1.breach.1", "1")]
    assert json.loads(receiver.requests[0].body)["kind"] == "breach"
    assert len(mailbox.mails) == 1
    assert {(d.id.split(":")[1], d.status) for d in alerts.deliveries()} == {
        ("ch-hook", "sent"),
        ("ch-mail", "sent"),
    }
    row = alerts.row()
    assert (row.notifications, row.renotify_seconds, row.by_workflow) == (1, 86_400, False)
    assert row.notified_at is not None and row.next_notify_at == row.notified_at + DAY


async def test_a_retry_after_sending_but_before_settling_sends_nothing_twice(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    """A worker that dies after the POST was recorded but before the alert row says so runs
    ``record_alert`` again: the delivery row stops a second POST."""
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    await alerts.record(breach())
    with Session(alerts.engine) as session, session.begin():
        row = session.get(AlertRow, "c-1.acceptance-1.breach.1")
        assert row is not None
        row.notifications, row.notified_at, row.next_notify_at = 0, None, None
    await alerts.record(breach())
    assert len(receiver.requests) == 1
    assert alerts.row().notifications == 1 and alerts.row().next_notify_at is not None


async def test_a_warning_with_nowhere_to_go_is_only_its_row(alerts: Alerts) -> None:
    warning = breach("c-1.acceptance-1.warning.1", kind="warning", renotify_every=None)
    assert await alerts.record(warning) is True
    row = alerts.row(warning.alert_id)
    assert (row.notifications, row.notified_at, row.next_notify_at) == (0, None, None)
    assert alerts.deliveries() == []


async def test_a_failing_channel_holds_back_neither_the_others_nor_the_activity(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-down", "webhook", "http://127.0.0.1:9/down", unit_id="pinghu")
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    assert await alerts.record(breach()) is True  # no exception: the sweep retries
    assert len(receiver.requests) == 1
    failed = next(d for d in alerts.deliveries() if d.status == "failed")
    assert (failed.error, failed.attempt) == ("connection failed", 1)
    row = alerts.row()
    assert row.notified_at is not None
    assert failed.retry_at == row.notified_at + retry_delay(1) == row.next_notify_at


# -- the sweep: retries -------------------------------------------------------------------------


async def test_the_sweep_retries_a_failed_delivery_after_its_backoff(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    receiver.status = 503
    await alerts.record(breach())
    sent_at = alerts.row().notified_at
    assert sent_at is not None

    assert alerts.sweep(sent_at + timedelta(seconds=30)).alerts == 0  # not due yet
    result = alerts.sweep(sent_at + retry_delay(1))  # due: tried again, fails again
    assert (result.alerts, result.sent, result.failed) == (1, 0, 1)
    second = sent_at + retry_delay(1)
    assert alerts.row().next_notify_at == second + retry_delay(2)  # the backoff doubles

    receiver.status = 200
    result = alerts.sweep(second + retry_delay(2))
    assert (result.sent, result.failed) == (1, 0)
    assert posted(receiver) == [("c-1.acceptance-1.breach.1", "1")] * 3  # one notification
    assert [(d.attempt, d.status, d.retry_at) for d in alerts.deliveries()] == [
        (1, "failed", None),
        (2, "failed", None),
        (3, "sent", None),
    ]
    row = alerts.row()  # retried within notification 1: its period still counts from then
    assert (row.notifications, row.next_notify_at) == (1, sent_at + DAY)


async def test_retries_stop_at_the_budget_and_the_next_notification_tries_again(
    alerts: Alerts,
) -> None:
    alerts = never_failing(alerts)
    add_channel(alerts.engine, "ch-down", "webhook", "http://127.0.0.1:9/down")
    await alerts.record(breach(renotify_every="P30D"))
    row = alerts.row()
    assert row.notified_at is not None
    while (due := alerts.row().next_notify_at) is not None and due < row.notified_at + DAY:
        alerts.sweep(due)
    attempts = [(d.notification, d.attempt) for d in alerts.deliveries()]
    assert attempts == [(1, n) for n in range(1, MAX_ATTEMPTS + 1)]
    budget = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=20) < budget < timedelta(hours=24)  # about a day, as before
    assert all(d.retry_at is None for d in alerts.deliveries())
    assert alerts.row().next_notify_at == row.notified_at + timedelta(days=30)

    alerts.sweep(row.notified_at + timedelta(days=30))  # the next notification: one try again
    assert [(d.notification, d.attempt) for d in alerts.deliveries()][-1] == (2, 1)


async def test_a_removed_channel_is_not_retried(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    receiver.status = 500
    await alerts.record(breach())
    with Session(alerts.engine) as session, session.begin():
        channel = session.get(AlertChannelRow, "ch-hook")
        assert channel is not None
        channel.enabled = False
    sent_at = alerts.row().notified_at
    assert sent_at is not None
    assert alerts.sweep(sent_at + retry_delay(1)).sent == 0
    assert len(receiver.requests) == 1
    assert [d.retry_at for d in alerts.deliveries()] == [None]
    assert alerts.row().next_notify_at == sent_at + DAY


async def test_a_channel_marked_failing_is_not_retried(alerts: Alerts) -> None:
    alerts = Alerts(alerts.engine, DeliveryConfig(), max_failures=2)
    add_channel(alerts.engine, "ch-down", "webhook", "http://127.0.0.1:9/down")
    await alerts.record(breach())
    sent_at = alerts.row().notified_at
    assert sent_at is not None
    alerts.sweep(sent_at + retry_delay(1))  # the second failure in a row marks it failing
    with Session(alerts.engine) as session:
        channel = session.get(AlertChannelRow, "ch-down")
        assert channel is not None and channel.failing_since is not None
        kinds = session.exec(select(AlertRow.kind)).all()
    assert sorted(kinds) == ["breach", "channel_failing"]
    assert [(d.attempt, d.retry_at) for d in alerts.deliveries()] == [(1, None), (2, None)]
    assert alerts.row().next_notify_at == sent_at + DAY  # the next notification tries once


# -- the sweep: re-notification -----------------------------------------------------------------


async def test_renotified_every_period_until_acknowledged(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    once = breach("c-1.acceptance-1.escalation.1", kind="escalation", renotify_every=None)
    await alerts.record(breach())
    await alerts.record(once)
    sent_at = alerts.row().notified_at
    assert sent_at is not None

    assert alerts.sweep(sent_at + DAY - timedelta(seconds=1)).alerts == 0
    assert alerts.sweep(sent_at + DAY).sent == 1
    assert alerts.sweep(sent_at + DAY + timedelta(hours=1)).alerts == 0  # counted from then
    assert alerts.sweep(sent_at + 2 * DAY).sent == 1
    assert posted(receiver) == [
        ("c-1.acceptance-1.breach.1", "1"),
        ("c-1.acceptance-1.escalation.1", "1"),  # sent once: it does not renotify
        ("c-1.acceptance-1.breach.1", "2"),
        ("c-1.acceptance-1.breach.1", "3"),
    ]
    assert alerts.row().notifications == 3
    assert alerts.row(once.alert_id).next_notify_at is None

    with Session(alerts.engine) as session:  # as POST /alerts/{id}/ack does
        row = session.get(AlertRow, "c-1.acceptance-1.breach.1")
        assert row is not None
        AlertRepository(session).acknowledge(row, by="u-supervisor")
    assert alerts.row().next_notify_at is None
    assert alerts.sweep(sent_at + 10 * DAY).alerts == 0
    assert len(receiver.requests) == 4


async def test_a_renotification_run_again_sends_nothing_twice(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    """The sweep's activity retried after it sent notification 2 but before the row said so."""
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    await alerts.record(breach())
    sent_at = alerts.row().notified_at
    assert sent_at is not None
    alerts.sweep(sent_at + DAY)
    with Session(alerts.engine) as session, session.begin():
        row = session.get(AlertRow, "c-1.acceptance-1.breach.1")
        assert row is not None
        row.notifications, row.notified_at, row.next_notify_at = 1, sent_at, sent_at + DAY
    alerts.sweep(sent_at + DAY)
    assert posted(receiver) == [
        ("c-1.acceptance-1.breach.1", "1"),
        ("c-1.acceptance-1.breach.1", "2"),
    ]


async def test_the_sweep_works_in_bounded_batches_earliest_first(
    alerts: Alerts,
    receiver: Receiver,  # noqa: F811
) -> None:
    add_channel(alerts.engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    for n in range(5):
        await alerts.record(breach(f"c-{n}.acceptance-1.breach.1", case_id=f"c-{n}"))
    latest = max(alerts.row(f"c-{n}.acceptance-1.breach.1").notified_at or T0 for n in range(5))
    first = alerts.sweep(latest + DAY, limit=3)
    assert (first.alerts, first.more) == (3, True)
    second = alerts.sweep(latest + DAY, limit=3)
    assert (second.alerts, second.more) == (2, False)
    assert sorted(n for _, n in posted(receiver)) == ["1"] * 5 + ["2"] * 5


# -- channel look-ups ---------------------------------------------------------------------------


def test_a_units_channels_are_kept_until_a_channel_is_added_or_disabled(db: Engine) -> None:
    cache = ChannelCache(db, ttl=3600)
    add_channel(db, "ch-1", "email", "a@x.cn")
    found = cache.get("pinghu.danghu.dongmen")
    assert (found.unit_name, [c.id for c in found.channels]) == ("东门社区", ["ch-1"])
    assert cache.get("pinghu.danghu.dongmen") is found  # kept while nothing changed
    add_channel(db, "ch-2", "email", "b@x.cn")  # at the town above: counts at once
    assert [c.id for c in cache.get("pinghu.danghu.dongmen").channels] == ["ch-1", "ch-2"]
    with Session(db) as session:
        row = session.get(AlertChannelRow, "ch-1")
        assert row is not None
        row.enabled = False
        session.commit()
    assert [c.id for c in cache.get("pinghu.danghu.dongmen").channels] == ["ch-2"]
