"""Issue 20, findings 4, 5 and 9 at the delivery activities: webhook targets are checked against
internal addresses at every delivery (local listeners only — nothing leaves this machine),
redirects are not followed, the delivery log never reads back what the other side answered, a
failing channel stops being retried and tells its unit; targets are stored and logged without
their credentials; a newline in a case title cannot stop an e-mail, and an e-mail that cannot be
built fails once, for good."""

from __future__ import annotations

import base64
import io
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError

from activities.delivery import CHANNEL_FAILING, AlertDelivery, DeliveryConfig, targets_for
from models.tables import AlertChannelRow, AlertRow
from petitionflow.egress import TargetRefused, WebhookGuard, redact
from petitionflow.observability import configure_logging
from petitionflow.settings import Settings
from tests.activities import test_delivery as base
from tests.activities.test_delivery import (
    LOCAL,
    PUBLIC_URL,
    Mailbox,
    Receiver,
    add_alert,
    add_channel,
    attempt,
    deliveries,
    request,
)

# the fixtures of the delivery tests: a local webhook receiver and SMTP server, and the
# activities with the receiver's address allow-listed
delivery, mailbox, receiver = base.delivery, base.mailbox, base.receiver

# -- the check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://127.0.0.1/hook",
        "https://127.8.0.1:7233/",
        "https://localhost:7233/",  # a name is judged by what it resolves to
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "https://[fe80::1]/",
        "https://[fd00:ec2::254]/",  # AWS metadata over IPv6 (unique local)
        "https://100.64.0.1/",  # shared address space
        "https://100.100.100.200/",  # Alibaba Cloud metadata
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "http://93.184.215.14/hook",  # public, but plain http
        "ftp://93.184.215.14/",
        "https:///nohost",
        "https://no-such-host.invalid/",
    ],
)
def test_targets_refused_by_default(target: str) -> None:
    with pytest.raises(TargetRefused):
        WebhookGuard().check(target)


def test_public_https_passes_and_the_allow_list_opens_intranet_hooks() -> None:
    assert WebhookGuard().check("https://93.184.215.14/hook")[1:] == (443, _ip("93.184.215.14"))
    intranet = WebhookGuard.parse("10.8.0.0/16, localhost")
    assert intranet.check("http://10.8.3.4:8080/h")[1:] == (8080, _ip("10.8.3.4"))
    assert intranet.check("http://localhost:9000/h")[0] == "localhost"
    with pytest.raises(TargetRefused):
        intranet.check("http://10.9.0.1/h")  # outside the listed network
    with pytest.raises(TargetRefused):
        intranet.check("https://169.254.169.254/")
    with pytest.raises(ValueError):
        WebhookGuard.parse("10.0.0.0/8, not a host")


def _ip(text: str) -> Any:
    import ipaddress

    return ipaddress.ip_address(text)


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("http://user:pw@hooks.example/h", "http://hooks.example/h"),
        ("https://:pw@hooks.example:8443/h?a=1", "https://hooks.example:8443/h?a=%2A%2A%2A"),
        ("https://hooks.example/h?token=abc&sig=x#frag", "https://hooks.example/h?token=%2A%2A%2A&sig=%2A%2A%2A"),
        ("https://[::1]:8080/h", "https://[::1]:8080/h"),
        ("duban@pinghu.gov.cn", "duban@pinghu.gov.cn"),
    ],
)  # fmt: skip
def test_targets_are_shown_without_secrets(target: str, shown: str) -> None:
    assert redact(target) == shown


# -- at delivery --------------------------------------------------------------------------------


@pytest.fixture
def strict(engine: Engine, mailbox: Mailbox) -> AlertDelivery:
    """Delivery as configured by default: no allow-list."""
    return AlertDelivery(engine, DeliveryConfig(public_url=PUBLIC_URL, smtp_port=mailbox.port))


