"""The SMS activity against a local gateway: a text is sent once whatever the retries, a failed
attempt is logged and raised for the retry policy, opted-out and unconfigured cases are skipped,
the phone is read on the access log and never logged."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from activities.sms import SmsActivities
from models.boundary import Petitioner
from models.sms import SmsDispatch, SmsGateway
from models.tables import CaseRow, PiiAccessRow, SmsDeliveryRow, SmsOptOutRow
from petitionflow import one_time_codes
from tests.activities.test_delivery import attempt
from tests.api.sms_gateway import GATEWAY_KEY, Gateway, sms_gateway
from tests.conftest import FIELD_CIPHER

CASE = "c-sms-1"
PHONE = "13812345678"
CODE = "ABCDEFGH23456789"
SECRET = b"s" * 32
DUE = "2026-12-31T16:00:00+00:00"  # 24:00 of 2026-12-31 in Shanghai


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with sms_gateway() as gw:
        yield gw


def add_case(engine: Engine, **changes) -> None:
    now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    row = CaseRow(
        case_id=CASE,
        tracking_code=CODE,
        state="handling",
        level="village",
        unit_id="pinghu.danghu.dongmen",
        kind="claim",
        category="物业纠纷",
        severity="minor",
        channel="visit",
        title="小区物业费争议",
        created_at=now,
        updated_at=now,
        snapshot={"deadlines": [{"clock": "handling", "status": "running", "due_at": DUE}]},
        **FIELD_CIPHER.seal(
            CASE, Petitioner(name="王五", id_number="330482199001011232", phone=PHONE)
        ),
    )
    for name, value in changes.items():
        setattr(row, name, value)
    with Session(engine) as session, session.begin():
        session.add(row)


def sender(engine: Engine, gateway: Gateway, **changes) -> SmsActivities:
    config = SmsGateway(
        url=gateway.url, key=GATEWAY_KEY, public_url="https://xf.example.cn", otp_secret=SECRET
    )
    config = dataclasses.replace(config, **changes)
    return SmsActivities(engine, config, fields=FIELD_CIPHER)


def rows(engine: Engine, table):
    with Session(engine) as session:
        return list(session.exec(select(table)))


def test_a_text_is_sent_once_whatever_the_retries(
    engine: Engine, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    add_case(engine)
    message = SmsDispatch(message_id=f"{CASE}:2", case_id=CASE, kind="accepted")
    caplog.set_level(logging.DEBUG)
    activities = sender(engine, gateway)
    assert attempt(1).run(activities.send_sms, message) == "sent"
    assert attempt(2).run(activities.send_sms, message) == "sent"  # a retry finds it sent
    [text] = gateway.texts
    assert gateway.signatures_ok == [True]
    assert text["to"] == PHONE and text["message_id"] == f"{CASE}:2"
    assert (
        text["text"]
        == f"【信访】您的信访事项{CODE}已由东门社区受理，将于2026年12月31日前书面答复。"
    )
    assert text["segments"] == 1
    [logged] = rows(engine, SmsDeliveryRow)
    assert (logged.status, logged.segments, logged.kind) == ("sent", 1, "accepted")
    [reading] = rows(engine, PiiAccessRow)
    assert (reading.kind, reading.case_id, reading.role) == ("sms", CASE, "system")
    assert PHONE not in caplog.text and "5678" not in logged.model_dump_json()


def test_a_failed_attempt_is_logged_and_raised_then_retried(
    engine: Engine, gateway: Gateway
) -> None:
    add_case(engine)
    message = SmsDispatch(message_id=f"{CASE}:3", case_id=CASE, kind="replied")
    activities = sender(engine, gateway)
    gateway.status = 503
    with pytest.raises(ApplicationError):
        attempt(1).run(activities.send_sms, message)
    gateway.status = 200
    assert attempt(2).run(activities.send_sms, message) == "sent"
    logged = sorted(rows(engine, SmsDeliveryRow), key=lambda r: r.attempt)
    assert [(r.attempt, r.status, r.reason) for r in logged] == [
        (1, "failed", "HTTP 503"),
        (2, "sent", ""),
    ]
    assert len(gateway.texts) == 1


def test_opted_out_and_unconfigured_are_skipped_but_codes_go(
    engine: Engine, gateway: Gateway
) -> None:
    add_case(engine)
    with Session(engine) as session, session.begin():
        session.add(SmsOptOutRow(case_id=CASE, at=datetime.now(UTC)))
    activities = sender(engine, gateway)
    notice = SmsDispatch(message_id=f"{CASE}:1", case_id=CASE, kind="registered")
    assert attempt(1).run(activities.send_sms, notice) == "skipped"
    assert attempt(2).run(activities.send_sms, notice) == "skipped"
    code = SmsDispatch(message_id="otp:abc", case_id=CASE, kind="otp", otp_id="abc")
    assert attempt(1).run(activities.send_sms, code) == "sent"
    [texted] = gateway.texts
    assert one_time_codes.code_for(SECRET, "abc") in texted["text"]
    unconfigured = sender(engine, gateway, url=None)
    other = SmsDispatch(message_id="otp:def", case_id=CASE, kind="otp", otp_id="def")
    assert attempt(1).run(unconfigured.send_sms, other) == "skipped"
    reasons = {r.message_id: r.reason for r in rows(engine, SmsDeliveryRow)}
    assert reasons == {f"{CASE}:1": "opted out", "otp:abc": "", "otp:def": "no gateway configured"}
    assert len(rows(engine, PiiAccessRow)) == 1  # the phone was read for the one text sent
