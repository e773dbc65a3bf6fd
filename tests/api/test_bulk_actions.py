"""Bulk actions through the public API against a real worker, on both databases: one 督办单 for
many cases (ok, and 404 for cases out of scope or unknown), a batch acceptance meeting a case
that no longer allows it (409 with the allowed actions), the refusals of the request itself, and
an item sent again after a restart that the case applies once."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, delete
from temporalio.testing import ActivityEnvironment

from activities.bulk import BulkActivities
from models.boundary import ActionRequest
from models.bulk import MAX_CASES, BulkItem
from models.tables import BulkActionItemRow
from tests.api.cases.test_hand_over import county_case, hand_over, staff
from tests.api.conftest import Stack


async def finished(api: Stack, job_id: str, who: str, timeout: float = 30) -> dict:
    for _ in range(int(timeout / 0.1)):
        job = (await api.get(f"/api/v1/bulk-actions/{job_id}", who=who)).json()
        if job["status"] == "done":
            return job
        await asyncio.sleep(0.1)
    raise AssertionError("the bulk action did not finish in time")


async def test_one_order_for_many_cases(api: Stack) -> None:
    ours = [(await api.register()).json()["case_id"] for _ in range(2)]
    theirs = (await api.register(who="officer_zhapu", unit_id="pinghu.zhapu.tangshan")).json()[
        "case_id"
    ]
    started = await api.http.post(
        "/api/v1/bulk-actions",
        json={
            "action": "supervise",
            "params": {"instructions": "限期答复", "respond_within": 5},
            "case_ids": [*ours, theirs, "no-such-case"],
        },
        headers=api.auth("supervisor"),
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert started.headers["Location"] == f"/api/v1/bulk-actions/{job_id}"

    job = await finished(api, job_id, "supervisor")
    assert (job["total"], job["ok"], job["failed"]) == (4, 2, 2)
    results = {i["case_id"]: i for i in job["items"]}
    assert [results[c]["result"] for c in ours] == ["ok", "ok"]
    assert results[ours[0]]["state"] == "registered"
    for refused in (theirs, "no-such-case"):
        assert results[refused]["status"] == 404
        assert results[refused]["problem"]["status"] == 404
    for case_id in ours:
        snap = (await api.get(f"/api/v1/cases/{case_id}", who="supervisor")).json()
        assert [o["instructions"] for o in snap["orders"]] == ["限期答复"]
    untouched = (await api.get(f"/api/v1/cases/{theirs}", who="admin")).json()
    assert untouched["orders"] == []

    # Only the one who started it (and admins) read the job.
    other = await api.get(f"/api/v1/bulk-actions/{job_id}", who="supervisor_zhapu")
    assert other.status_code == 404
    assert (await api.get(f"/api/v1/bulk-actions/{job_id}", who="admin")).status_code == 200

    # Sent again after a restart (its stored answer lost): the same update id, applied once.
    item = BulkItem(
        job_id=job_id,
        case_id=ours[0],
        request=ActionRequest(
            action="supervise",
            params={"instructions": "限期答复", "respond_within": 5},
            role="supervisor",
            user_id="u-supervisor",
            caller_unit_id="pinghu.danghu",
        ),
    )
    with Session(api.engine) as session:
        session.exec(delete(BulkActionItemRow).where(BulkActionItemRow.case_id == ours[0]))  # type: ignore[arg-type]
        session.commit()
    activities = BulkActivities(api.engine, api.env.client)
    assert await ActivityEnvironment().run(activities.apply_item, item) == 200
    snap = (await api.get(f"/api/v1/cases/{ours[0]}", who="supervisor")).json()
    assert len(snap["orders"]) == 1


async def test_batch_meets_the_single_actions_refusals(api: Stack) -> None:
    first, second = [(await api.register()).json()["case_id"] for _ in range(2)]
    assert (await api.act(first, "accept")).status_code == 200
    started = await api.http.post(
        "/api/v1/bulk-actions",
        json={"action": "accept", "case_ids": [first, second]},
        headers=api.auth("officer"),
    )
    assert started.status_code == 202, started.text
    job = await finished(api, started.json()["job_id"], "officer")
    results = {i["case_id"]: i for i in job["items"]}
    assert results[second]["result"] == "ok" and results[second]["state"] == "handling"
    refused = results[first]
    assert refused["status"] == 409
    assert refused["problem"]["type"] == "/problems/InvalidTransition"
    assert "accept" not in refused["problem"]["allowed_actions"]
    assert "assess" in refused["problem"]["allowed_actions"]

    def bulk(body: dict, who: str = "supervisor"):  # type: ignore[no-untyped-def]
        return api.http.post("/api/v1/bulk-actions", json=body, headers=api.auth(who))

    no_text = await bulk({"action": "supervise", "params": {}, "case_ids": [first]})
    assert no_text.status_code == 422, no_text.text
    too_many = [f"c{i}" for i in range(MAX_CASES + 1)]
    many = await bulk({"action": "accept", "case_ids": too_many}, who="officer")
    assert many.status_code == 422
    twice = await bulk({"action": "accept", "case_ids": [first, first]}, who="officer")
    assert twice.status_code == 422
    unknown = await bulk({"action": "no_such_action", "case_ids": [first]})
    assert unknown.status_code == 422


async def test_a_batch_handed_over_to_a_department(api: Stack) -> None:
    """交办 of a batch: each case's request is built as the single action's is (the units it
    names resolved), so the department leads every case of the batch."""
    staff(api)
    cases = [await county_case(api) for _ in range(2)]
    started = await api.http.post(
        "/api/v1/bulk-actions",
        json={"action": "hand_over", "params": hand_over(co_unit_ids=[]), "case_ids": cases},
        headers=api.auth("officer_county"),
    )
    assert started.status_code == 202, started.text
    job = await finished(api, started.json()["job_id"], "officer_county")
    assert (job["ok"], job["failed"]) == (2, 0), job
    for case_id in cases:
        snap = (await api.get(f"/api/v1/cases/{case_id}", who="zjj")).json()
        assert snap["unit_id"] == "pinghu.zjj"
        assert [h["lead"]["id"] for h in snap["hand_overs"]] == ["pinghu.zjj"]

    async def listed() -> set[str]:
        page = await api.get("/api/v1/cases", who="officer_county", department="pinghu.zjj")
        return {c["case_id"] for c in page.json()["items"]}

    for _ in range(200):  # the list reads the projection
        if await listed() >= set(cases):
            break
        await asyncio.sleep(0.1)
    assert await listed() >= set(cases)
