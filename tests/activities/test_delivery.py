"""The delivery activities on their own: a real (SQLite) database, a local HTTP receiver and a
local SMTP server. Webhook body and signature, e-mail subject and text, one delivery row per
attempt however often an attempt runs, and the channel lookups."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.delivery import (
    SIGNATURE_HEADER,
    AlertDelivery,
    DeliveryConfig,
    channels_for,
    targets_for,
)
from models.alerts import ALERT_KINDS
from models.boundary import DeliveryRequest, DeliveryTarget
from models.tables import AlertChannelRow, AlertDeliveryRow, AlertRow
from petitionflow.egress import WebhookGuard

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ALERT_ID = "c-1.acceptance.breach.1"
SECRET = "webhook-secret-123"
PUBLIC_URL = "https://petitions.pinghu.gov.cn/"
LOCAL = WebhookGuard.parse("127.0.0.1")  # the local receiver is an allow-listed intranet hook


# -- receivers ----------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port, answering ``receiver.status``."""
    received = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(received.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler) as url:
        received.url = url
        yield received


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on a free local port, in a thread; yields the URL of its ``/hook``."""
    handler.log_message = lambda self, format, *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    smtp = Controller(box, hostname="127.0.0.1", port=box.port)
    smtp.start()
    yield box
    smtp.stop()


# -- data ---------------------------------------------------------------------------------------


def add_alert(engine: Engine, kind: str = "breach", **changes: Any) -> AlertRow:
    row = AlertRow(
        alert_id=ALERT_ID,
        case_id="c-1",
        clock_id="acceptance",
        kind=kind,
        occurrence=1,
        unit_id="pinghu.danghu.dongmen",
        level="village",
        title="小区物业费争议",
        message="【超期】“小区物业费争议”的受理告知期限已于 2026-03-02 09:00 届满",
        due_at=T0,
        created_at=T0 + timedelta(minutes=1),
    )
    for name, value in changes.items():
        setattr(row, name, value)
    with Session(engine) as session, session.begin():
        session.add(row)
    return row


def add_channel(
    engine: Engine,
    channel_id: str,
    kind: str,
    target: str,
    *,
    unit_id: str = "pinghu.danghu",
    secret: str = "",
    enabled: bool = True,
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            AlertChannelRow(
                id=channel_id,
                unit_id=unit_id,
                kind=kind,
                target=target,
                secret=secret,
                enabled=enabled,
                created_at=T0,
            )
        )


def deliveries(engine: Engine) -> list[AlertDeliveryRow]:
    with Session(engine) as session:
        return list(session.exec(select(AlertDeliveryRow).order_by(col(AlertDeliveryRow.id))).all())


def notifications(engine: Engine) -> int:
    with Session(engine) as session:
        alert = session.get(AlertRow, ALERT_ID)
        assert alert is not None
        return alert.notifications


def attempt(number: int) -> ActivityEnvironment:
    """An activity context as Temporal gives it to the ``number``-th attempt."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=number)
    return env


def request(channel_id: str, notification: int = 1) -> DeliveryRequest:
    return DeliveryRequest(alert_id=ALERT_ID, channel_id=channel_id, notification=notification)


@pytest.fixture
def delivery(engine: Engine, mailbox: Mailbox) -> AlertDelivery:
    config = DeliveryConfig(
        public_url=PUBLIC_URL, smtp_port=mailbox.port, smtp_sender="alerts@pinghu.gov.cn"
    )
    return AlertDelivery(engine, config, guard=LOCAL)


# -- webhooks -----------------------------------------------------------------------------------


