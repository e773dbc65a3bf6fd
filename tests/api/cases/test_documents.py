"""The notices a case issues to its petitioner and their delivery (送达), through HTTP with a real
worker: each PDF read back with ``pdftotext``, the review window counted from the day of delivery,
and the delivery clock that runs until then."""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session

from models.daycount import compute_deadline
from models.policy import Span
from models.tables import CaseRow
from petitionflow import unit_tree
from petitionflow.blob_crypto import BlobCipher
from petitionflow.codec import new_key_spec, parse_keys
from petitionflow.documents.keys import documents_remaining, rotate_documents
from petitionflow.documents.retention import purge_documents
from tests.api.conftest import Stack
from tests.conftest import CODEC_KEYS

ZONE_NAME = "Asia/Shanghai"
NUMBER = re.compile(r"^东信(受|延|处)〔(\d{4})〕(\d+)号$")


def pdf_text(data: bytes) -> str:
    # `make test` installs it (the Makefile's chromium target): a missing tool fails, never skips
    assert shutil.which("pdftotext"), "pdftotext (Debian's poppler-utils) is not installed"
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def documents_listed(api: Stack, case_id: str, count: int) -> list[dict[str, Any]]:
    for _ in range(200):
        r = await api.get(f"/api/v1/cases/{case_id}/documents")
        if r.status_code == 200 and len(r.json()) >= count:
            return list(r.json())
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id}: {count} documents never listed")


async def timeline_has(api: Stack, case_id: str, check: Any) -> list[dict[str, Any]]:
    for _ in range(300):
        r = await api.get(f"/api/v1/cases/{case_id}/timeline")
        if r.status_code == 200 and check(r.json()):
            return list(r.json())
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id}: the timeline never showed it")


def clock(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in reversed(snapshot["deadlines"]) if d["clock"] == name)


