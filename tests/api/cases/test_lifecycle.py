"""The whole lifecycle through HTTP, with the timeline and the list."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Stack


async def wait_listed(api: Stack, case_id: str, state: str, who: str = "officer") -> None:
    for _ in range(100):
        r = await api.get(f"/api/v1/cases/{case_id}/timeline", who=who)
        if r.status_code == 200 and r.json() and r.json()[-1]["to_state"] == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} never projected as {state}")


async def test_full_lifecycle_over_http(api: Stack) -> None:
    r = await api.register()
    assert r.status_code == 201, r.text
    case = r.json()
    case_id = case["case_id"]
    assert case["state"] == "registered" and case["state_label"] == "已登记待受理"
    assert case["allowed_actions"] == ["accept", "decline", "forward", "withdraw"]
    assert [d["clock"] for d in case["deadlines"]] == ["acceptance", "level"]

    steps = [
        ("accept", "officer", {"note": "受理"}),
        ("assess", "officer", {"claim": "partly_reasonable", "hardship": True}),
        ("complete_track", "officer", {"track": "resolution"}),
        ("complete_track", "officer", {"track": "education"}),
        ("complete_track", "officer", {"track": "assistance"}),
        ("extend", "supervisor", {"days": 10, "reason": "需协调多部门"}),
        ("reply", "officer", {"summary": "书面答复意见"}),
        ("feedback", "officer", {"rating": "basically_satisfied"}),
        ("request_review", "officer", {}),  # 复查 goes to the town above the village
        ("review_opinion", "officer_town", {"decision": "upheld", "summary": "维持"}),
        ("request_re_review", "officer_town", {}),  # 复核 to the county above the town
        ("re_review_opinion", "officer_county", {"decision": "upheld", "summary": "维持"}),
    ]
    for action, who, params in steps:
        r = await api.act(case_id, action, who=who, **params)
        assert r.status_code == 200, (action, r.text)
    final = r.json()
    assert final["state"] == "closed" and final["allowed_actions"] == []

    # the replying village no longer holds the case (it reads it, takes no action); the county
    # that recorded 复核 does
    village = await api.get(f"/api/v1/cases/{case_id}")
    assert village.status_code == 200 and village.json()["unit_id"] == "pinghu"
    r = await api.get(f"/api/v1/cases/{case_id}", who="officer_county")
    assert r.status_code == 200 and r.json()["state"] == "closed"

    await wait_listed(api, case_id, "closed", who="officer_county")
    timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline", who="officer_county")).json()
    assert [e["action"] for e in timeline] == ["register"] + [s[0] for s in steps]
    assert [e["seq"] for e in timeline] == list(range(1, len(timeline) + 1))
    assert timeline[6]["actor"] == "u-supervisor" and timeline[6]["role"] == "supervisor"
    assert timeline[1]["from_state"] == "registered" and timeline[1]["to_state"] == "handling"

    listed = (await api.get("/api/v1/cases", who="officer_county", state="closed")).json()
    assert [c["case_id"] for c in listed["items"]] == [case_id]


async def test_repeat_final_matter_is_declined(api: Stack) -> None:
    r = await api.register(petitioner_id_number="330482199001019998")
    case_id = r.json()["case_id"]
    for action, who, params in [
        ("accept", "officer", {}),
        ("assess", "officer", {"claim": "unreasonable"}),
        ("complete_track", "officer", {"track": "education"}),
        ("reply", "officer", {"summary": "答复"}),
        ("request_review", "officer", {}),
        ("review_opinion", "officer_town", {"decision": "upheld", "summary": "维持"}),
        ("request_re_review", "officer_town", {}),
        ("re_review_opinion", "officer_county", {"decision": "upheld", "summary": "维持"}),
    ]:
        assert (await api.act(case_id, action, who=who, **params)).status_code == 200
    await wait_listed(api, case_id, "closed", who="officer_county")
    again = await api.register(petitioner_id_number="330482199001019998")
    assert again.status_code == 201
    assert again.json()["state"] == "not_accepted"
    assert again.json()["decline_reason"] == "repeat_final"
