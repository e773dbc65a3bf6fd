"""The petitioner's side through the public API with a real worker: SMS notices at registration,
acceptance, extension, reply and review opinion (none after an opt-out); a one-time code texted
on request; rating and review request online, recorded as the petitioner; the code's refusals."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.sms import SEGMENT, segments
from models.tables import PiiAccessRow, SmsDeliveryRow, TrackOtpRow
from tests.api.cases.test_documents import documents_listed, pdf_text
from tests.api.conftest import Stack
from tests.api.sms_gateway import Gateway, sms_gateway, use_gateway

PHONE = "13812345678"
QUIET_PHONE = "13900001111"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with sms_gateway() as gw:
        yield gw


def otp_of(text: dict) -> str:
    found = re.search(r"验证码(\d{6})", text["text"])
    assert found, text
    return found.group(1)


async def skipped(stack: Stack, case_id: str, count: int) -> list[SmsDeliveryRow]:
    for _ in range(400):
        with Session(stack.engine) as session:
            rows = list(
                session.exec(select(SmsDeliveryRow).where(SmsDeliveryRow.case_id == case_id))
            )
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError("the skipped texts were never logged")


async def tracked_with_documents(stack: Stack, code: str) -> dict:
    for _ in range(400):
        tracking = (await stack.http.get(f"/api/v1/track/{code}")).json()
        if tracking.get("documents"):
            return dict(tracking)
        await asyncio.sleep(0.05)
    raise AssertionError("no document delivered online was ever listed")


async def projected(stack: Stack, code: str) -> str:
    for _ in range(400):
        if (await stack.http.get(f"/api/v1/track/{code}")).status_code == 200:
            return code
        await asyncio.sleep(0.05)
    raise AssertionError("the case was never projected")


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_registration_to_online_review_request(stack: Stack, gateway: Gateway) -> None:
    use_gateway(stack.settings, gateway)
    async with stack.run_worker():
        r = await stack.register(petitioner_phone=PHONE)
        assert r.status_code == 201, r.text
        case = r.json()
        case_id, code = case["case_id"], case["tracking_code"]
        quiet = await stack.register(petitioner_phone=QUIET_PHONE, sms_opt_out=True)
        assert quiet.status_code == 201, quiet.text
        quiet_id = quiet.json()["case_id"]

        [registered] = await gateway.wait_for("registered")
        assert registered["to"] == PHONE
        assert code in registered["text"] and f"/track/{code}" in registered["text"]
        for action, who, params in [
            ("accept", "officer", {}),
            ("extend", "supervisor", {"days": 10, "reason": "需协调"}),
            ("assess", "officer", {"claim": "unreasonable"}),
            ("complete_track", "officer", {"track": "education"}),
            ("reply", "officer", {"summary": "书面答复意见"}),
        ]:
            assert (await stack.act(case_id, action, who=who, **params)).status_code == 200
        assert (await stack.act(quiet_id, "accept")).status_code == 200
        [accepted] = await gateway.wait_for("accepted")
        assert "东门社区" in accepted["text"] and "受理" in accepted["text"]
        [extended] = await gateway.wait_for("extended")
        assert "延长10日" in extended["text"]
        await gateway.wait_for("replied")

        # 网上送达: the reply delivered online, the acceptance notice in person
        docs = await documents_listed(stack, case_id, 3)
        notice, reply = docs[0], docs[2]
        zone = stack.settings.sla_policy.zone
        on = str(datetime.fromisoformat(reply["issued_at"]).astimezone(zone).date())
        for doc, method in [(notice, "in_person"), (reply, "online")]:
            r = await stack.act(
                case_id, "deliver", document_id=doc["id"], method=method, delivered_on=on
            )
            assert r.status_code == 200, r.text
        tracking = await tracked_with_documents(stack, code)
        [offered] = tracking["documents"]  # only what was delivered online
        assert offered["id"] == reply["id"] and offered["number"] == reply["number"]
        assert offered["kind"] == "handling_opinion" and offered["delivered_on"] == on
        assert offered["download_url"] == f"/api/v1/track/{code}/documents/{reply['id']}"
        assert "王五" not in json.dumps(tracking)
        assert tracking["state"] == "replied"
        assert set(tracking["online_actions"]) == {"feedback", "request_review"}
        assert tracking["next_step"] and tracking["next_step_due_at"]

        # a code is needed, and texted to the phone on file
        refused = await stack.http.post(
            f"/api/v1/track/{code}/feedback", json={"otp": "000000", "rating": "satisfied"}
        )
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        sent = await stack.http.post(f"/api/v1/track/{code}/otp")
        assert sent.status_code == 202, sent.text
        [texted] = await gateway.wait_for("otp")
        otp = otp_of(texted)

        # the delivered reply downloaded with the code: the PDF the case lists, on the access log
        download = offered["download_url"]
        assert (await stack.http.post(download, json={"otp": "000000"})).status_code == 401
        pdf = await stack.http.post(download, json={"otp": otp})
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == reply["sha256"]
        assert reply["number"] in pdf_text(pdf.content)
        not_online = f"/api/v1/track/{code}/documents/{notice['id']}"
        assert (await stack.http.post(not_online, json={"otp": otp})).status_code == 404
        with Session(stack.engine) as session:
            [read] = session.exec(
                select(PiiAccessRow).where(
                    PiiAccessRow.case_id == case_id, PiiAccessRow.kind == "document"
                )
            ).all()
        assert (read.user_id, read.role) == ("petitioner", "petitioner")
        assert reply["number"] in read.reason

        rated = await stack.http.post(
            f"/api/v1/track/{code}/feedback",
            json={"otp": otp, "rating": "unsatisfied", "note": "不满意"},
        )
        assert rated.status_code == 200, rated.text
        asked = await stack.http.post(
            f"/api/v1/track/{code}/review-request", json={"otp": otp, "note": "申请复查"}
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["state"] == "under_review"
        assert asked.json()["online_actions"] == []
        again = await stack.http.post(
            f"/api/v1/track/{code}/review-request", json={"otp": otp, "note": "再次"}
        )
        assert again.status_code == 409  # the machine decides: no review request now

        opinion = await stack.act(
            case_id, "review_opinion", who="officer_town", decision="upheld", summary="维持"
        )
        assert opinion.status_code == 200, opinion.text
        await gateway.wait_for("review_opinion")

        live = (await stack.get(f"/api/v1/cases/{case_id}", who="officer_town")).json()
        [feedback] = live["feedback"]
        assert feedback["by"] == "petitioner" and feedback["method"] == "online"
        assert feedback["rating"] == "unsatisfied"
        for _ in range(200):
            timeline = (
                await stack.get(f"/api/v1/cases/{case_id}/timeline", who="officer_town")
            ).json()
            if any(e["action"] == "review_opinion" for e in timeline):
                break
            await asyncio.sleep(0.05)
        online = [e for e in timeline if e["role"] == "petitioner"]
        assert [e["action"] for e in online] == ["feedback", "request_review"]
        assert {e["actor"] for e in online} == {"petitioner"}

        # the opted-out petitioner: each notice logged as skipped, nothing texted
        rows = await skipped(stack, quiet_id, 2)
        assert {r.status for r in rows} == {"skipped"} and {r.reason for r in rows} == {"opted out"}
        log = (await stack.get(f"/api/v1/cases/{quiet_id}/sms")).json()
        assert log["opted_out"] is True
        assert [a["kind"] for a in log["attempts"]] == ["registered", "accepted"]
        sent_log = (await stack.get(f"/api/v1/cases/{case_id}/sms", who="officer_town")).json()
        assert sent_log["opted_out"] is False and sent_log["attempts"][0]["status"] == "sent"
        assert PHONE not in json.dumps(sent_log)
        other = await stack.get(f"/api/v1/cases/{case_id}/sms", who="officer_zhapu")
        assert other.status_code == 404

    kinds = [t["kind"] for t in gateway.texts]
    assert sorted(kinds) == sorted(
        ["registered", "accepted", "extended", "replied", "otp", "review_opinion"]
    )
    assert all(gateway.signatures_ok)
    assert len({t["message_id"] for t in gateway.texts}) == len(gateway.texts)
    assert all(t["to"] == PHONE for t in gateway.texts)
    for text in gateway.texts:
        body = text["text"]
        assert "330482" not in body and "王五" not in body  # no ID number, no name
        assert text["segments"] == segments(body)
        assert len(body) <= SEGMENT or text["kind"] == "registered", body
    with Session(stack.engine) as session:
        sent = session.exec(select(SmsDeliveryRow).where(SmsDeliveryRow.status == "sent")).all()
        readings = session.exec(select(PiiAccessRow).where(PiiAccessRow.kind == "sms")).all()
    assert len(sent) == len(gateway.texts) and len(readings) == len(gateway.texts)


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_one_time_code_refusals(stack: Stack, gateway: Gateway) -> None:
    use_gateway(stack.settings, gateway)
    async with stack.run_worker():
        code = (await stack.register(petitioner_phone=PHONE)).json()["tracking_code"]
        await projected(stack, code)
        url = f"/api/v1/track/{code}"
        assert (await stack.http.post(f"{url}/otp")).status_code == 202
        [texted] = await gateway.wait_for("otp")
        otp = otp_of(texted)

        # a valid code, an action the case does not allow now: the machine's 409
        early = await stack.http.post(f"{url}/feedback", json={"otp": otp, "rating": "satisfied"})
        assert early.status_code == 409, early.text
        assert early.json()["allowed_actions"] == []
        malformed = await stack.http.post(f"{url}/feedback", json={"otp": "12", "rating": "x"})
        assert malformed.status_code == 422

        # expired
        with Session(stack.engine) as session, session.begin():
            for row in session.exec(select(TrackOtpRow)):
                row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        expired = await stack.http.post(f"{url}/review-request", json={"otp": otp})
        assert expired.status_code == 401

        # five wrong tries lock the case's online actions, the right code included
        assert (await stack.http.post(f"{url}/otp")).status_code == 202
        texts = await gateway.wait_for("otp", 2)
        fresh = otp_of(texts[-1])
        wrong = "000000" if fresh != "000000" else "111111"
        for path in ["review-request", "documents/doc-1", "review-request", "feedback"]:
            # the expired try above was the first; a download's wrong code counts too
            body = {"otp": wrong} | ({"rating": "satisfied"} if path == "feedback" else {})
            r = await stack.http.post(f"{url}/{path}", json=body)
            assert r.status_code == 401, (path, r.text)
        locked = await stack.http.post(f"{url}/review-request", json={"otp": fresh})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
        download = await stack.http.post(f"{url}/documents/doc-1", json={"otp": fresh})
        assert download.status_code == 429
        assert (await stack.http.post(f"{url}/otp")).status_code == 429

        # at most three codes per tracking code in 15 minutes
        other = (await stack.register(petitioner_phone=PHONE)).json()["tracking_code"]
        await projected(stack, other)
        for _ in range(3):
            assert (await stack.http.post(f"/api/v1/track/{other}/otp")).status_code == 202
        assert (await stack.http.post(f"/api/v1/track/{other}/otp")).status_code == 429

        # and ten requests per client an hour, known tracking codes or not
        statuses = [
            (await stack.http.post("/api/v1/track/AAAAAAAAAAAAAAAA/otp")).status_code
            for _ in range(4)
        ]
        assert statuses == [404, 404, 404, 429]