def test_webhook_posts_the_alert_signed_with_the_channel_secret(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, secret=SECRET)

    attempt(1).run(delivery.deliver_webhook, request("ch-hook", notification=2))

    (sent,) = receiver.requests
    assert sent.path == "/hook"
    expected = "sha256=" + hmac.new(SECRET.encode(), sent.body, hashlib.sha256).hexdigest()
    assert sent.headers[SIGNATURE_HEADER] == expected
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sent.headers["X-Petitionflow-Alert-Id"] == ALERT_ID
    assert sent.headers["X-Petitionflow-Notification"] == "2"
    assert "小区物业费争议".encode() in sent.body  # UTF-8 as it is, not \\u escapes
    assert json.loads(sent.body) == {
        "alert_id": ALERT_ID,
        "case_id": "c-1",
        "kind": "breach",
        "clock_id": "acceptance",
        "unit_id": "pinghu.danghu.dongmen",
        "unit_name": "东门社区",
        "level": "village",
        "title": "小区物业费争议",
        "message": "【超期】“小区物业费争议”的受理告知期限已于 2026-03-02 09:00 届满",
        "due_at": "2026-03-02T01:00:00+00:00",
        "created_at": "2026-03-02T01:01:00+00:00",
        "link": "https://petitions.pinghu.gov.cn/dashboard#/cases/c-1",
    }
    (row,) = deliveries(engine)
    assert (row.id, row.status, row.error) == (f"{ALERT_ID}:ch-hook:2:1", "sent", "")
    assert (row.channel, row.target, row.notification, row.attempt) == (
        "webhook",
        receiver.url,
        2,
        1,
    )
    assert notifications(engine) == 2


def test_webhook_signature_changes_with_the_secret(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver
) -> None:
    add_alert(engine, due_at=None, clock_id=None)
    add_channel(engine, "ch-a", "webhook", receiver.url, secret="one")
    add_channel(engine, "ch-b", "webhook", receiver.url, secret="two")
    attempt(1).run(delivery.deliver_webhook, request("ch-a"))
    attempt(1).run(delivery.deliver_webhook, request("ch-b"))
    first, second = receiver.requests
    assert first.body == second.body
    assert json.loads(first.body)["due_at"] is None
    assert first.headers[SIGNATURE_HEADER] != second.headers[SIGNATURE_HEADER]
    for sent, secret in ((first, "one"), (second, "two")):
        digest = hmac.new(secret.encode(), sent.body, hashlib.sha256).hexdigest()
        assert sent.headers[SIGNATURE_HEADER] == f"sha256={digest}"


