"""Idempotency, repeat petitions, masking, tracking, and what happens with no worker."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import CaseRow
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id


async def test_idempotent_registration_and_action(api: Stack) -> None:
    first = await api.register(key="reg-1", petitioner_id_number="330482199001010002")
    again = await api.register(key="reg-1", petitioner_id_number="330482199001010002")
    assert first.status_code == again.status_code == 201
    assert first.json()["case_id"] == again.json()["case_id"]
    other = await api.register(key="reg-1", petitioner_id_number=resident_id(5))
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"

    case_id = first.json()["case_id"]
    one = await api.act(case_id, "accept", key="act-1")
    two = await api.act(case_id, "accept", key="act-1")  # would be a 409 if applied twice
    assert one.status_code == two.status_code == 200
    assert one.json()["event_seq"] == two.json()["event_seq"]
    mismatch = await api.act(case_id, "withdraw", key="act-1")
    assert mismatch.status_code == 422
    await wait_listed(api, case_id, "handling")
    actions = [e["action"] for e in (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()]
    assert actions == ["register", "accept"]


async def test_repeat_petition_links_to_the_open_case(api: Stack) -> None:
    first = (await api.register(petitioner_id_number="330482199001010010")).json()
    await wait_listed(api, first["case_id"], "registered")
    repeat = await api.register(petitioner_id_number="330482199001010010", channel="phone")
    assert repeat.status_code == 200
    assert repeat.json()["case_id"] == first["case_id"]
    assert repeat.json()["visit_count"] == 2
    elsewhere = await api.register(petitioner_id_number="330482199001010010", category="征地拆迁")
    assert elsewhere.status_code == 201  # another matter is a new case
    await wait_listed(api, elsewhere.json()["case_id"], "registered")
    with Session(api.engine) as session:
        assert session.exec(select(func.count()).select_from(CaseRow)).one() == 2


async def test_personal_data_is_masked_everywhere(api: Stack) -> None:
    r = await api.register(
        petitioner_id_number="330482199001011232", petitioner_phone="13812345678"
    )
    case = r.json()
    assert case["petitioner"] == {
        "name": "王*",
        "id_number": "330482********1232",
        "phone": "138****5678",
    }
    case_id = case["case_id"]
    await wait_listed(api, case_id, "registered")
    texts = [
        r.text,
        (await api.get(f"/api/v1/cases/{case_id}")).text,
        (await api.get("/api/v1/cases")).text,
        (await api.get(f"/api/v1/cases/{case_id}/timeline")).text,
    ]
    for text in texts:
        assert "330482199001011232" not in text and "13812345678" not in text
        assert "东门社区3号" not in text


async def test_tracking_endpoint_leaks_nothing(api: Stack) -> None:
    case = (await api.register()).json()
    await wait_listed(api, case["case_id"], "registered")
    code = case["tracking_code"]
    assert code != case["case_id"] and len(code) >= 16
    r = await api.get(f"/api/v1/track/{code}", who=None)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "tracking_code",
        "state",
        "state_label",
        "created_at",
        "updated_at",
        "next_due_at",
    }
    assert "王" not in json.dumps(body, ensure_ascii=False)
    assert (await api.get("/api/v1/track/AAAAAAAAAAAAAAAA", who=None)).status_code == 404
    second = (await api.register()).json()["tracking_code"]
    assert second != code  # random, not sequential


async def test_503_without_a_worker_then_retry_loses_nothing(stack: Stack) -> None:
    r = await stack.register(key="while-down", petitioner_id_number="330482199001010029")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.headers["content-type"] == "application/problem+json"
    async with stack.run_worker():
        retry = await stack.register(key="while-down", petitioner_id_number="330482199001010029")
        assert retry.status_code == 201, retry.text
        case_id = retry.json()["case_id"]
        for _ in range(100):
            with Session(stack.engine) as session:
                if session.exec(select(func.count()).select_from(CaseRow)).one() == 1:
                    break
            await asyncio.sleep(0.05)
    # with the worker gone again, actions answer 503 and change nothing
    r = await stack.act(case_id, "accept", key="a-1")
    assert r.status_code == 503
    # reads fall back to the projection
    assert (await stack.get(f"/api/v1/cases/{case_id}")).json()["state"] == "registered"
    async with stack.run_worker():
        assert (await stack.act(case_id, "accept", key="a-1")).status_code == 200
    handles = [
        w async for w in stack.env.client.list_workflows(f"WorkflowId = 'petition-{case_id}'")
    ]
    assert len(handles) == 1
