"""Visibility follows the work: the unit that received a case and every unit it passed through
keep reading it (page, timeline, list) after it moves on; acting stays with the unit holding it."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from models.tables import CaseUnitRow
from tests.api.alerts.test_alerts import wait_for
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack


async def listed(api: Stack, who: str) -> set[str]:
    r = await api.get("/api/v1/cases", who=who, limit=200)
    assert r.status_code == 200, r.text
    return {c["case_id"] for c in r.json()["items"]}


async def assert_reads_only(api: Stack, case_id: str, who: str, action: str, **params) -> None:
    """``who`` reads the case, its timeline and finds it in their list, but may not act."""
    r = await api.get(f"/api/v1/cases/{case_id}", who=who)
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == []
    assert r.json()["may_reveal_contact"] is False
    assert (await api.get(f"/api/v1/cases/{case_id}/timeline", who=who)).status_code == 200
    assert case_id in await listed(api, who)
    refused = await api.act(case_id, action, who=who, **params)
    assert refused.status_code == 403, refused.text
    assert "其他单位" in refused.json()["detail"] and refused.json()["allowed_actions"] == []


async def wait_projected(api: Stack, case_id: str, seq: int) -> None:
    """Until the projection (lists) has the case's event ``seq``."""
    for _ in range(100):
        r = await api.get(f"/api/v1/cases/{case_id}/timeline", who="admin")
        if r.status_code == 200 and r.json() and r.json()[-1]["seq"] >= seq:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} never projected up to event {seq}")


def units_of(api: Stack, case_id: str) -> set[str]:
    with Session(api.engine) as session:
        query = select(CaseUnitRow.unit_id).where(CaseUnitRow.case_id == case_id)
        return set(session.exec(query).all())


async def test_a_major_case_routed_up_stays_readable_by_the_registering_village(api: Stack) -> None:
    r = await api.register(severity="major")
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["unit_id"] == "pinghu.danghu"  # routed up to the town at registration
    assert case["earlier_units"] == ["pinghu.danghu.dongmen"]
    assert case["allowed_actions"] == []  # the village officer registered it; the town acts
    case_id = case["case_id"]
    await wait_listed(api, case_id, "registered", who="officer_town")
    await assert_reads_only(api, case_id, "officer", "accept")
    town = (await api.get(f"/api/v1/cases/{case_id}", who="officer_town")).json()
    assert "accept" in town["allowed_actions"]
    # a unit it never was at still does not see it
    assert (await api.get(f"/api/v1/cases/{case_id}", who="officer_zhapu")).status_code == 404
    assert case_id not in await listed(api, "officer_zhapu")
    assert units_of(api, case_id) == {"pinghu.danghu.dongmen", "pinghu.danghu"}


async def test_forward_and_escalation_keep_every_unit_on_the_way(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    assert (await api.act(case_id, "accept")).status_code == 200
    r = await api.act(case_id, "escalate", note="需街道协调")
    assert r.status_code == 200 and r.json()["unit_id"] == "pinghu.danghu"
    await wait_projected(api, case_id, r.json()["event_seq"])
    await assert_reads_only(api, case_id, "officer", "assess", claim="reasonable")
    r = await api.act(case_id, "forward", who="officer_town", unit_id="pinghu.zhapu.tangshan")
    assert r.status_code == 200, r.text
    assert r.json()["earlier_units"] == ["pinghu.danghu.dongmen", "pinghu.danghu"]
    await wait_projected(api, case_id, r.json()["event_seq"])
    for who in ("officer", "officer_town", "supervisor"):
        await assert_reads_only(api, case_id, who, "accept")
    # the receiving village acts, its town's supervisor sees it as before
    assert (await api.act(case_id, "accept", who="officer_zhapu")).status_code == 200
    assert case_id in await listed(api, "supervisor_zhapu")
    await wait_listed(api, case_id, "handling")
    assert units_of(api, case_id) == {
        "pinghu.danghu.dongmen",
        "pinghu.danghu",
        "pinghu.zhapu.tangshan",
    }
    # the unit filter still means where the case is now
    now_at = await api.get("/api/v1/cases", who="supervisor", unit_id="pinghu.danghu")
    assert case_id not in {c["case_id"] for c in now_at.json()["items"]}


async def test_handed_over_for_review_the_replying_village_still_reads(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    for action, params in [
        ("accept", {}),
        ("assess", {"claim": "unreasonable"}),
        ("complete_track", {"track": "education"}),
        ("reply", {"summary": "书面答复"}),
        ("request_review", {}),  # 复查 by the town: the case is handed over
    ]:
        r = await api.act(case_id, action, **params)
        assert r.status_code == 200, action
    await wait_projected(api, case_id, r.json()["event_seq"])
    await assert_reads_only(api, case_id, "officer", "withdraw")
    r = await api.act(
        case_id, "review_opinion", who="officer_town", decision="upheld", summary="维持"
    )
    assert r.status_code == 200, r.text


FAST_LEVEL = """
[levels]
village = "PT2S"
"""


async def test_after_automatic_escalation_the_alert_still_opens_the_case(stack: Stack) -> None:
    stack.use_policy(FAST_LEVEL)
    async with stack.run_worker():
        case_id = (await stack.register()).json()["case_id"]

        async def escalated():
            r = await stack.get(f"/api/v1/cases/{case_id}", who="officer_town")
            return r.status_code == 200 and r.json()["unit_id"] == "pinghu.danghu"

        async def village_alerted():
            alerts = (await stack.get("/api/v1/alerts", who="officer")).json()["items"]
            return case_id in {a["case_id"] for a in alerts}

        await wait_for(escalated, timeout=30)
        await wait_for(village_alerted)  # the village's own breach alert, linking to the case
        await assert_reads_only(stack, case_id, "officer", "accept")