def test_webhook_answering_an_error_is_logged_and_raised_for_a_retry(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    receiver.status = 503
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    assert not failed.value.non_retryable and failed.value.type != "ChannelGone"
    assert "HTTP 503" in str(failed.value)
    (row,) = deliveries(engine)
    assert (row.status, row.error, row.attempt) == ("failed", "HTTP 503", 1)
    assert notifications(engine) == 0

    receiver.status = 200  # the retry gets through: a row of its own
    attempt(2).run(delivery.deliver_webhook, request("ch-hook"))
    assert [(r.attempt, r.status) for r in deliveries(engine)] == [(1, "failed"), (2, "sent")]
    assert notifications(engine) == 1


def test_unreachable_webhook_is_logged_with_the_connection_error(
    engine: Engine, delivery: AlertDelivery
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    assert str(failed.value).startswith("webhook to http://127.0.0.1:")
    (row,) = deliveries(engine)
    assert (row.status, row.error) == ("failed", "connection failed")


# -- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label"), [(kind, spec.label) for kind, spec in sorted(ALERT_KINDS.items())]
)
def test_email_subject_carries_the_chinese_kind_label(
    engine: Engine, delivery: AlertDelivery, mailbox: Mailbox, kind: str, label: str
) -> None:
    add_alert(engine, kind=kind)
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn", unit_id="pinghu")

    attempt(1).run(delivery.deliver_email, request("ch-mail"))

    ((sender, recipients, mail),) = mailbox.mails
    assert mail["Subject"] == f"【{label}】小区物业费争议"
    assert (sender, recipients) == ("alerts@pinghu.gov.cn", ["duban@pinghu.gov.cn"])
    assert (mail["From"], mail["To"]) == ("alerts@pinghu.gov.cn", "duban@pinghu.gov.cn")
    (row,) = deliveries(engine)
    assert (row.channel, row.status, row.target) == ("email", "sent", "duban@pinghu.gov.cn")


def test_email_text_and_message_id(
    engine: Engine, delivery: AlertDelivery, mailbox: Mailbox
) -> None:
    add_alert(engine, kind="supervision")
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn")

    attempt(3).run(delivery.deliver_email, request("ch-mail", notification=2))

    ((_, _, mail),) = mailbox.mails
    assert mail["Subject"] == "【督办】小区物业费争议"
    key = f"{ALERT_ID}:ch-mail:2:3"
    assert mail["Message-ID"] == f"<{hashlib.sha256(key.encode()).hexdigest()}@petitionflow>"
    text = mail.get_content()
    assert text.startswith("【超期】“小区物业费争议”的受理告知期限已于 2026-03-02 09:00 届满\n\n")
    assert "案件：小区物业费争议\n" in text
    assert "责任单位：东门社区（村/社区）\n" in text
    assert "期限：acceptance，到期时间 2026-03-02T01:00+00:00\n" in text
    assert "查看：https://petitions.pinghu.gov.cn/dashboard#/cases/c-1\n" in text
    (row,) = deliveries(engine)
    assert (row.id, row.notification, row.attempt) == (key, 2, 3)
    assert notifications(engine) == 2


def test_unknown_kind_shows_as_itself(
    engine: Engine, delivery: AlertDelivery, mailbox: Mailbox
) -> None:
    add_alert(engine, kind="reminder")  # stored by a newer build
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn")
    attempt(1).run(delivery.deliver_email, request("ch-mail"))
    assert mailbox.mails[0][2]["Subject"] == "【reminder】小区物业费争议"


def test_smtp_server_down_is_logged_and_raised_for_a_retry(engine: Engine) -> None:
    add_alert(engine)
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn")
    down = AlertDelivery(engine, DeliveryConfig(smtp_port=free_port(), timeout_seconds=2))
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(down.deliver_email, request("ch-mail"))
    assert str(failed.value).startswith("email to duban@pinghu.gov.cn failed: ")
    (row,) = deliveries(engine)
    assert row.status == "failed" and row.error.startswith("ConnectionRefusedError")


# -- idempotency --------------------------------------------------------------------------------


def test_an_attempt_run_again_with_the_same_ids_writes_one_row(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver, mailbox: Mailbox
) -> None:
    """A worker that dies after sending but before reporting runs the same attempt again: the
    message may go out twice (at least once), but the attempt is logged once."""
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn")

    for _ in range(2):
        attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
        attempt(1).run(delivery.deliver_email, request("ch-mail"))

    assert len(receiver.requests) == 2 and len(mailbox.mails) == 2
    assert [(r.id, r.status) for r in deliveries(engine)] == [
        (f"{ALERT_ID}:ch-hook:1:1", "sent"),
        (f"{ALERT_ID}:ch-mail:1:1", "sent"),
    ]
    assert notifications(engine) == 1


def test_a_failed_attempt_run_again_writes_one_row(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    receiver.status = 500
    for _ in range(2):
        with pytest.raises(ApplicationError):
            attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    receiver.status = 200
    attempt(1).run(delivery.deliver_webhook, request("ch-hook"))  # the first outcome stands
    (row,) = deliveries(engine)
    assert (row.status, row.error) == ("failed", "HTTP 500")
    assert notifications(engine) == 0


def test_an_older_notification_never_lowers_the_count(
    engine: Engine, delivery: AlertDelivery, receiver: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, secret=SECRET)
    attempt(1).run(delivery.deliver_webhook, request("ch-hook", notification=3))
    attempt(5).run(delivery.deliver_webhook, request("ch-hook", notification=2))
    assert notifications(engine) == 3
    assert [(r.notification, r.attempt) for r in deliveries(engine)] == [(2, 5), (3, 1)]


# -- removed alerts and channels -------------------------------------------------------------------


@pytest.mark.parametrize("activity_name", ["deliver_webhook", "deliver_email"])
@pytest.mark.parametrize("missing", ["alert", "channel", "disabled"])
def test_removed_alert_or_channel_is_not_retried(
    engine: Engine,
    delivery: AlertDelivery,
    receiver: Receiver,
    mailbox: Mailbox,
    activity_name: str,
    missing: str,
) -> None:
    if missing != "alert":
        add_alert(engine)
    if missing != "channel":
        kind = activity_name.removeprefix("deliver_")
        target = receiver.url if kind == "webhook" else "duban@pinghu.gov.cn"
        add_channel(engine, "ch-1", kind, target, enabled=missing != "disabled")
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(getattr(delivery, activity_name), request("ch-1"))
    assert failed.value.type == "ChannelGone"  # the workflow's DELIVERY policy won't retry it
    assert receiver.requests == [] and mailbox.mails == []
    assert deliveries(engine) == []


# -- which channels -----------------------------------------------------------------------------


@pytest.fixture
def channels(engine: Engine) -> None:
    """Channels along the dongmen → danghu → pinghu path and one beside it."""
    add_channel(engine, "ch-1-village", "email", "dongmen@x.cn", unit_id="pinghu.danghu.dongmen")
    add_channel(engine, "ch-2-town", "webhook", "http://danghu.test/h", unit_id="pinghu.danghu")
    add_channel(engine, "ch-3-county", "email", "pinghu@x.cn", unit_id="pinghu")
    add_channel(engine, "ch-4-off", "email", "off@x.cn", unit_id="pinghu", enabled=False)
    add_channel(engine, "ch-5-other-town", "email", "zhapu@x.cn", unit_id="pinghu.zhapu")
    add_channel(engine, "ch-0-other-village", "email", "ts@x.cn", unit_id="pinghu.zhapu.tangshan")


@pytest.mark.usefixtures("channels")
def test_alert_targets_are_the_enabled_channels_of_the_unit_and_above(
    engine: Engine, delivery: AlertDelivery
) -> None:
    add_alert(engine)
    found = attempt(1).run(delivery.alert_targets, request(""))
    assert found.acknowledged is False
    assert found.targets == [
        DeliveryTarget(channel_id="ch-1-village", kind="email", target="dongmen@x.cn"),
        DeliveryTarget(channel_id="ch-2-town", kind="webhook", target="http://danghu.test/h"),
        DeliveryTarget(channel_id="ch-3-county", kind="email", target="pinghu@x.cn"),
    ]


@pytest.mark.usefixtures("channels")
def test_alert_targets_say_when_the_alert_is_acknowledged(
    engine: Engine, delivery: AlertDelivery
) -> None:
    add_alert(engine, unit_id="pinghu.zhapu", acknowledged_at=T0, acknowledged_by="u-supervisor")
    found = attempt(1).run(delivery.alert_targets, request(""))
    assert found.acknowledged is True
    assert [t.channel_id for t in found.targets] == ["ch-3-county", "ch-5-other-town"]


def test_alert_targets_of_a_missing_alert(engine: Engine, delivery: AlertDelivery) -> None:
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(delivery.alert_targets, request(""))
    assert failed.value.type == "ChannelGone"


@pytest.mark.usefixtures("channels")
@pytest.mark.parametrize(
    ("unit_id", "expected"),
    [
        ("pinghu", ["ch-3-county"]),
        ("pinghu.zhapu.tangshan", ["ch-0-other-village", "ch-3-county", "ch-5-other-town"]),
        ("pinghu.danghu", ["ch-2-town", "ch-3-county"]),
        ("nowhere", []),  # a unit that is gone has no channels, and no error
    ],
)
def test_channels_and_targets_for_a_unit(engine: Engine, unit_id: str, expected: list[str]) -> None:
    with Session(engine) as session:
        assert [c.id for c in channels_for(session, unit_id)] == expected
        assert [t.channel_id for t in targets_for(session, unit_id)] == expected