async def test_notices_are_issued_and_the_review_window_runs_from_delivery(api: Stack) -> None:
    r = await api.register()
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    steps = [
        ("accept", "officer", {}),
        ("assess", "officer", {"claim": "unreasonable"}),
        ("complete_track", "officer", {"track": "education"}),
        ("extend", "supervisor", {"days": 10, "reason": "需协调多部门"}),
        ("reply", "officer", {"summary": "物业费调整符合合同约定，不予支持"}),
    ]
    for action, who, params in steps:
        r = await api.act(case_id, action, who=who, **params)
        assert r.status_code == 200, (action, r.text)
    replied = r.json()
    assert replied["state"] == "replied" and "deliver" in replied["allowed_actions"]
    live = {d["clock"] for d in replied["deadlines"] if d["status"] == "running"}
    assert "delivery" in live and "review_window" not in live  # not before delivery
    handling_due = datetime.fromisoformat(clock(replied, "handling")["due_at"])

    docs = await documents_listed(api, case_id, 3)
    assert [d["kind"] for d in docs] == [
        "acceptance_notice",
        "extension_notice",
        "handling_opinion",
    ]
    for doc in docs:
        assert NUMBER.match(doc["number"]), doc["number"]
        assert doc["delivered_on"] is None and doc["available"]
    reply_doc = docs[2]
    zone = api.settings.sla_policy.zone
    issued_on = datetime.fromisoformat(reply_doc["issued_at"]).astimezone(zone).date()

    # refused, and nothing changes: a day in the future, a day before the document, no such one
    day = timedelta(days=1)
    for doc_id, on, field in [
        (reply_doc["id"], issued_on + day, "delivered_on"),
        (reply_doc["id"], issued_on - day, "delivered_on"),
        ("doc-99", issued_on, "document_id"),
    ]:
        r = await api.act(
            case_id, "deliver", document_id=doc_id, method="in_person", delivered_on=str(on)
        )
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]

    r = await api.act(
        case_id,
        "deliver",
        document_id=reply_doc["id"],
        method="online",
        delivered_on=str(issued_on),
    )
    assert r.status_code == 200, r.text
    delivered = r.json()
    window = clock(delivered, "review_window")
    start = datetime.combine(issued_on, time(0), tzinfo=zone)  # the day of delivery, not counted
    expected = compute_deadline(
        start,
        Span.model_validate("P30D"),
        zone=zone,
        calendar=api.settings.work_calendar,
    )
    assert datetime.fromisoformat(window["started_at"]) == start
    assert datetime.fromisoformat(window["due_at"]) == expected.due_at
    assert clock(delivered, "delivery")["status"] == "met"
    r = await api.act(
        case_id, "deliver", document_id=reply_doc["id"], method="mail", delivered_on=str(issued_on)
    )
    assert r.status_code == 422 and "送达" in r.json()["detail"], r.text  # delivered once

    timeline = await timeline_has(api, case_id, lambda t: t[-1]["action"] == "deliver")
    issuing = {e["params"]["document"]["id"]: e for e in timeline if "document" in e["params"]}
    *docs, receipt = await documents_listed(api, case_id, 4)
    assert docs[2]["delivered_on"] == str(issued_on) and docs[2]["delivery_method"] == "online"
    assert receipt["kind"] == "delivery_receipt" and receipt["number"].startswith("东信送〔")

    with Session(api.engine) as session:
        village, town, _ = unit_tree.unit_path(session, "pinghu.danghu.dongmen")
    registered_on = chinese(issued_on)
    for doc in docs:
        r = await api.get(doc["download_url"])
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        digest = hashlib.sha256(r.content).hexdigest()
        assert digest == doc["sha256"] == issuing[doc["id"]]["params"]["document"]["sha256"]
        assert doc["event_id"] == f"{case_id}:{issuing[doc['id']]['seq']}"
        text = re.sub(r"\s+", "", pdf_text(r.content))
        for fact in [doc["number"], "王五", "小区物业费争议", village.name, registered_on]:
            assert fact in text, (doc["kind"], fact, text)
        assert "330482" not in text  # no ID number on a notice
    accept_text, extend_text, reply_text = [
        re.sub(r"\s+", "", pdf_text((await api.get(d["download_url"])).content)) for d in docs
    ]
    last_day = (handling_due.astimezone(zone) - timedelta(microseconds=1)).date()
    window_end = (expected.due_at.astimezone(zone) - timedelta(microseconds=1)).date()
    r = await api.get(receipt["download_url"])
    assert hashlib.sha256(r.content).hexdigest() == receipt["sha256"]
    receipt_text = re.sub(r"\s+", "", pdf_text(r.content))
    for fact in [receipt["number"], "送达回证", "王五", docs[2]["number"], "网上送达"]:
        assert fact in receipt_text, (fact, receipt_text)
    assert f"送达日期：{chinese(issued_on)}" in receipt_text
    assert f"于{chinese(window_end)}前向{town.name}书面请求复查" in receipt_text
    assert "受理告知书" in accept_text and "延长10日" in extend_text
    assert f"至{chinese(last_day)}" in extend_text and "需协调多部门" in extend_text
    assert "处理意见书" in reply_text and "不予支持" in reply_text
    assert f"30日内，向{town.name}书面请求复查" in reply_text

    log = await api.get("/api/v1/pii-access-log", who="admin", case_id=case_id, kind="document")
    assert log.status_code == 200 and len(log.json()) == 2 * len(docs) + 1
    # out of scope: as for no case
    other = await api.get(docs[0]["download_url"], who="officer_zhapu")
    assert other.status_code == 404

    # keys rotate: the PDFs move to the new key; with the old one gone they still read
    spec = f"{CODEC_KEYS},{new_key_spec('k2')}"
    ring = BlobCipher(parse_keys(spec), "k2")
    store = api.settings.attachment_store
    assert rotate_documents(api.engine, store, ring) == len(docs) + 1
    assert documents_remaining(api.engine, ring) == 0
    api.settings.__dict__["blob_cipher"] = BlobCipher(parse_keys(spec.split(",")[1]), "k2")
    r = await api.get(receipt["download_url"])
    assert hashlib.sha256(r.content).hexdigest() == receipt["sha256"]

    # retention: once the case's personal data is purged, the PDFs leave the store; the
    # register of numbers stays
    with api.engine.begin() as conn:
        conn.execute(
            update(CaseRow.__table__)  # type: ignore[attr-defined]
            .where(CaseRow.__table__.c.case_id == case_id)  # type: ignore[attr-defined]
            .values(purged_at=datetime.now(UTC))
        )
    assert purge_documents(api.engine, api.settings.attachment_store) == len(docs) + 1
    assert purge_documents(api.engine, api.settings.attachment_store) == 0
    after = (await api.get(f"/api/v1/cases/{case_id}/documents")).json()
    assert [d["number"] for d in after] == [d["number"] for d in [*docs, receipt]]
    assert not any(d["available"] for d in after)
    assert (await api.get(docs[0]["download_url"])).status_code == 410
    assert not list((api.settings.data_dir / "attachments" / case_id).rglob("doc-*"))


FAST_DELIVERY = """
[clocks]
delivery = "PT3S"
[levels]
village = "PT600S"
"""


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_an_undelivered_reply_warns_and_breaches(stack: Stack) -> None:
    stack.use_policy(FAST_DELIVERY)
    async with stack.run_worker():
        case_id = (await stack.register()).json()["case_id"]
        for action, params in [
            ("accept", {}),
            ("assess", {"claim": "unreasonable"}),
            ("complete_track", {"track": "education"}),
            ("reply", {"summary": "答复"}),
        ]:
            r = await stack.act(case_id, action, **params)
            assert r.status_code == 200, (action, r.text)
        timeline = await timeline_has(
            stack,
            case_id,
            lambda t: any(e["action"] == "breach" for e in t),
        )
    fired = [(e["action"], e["params"]["clock"]) for e in timeline if "clock" in e["params"]]
    assert fired == [("warn", "delivery#1"), ("breach", "delivery#1")]
    assert timeline[-1]["to_state"] == "replied"  # the case waits; the breach is on record
    assert datetime.fromisoformat(timeline[-1]["at"]) <= datetime.now(UTC)
