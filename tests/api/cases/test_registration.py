"""Idempotency, repeat petitions, masking, tracking, and what happens with no worker."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, delete, select

from models.daycount import WorkCalendar
from models.tables import CaseEventRow, CaseRow, IdempotencyRow
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id

SHANGHAI = ZoneInfo("Asia/Shanghai")

TRACKING_FIELDS = {
    "tracking_code",
    "state",
    "state_label",
    "unit_name",
    "created_at",
    "updated_at",
    "paused",
    "next_due_at",
    # what happens next, by when, and what the petitioner may do online: nothing personal
    "state_label_en",
    "next_step",
    "next_step_en",
    "next_step_due_at",
    "online_actions",
    # the documents delivered online: kind, 文号 and dates (the PDF only with a one-time code)
    "documents",
}


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
    assert set(body) == TRACKING_FIELDS
    assert body["unit_name"] == "东门社区" and body["paused"] is False
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
        # a 503 says "retry with the same key": a fresh worker's first task (the case replayed
        # from its history) may take longer than the test's 3 s update timeout on a busy machine
        for _ in range(10):
            r = await stack.act(case_id, "accept", key="a-1")
            if r.status_code != 503:
                break
        assert r.status_code == 200, r.text
        await wait_listed(stack, case_id, "handling")
        timeline = (await stack.get(f"/api/v1/cases/{case_id}/timeline")).json()
        assert [e["action"] for e in timeline] == ["register", "accept"]  # applied once
    handles = [
        w async for w in stack.env.client.list_workflows(f"WorkflowId = 'petition-{case_id}'")
    ]
    assert len(handles) == 1


async def test_idempotent_retry_of_an_urgent_registration_answers_the_first_result(
    api: Stack,
) -> None:
    """An urgent case starts at the county, outside the village officer's scope (they read it,
    they do not act on it): the retry still answers the first result, and so does a retry after
    the answer was lost."""
    body = {"petitioner_id_number": resident_id(), "severity": "urgent"}
    first = await api.register(key="urgent-1", **body)
    assert first.status_code == 201, first.text
    assert first.json()["unit_id"] == "pinghu"
    again = await api.register(key="urgent-1", **body)
    assert again.status_code == 201, again.text
    assert again.json()["case_id"] == first.json()["case_id"]
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    read = await api.get(f"/api/v1/cases/{first.json()['case_id']}")
    assert read.status_code == 200 and read.json()["allowed_actions"] == []

    # the first answer was lost before it was recorded: the key still names the case
    body = {"petitioner_id_number": resident_id(), "severity": "urgent"}
    lost = await api.register(key="urgent-2", **body)
    with Session(api.engine) as session:
        session.exec(delete(IdempotencyRow).where(IdempotencyRow.key.endswith(":urgent-2")))
        session.commit()
    retry = await api.register(key="urgent-2", **body)
    assert retry.status_code == 201, retry.text
    assert retry.json()["case_id"] == lost.json()["case_id"]


async def test_a_lost_answer_of_a_case_closed_since_never_starts_it_again(api: Stack) -> None:
    """The first try registered the case and its answer was lost; the case has closed since.
    The retry answers what the first try would have (Temporal keeps the registration update's
    outcome on the closed workflow), and the case's workflow id is not run a second time."""
    body = {"petitioner_id_number": resident_id()}
    first = await api.register(key="closed-1", **body)
    assert first.status_code == 201, first.text
    case_id = first.json()["case_id"]
    assert (await api.act(case_id, "withdraw", note="信访人撤回")).status_code == 200
    await wait_listed(api, case_id, "withdrawn")
    with Session(api.engine) as session:
        session.exec(delete(IdempotencyRow).where(IdempotencyRow.key.endswith(":closed-1")))
        session.commit()
    retry = await api.register(key="closed-1", **body)
    assert retry.status_code == 201, retry.text
    assert (retry.json()["case_id"], retry.json()["state"]) == (case_id, "registered")
    runs = [w async for w in api.env.client.list_workflows(f"WorkflowId = 'petition-{case_id}'")]
    assert len(runs) == 1