def test_an_internal_target_is_refused_at_delivery_and_not_retried(
    engine: Engine, strict: AlertDelivery, receiver: Receiver
) -> None:
    """A channel stored before the check (or whose name now resolves inside) gets nothing."""
    add_alert(engine)
    https = receiver.url.replace("http://", "https://")
    add_channel(engine, "ch-http", "webhook", receiver.url)
    add_channel(engine, "ch-https", "webhook", https)
    add_channel(engine, "ch-name", "webhook", https.replace("127.0.0.1", "localhost"))
    for channel in ("ch-http", "ch-https", "ch-name"):
        with pytest.raises(ApplicationError) as failed:
            attempt(1).run(strict.deliver_webhook, request(channel))
        assert failed.value.non_retryable and failed.value.type == "Undeliverable"
    assert receiver.requests == []
    assert {r.status for r in deliveries(engine)} == {"failed"}
    assert all(r.error.startswith("refused: ") for r in deliveries(engine))


@pytest.fixture
def junk_server() -> Iterator[int]:
    """Something that is not a web server (like Temporal's gRPC port): it answers with text of
    its own and hangs up."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"illegal request line: secret-internal-banner v1.2\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    stop.set()
    thread.join()
    server.close()


def test_the_delivery_log_never_reads_back_what_answered(
    engine: Engine, delivery: AlertDelivery, junk_server: int
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", f"http://127.0.0.1:{junk_server}/")
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    (row,) = deliveries(engine)
    assert (row.status, row.error) == ("failed", "request failed")
    assert "illegal" not in str(failed.value) and "banner" not in str(failed.value)


@pytest.fixture
def redirecting() -> Iterator[Receiver]:
    """A receiver that answers every POST to /hook with a redirect to /elsewhere."""
    received = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.requests.append(Any)  # type: ignore[arg-type]
            self.send_response(307 if self.path == "/hook" else 200)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with base.serving(Handler) as url:
        received.url = url
        yield received


def test_redirects_are_not_followed(
    engine: Engine, delivery: AlertDelivery, redirecting: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", redirecting.url)
    with pytest.raises(ApplicationError):
        attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    assert len(redirecting.requests) == 1  # /elsewhere was never asked
    (row,) = deliveries(engine)
    assert row.error == "HTTP 307"


def channel(engine: Engine, channel_id: str) -> AlertChannelRow:
    with Session(engine) as session:
        row = session.get(AlertChannelRow, channel_id)
        assert row is not None
        return row


def test_a_failing_channel_is_marked_after_a_bounded_run_and_tells_its_unit(
    engine: Engine, receiver: Receiver
) -> None:
    add_alert(engine)
    add_channel(engine, "ch-hook", "webhook", receiver.url, unit_id="pinghu.danghu")
    bounded = AlertDelivery(engine, DeliveryConfig(), guard=LOCAL, max_failures=3)
    receiver.status = 500
    for number in (1, 2):  # retried with the workflow's backoff
        with pytest.raises(ApplicationError) as failed:
            attempt(number).run(bounded.deliver_webhook, request("ch-hook"))
        assert not failed.value.non_retryable
    assert channel(engine, "ch-hook").failing_since is None
    with pytest.raises(ApplicationError) as failed:
        attempt(3).run(bounded.deliver_webhook, request("ch-hook"))
    assert failed.value.non_retryable and failed.value.type == "ChannelFailing"
    marked = channel(engine, "ch-hook")
    assert marked.failures == 3 and marked.failing_since is not None
    with Session(engine) as session:
        (told,) = session.exec(select(AlertRow).where(col(AlertRow.kind) == CHANNEL_FAILING)).all()
    assert (told.unit_id, told.level) == ("pinghu.danghu", "town")
    assert "/hook" in told.title and "3" in told.message

    # while failing, each notification gets one try, and no second alert
    with pytest.raises(ApplicationError) as failed:
        attempt(1).run(bounded.deliver_webhook, request("ch-hook", notification=2))
    assert failed.value.non_retryable
    receiver.status = 200  # one that gets through clears the mark
    attempt(1).run(bounded.deliver_webhook, request("ch-hook", notification=3))
    cleared = channel(engine, "ch-hook")
    assert (cleared.failures, cleared.failing_since) == (0, None)
    with Session(engine) as session:
        kinds = session.exec(select(AlertRow.kind)).all()
    assert sorted(kinds) == sorted(["breach", CHANNEL_FAILING])


# -- secrets ------------------------------------------------------------------------------------


@pytest.fixture
def configured_logging(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """The service's own logging (``configure_logging``) with caplog listening too."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {n: logging.getLogger(n).level for n in ("httpx", "httpcore")}
    out = io.StringIO()
    configure_logging(Settings(env="test", log_level="DEBUG"), stream=out)
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield out
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_credentials_in_a_target_are_used_but_never_stored_or_logged(
    engine: Engine,
    delivery: AlertDelivery,
    receiver: Receiver,
    configured_logging: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_alert(engine)
    port = receiver.url.split(":")[2].split("/")[0]
    target = f"http://hookuser:pa55word@127.0.0.1:{port}/hook?token=t0ken"
    add_channel(engine, "ch-hook", "webhook", target)

    attempt(1).run(delivery.deliver_webhook, request("ch-hook"))
    receiver.status = 502
    with pytest.raises(ApplicationError) as failed:
        attempt(2).run(delivery.deliver_webhook, request("ch-hook"))

    first = receiver.requests[0]
    assert first.path == "/hook?token=t0ken"  # the receiver gets what it was configured with
    assert (
        first.headers["Authorization"] == "Basic " + base64.b64encode(b"hookuser:pa55word").decode()
    )
    shown = f"http://127.0.0.1:{port}/hook?token=%2A%2A%2A"
    assert [r.target for r in deliveries(engine)] == [shown, shown]
    assert str(failed.value) == f"webhook to {shown} failed: HTTP 502"
    with Session(engine) as session:
        (found,) = targets_for(session, "pinghu.danghu.dongmen")
    assert found.target == shown  # what goes into the workflow's history
    logged = configured_logging.getvalue() + caplog.text
    assert "pa55word" not in logged and "t0ken" not in logged
    for name in ("httpx", "httpcore"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING


# -- e-mail -------------------------------------------------------------------------------------


def test_a_newline_in_the_title_does_not_stop_the_email(
    engine: Engine, delivery: AlertDelivery, mailbox: Mailbox
) -> None:
    add_alert(engine, title="小区物业费争议\r\n第二行\nBcc: evil@example.com")
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn")

    attempt(1).run(delivery.deliver_email, request("ch-mail"))

    ((_, recipients, mail),) = mailbox.mails
    assert recipients == ["duban@pinghu.gov.cn"]
    assert mail["Subject"] == "【超期】小区物业费争议 第二行 Bcc: evil@example.com"
    assert mail["Bcc"] is None
    assert "案件：小区物业费争议\n第二行\n" in mail.get_content()  # the text keeps its lines
    (row,) = deliveries(engine)
    assert row.status == "sent"


def test_an_email_that_cannot_be_built_fails_once_for_good(
    engine: Engine,
    delivery: AlertDelivery,
    mailbox: Mailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_alert(engine)
    # stored before addresses were checked: a header cannot hold it
    add_channel(engine, "ch-mail", "email", "duban@pinghu.gov.cn\r\nBcc: evil@example.com")
    with (
        caplog.at_level(logging.WARNING, logger="petitionflow.delivery"),
        pytest.raises(ApplicationError) as failed,
    ):
        attempt(1).run(delivery.deliver_email, request("ch-mail"))
    assert failed.value.non_retryable and failed.value.type == "Undeliverable"
    assert mailbox.mails == []
    (row,) = deliveries(engine)
    assert (row.status, row.error) == ("failed", "message could not be built")
    assert "alert e-mail could not be built" in caplog.text