async def test_repeat_outside_the_callers_scope_answers_the_tracking_view(api: Stack) -> None:
    number = resident_id()
    first = (await api.register(petitioner_id_number=number)).json()
    await wait_listed(api, first["case_id"], "registered")
    # an officer of another village of the same county registers the same matter
    r = await api.register(
        "officer_zhapu", petitioner_id_number=number, unit_id="pinghu.zhapu.tangshan"
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == TRACKING_FIELDS
    assert body["tracking_code"] == first["tracking_code"]
    assert (body["state"], body["unit_name"]) == ("registered", "东门社区")
    assert "王" not in r.text and first["title"] not in r.text
    linked = (await api.get(f"/api/v1/cases/{first['case_id']}")).json()
    assert linked["visit_count"] == 2
    # its idempotent retry answers the same, not the case
    again = await api.register(
        "officer_zhapu", key="zhapu-1", petitioner_id_number=number, unit_id="pinghu.zhapu.tangshan"
    )
    retry = await api.register(
        "officer_zhapu", key="zhapu-1", petitioner_id_number=number, unit_id="pinghu.zhapu.tangshan"
    )
    assert again.status_code == retry.status_code == 200
    assert set(retry.json()) == TRACKING_FIELDS
    assert retry.json()["tracking_code"] == first["tracking_code"]


async def test_a_repeat_before_the_first_projection_write_is_linked(api: Stack) -> None:
    """Matching does not wait for the projection: the registration records the matter before
    its workflow starts."""
    number = resident_id()
    first = (await api.register(petitioner_id_number=number)).json()
    await wait_listed(api, first["case_id"], "registered")
    with Session(api.engine) as session:  # as if the projection had not written the case yet
        session.exec(delete(CaseEventRow).where(CaseEventRow.case_id == first["case_id"]))
        session.exec(delete(CaseRow).where(CaseRow.case_id == first["case_id"]))
        session.commit()
    repeat = await api.register(petitioner_id_number=number, channel="phone")
    assert repeat.status_code == 200, repeat.text
    assert repeat.json()["case_id"] == first["case_id"]
    assert repeat.json()["visit_count"] == 2
    # and at once, without waiting for anything
    rushed = (await api.register(petitioner_id_number=number, category="征地拆迁")).json()
    at_once = await api.register(petitioner_id_number=number, category="征地拆迁")
    assert at_once.status_code == 200 and at_once.json()["case_id"] == rushed["case_id"]


async def test_a_matter_whose_case_closed_is_a_new_case(api: Stack) -> None:
    number = resident_id()
    first = (await api.register(petitioner_id_number=number)).json()
    assert (await api.act(first["case_id"], "withdraw", note="撤回")).status_code == 200
    await wait_listed(api, first["case_id"], "withdrawn")
    second = await api.register(petitioner_id_number=number)
    assert second.status_code == 201, second.text
    assert second.json()["case_id"] != first["case_id"]
    third = await api.register(petitioner_id_number=number)
    assert third.status_code == 200 and third.json()["case_id"] == second.json()["case_id"]


async def test_tracking_shows_a_paused_case_as_paused(api: Stack) -> None:
    case = (await api.register()).json()
    case_id, code = case["case_id"], case["tracking_code"]
    assert (await api.act(case_id, "accept")).status_code == 200
    await wait_listed(api, case_id, "handling")
    running = (await api.get(f"/api/v1/track/{code}", who=None)).json()
    assert running["paused"] is False and running["next_due_at"] is not None

    r = await api.act(case_id, "suspend", reason="hearing", note="听证")
    assert r.status_code == 200, r.text
    assert any(d["status"] == "paused" for d in r.json()["deadlines"])
    await wait_listed(api, case_id, "suspended")
    paused = (await api.get(f"/api/v1/track/{code}", who=None)).json()
    assert (paused["state"], paused["paused"], paused["next_due_at"]) == ("suspended", True, None)

    assert (await api.act(case_id, "resume", note="听证结束")).status_code == 200
    await wait_listed(api, case_id, "handling")
    resumed = (await api.get(f"/api/v1/track/{code}", who=None)).json()
    assert resumed["paused"] is False and resumed["next_due_at"] is not None


async def test_the_acceptance_period_counts_from_the_day_of_receipt(api: Stack) -> None:
    """A letter received ten days ago and entered today: 受理告知 is counted from receipt, the
    unit's own window from today; the timeline keeps both dates."""
    today = datetime.now(SHANGHAI).date()
    received = today - timedelta(days=10)
    r = await api.register(received_on=received.isoformat())
    assert r.status_code == 201, r.text
    case = r.json()
    acceptance = next(d for d in case["deadlines"] if d["clock"] == "acceptance")
    level = next(d for d in case["deadlines"] if d["clock"] == "level")
    started = datetime.fromisoformat(acceptance["started_at"]).astimezone(SHANGHAI)
    assert started.date() == received
    last = received + timedelta(days=15)
    while not WorkCalendar().is_working_day(last):
        last += timedelta(days=1)
    expected = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    assert datetime.fromisoformat(acceptance["due_at"]) == expected
    assert datetime.fromisoformat(level["started_at"]).astimezone(SHANGHAI).date() == today
    await wait_listed(api, case["case_id"], "registered")
    timeline = (await api.get(f"/api/v1/cases/{case['case_id']}/timeline")).json()
    assert timeline[0]["params"]["received_on"] == received.isoformat()

    for bad in (today + timedelta(days=1), today - timedelta(days=400)):
        r = await api.register(received_on=bad.isoformat())
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].endswith("received_on")
