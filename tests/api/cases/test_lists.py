"""List filters and pagination read the projection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack


async def test_filters_and_pagination(api: Stack) -> None:
    made = []
    for i in range(5):
        r = await api.register(
            who="admin",
            unit_id="pinghu.danghu.dongmen" if i < 3 else "pinghu.zhapu.tangshan",
            category="物业纠纷" if i % 2 == 0 else "劳资纠纷",
            title=f"案件{i} 水电",
            severity="minor" if i != 4 else "major",
        )
        made.append(r.json()["case_id"])
    await api.act(made[0], "accept", who="admin")
    for case_id in made:
        await wait_listed(api, case_id, "handling" if case_id == made[0] else "registered", "admin")

    seen, cursor = [], None
    while True:
        more = {"cursor": cursor} if cursor else {}
        page = (await api.get("/api/v1/cases", who="admin", limit=2, **more)).json()
        seen += [c["case_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 5

    async def ids(**params) -> set[str]:
        page = (await api.get("/api/v1/cases", who="admin", **params)).json()
        return {c["case_id"] for c in page["items"]}

    assert await ids(state="handling") == {made[0]}
    assert await ids(open=True) == set(made)  # what the overview's 在办案件 tile opens
    assert await ids(open=False) == set()
    assert await ids(unit_id="pinghu.zhapu") == {made[3], made[4]}  # the subtree
    assert await ids(level="town") == {made[4]}  # major → starts at the town
    assert await ids(category="劳资纠纷") == {made[1], made[3]}
    assert await ids(q="案件2") == {made[2]}
    code = (await api.get(f"/api/v1/cases/{made[3]}", who="admin")).json()["tracking_code"]
    assert await ids(q=code) == {made[3]}
    assert await ids(q=f" {code.lower()} ") == {made[3]}  # as read out over the phone
    assert await ids(q="AAAAAAAAAAAAAAAA") == set()
    assert await ids(overdue=True) == set()
    assert await ids(created_from=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == set()
    assert await ids(created_to=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == set(made)
    await api.act(made[1], "withdraw", who="admin")
    await wait_listed(api, made[1], "withdrawn", "admin")
    assert await ids(open=True) == set(made) - {made[1]}
    assert await ids(open=False) == {made[1]}
    # officers see their own unit only, in lists too
    officer = {c["case_id"] for c in (await api.get("/api/v1/cases")).json()["items"]}
    assert officer == set(made[:3])


@pytest.fixture
def fast_policy(tmp_path, request):
    file = tmp_path / "policy.toml"
    # warned at 6 s, due at 12 s: windows wide enough for a loaded CI machine
    file.write_text(
        '[clocks]\nacceptance = "PT12S"\n[levels]\nvillage = "PT60S"\n[alerts]\nwarn_at = 0.5\n'
    )
    return file


async def test_overdue_and_at_risk_from_projected_due_times(
    stack: Stack, fast_policy, monkeypatch
) -> None:
    stack.settings.policy = fast_policy
    del stack.settings.__dict__["sla_policy"]  # the policy in force for new cases
    async with stack.run_worker():
        case_id = (await stack.register()).json()["case_id"]
        await wait_listed(stack, case_id, "registered")

        async def listed(**params) -> set[str]:
            page = (await stack.get("/api/v1/cases", who="admin", **params)).json()
            return {c["case_id"] for c in page["items"]}

        assert await listed(at_risk=True) == set()

        async def eventually(**params) -> bool:
            for _ in range(100):
                if case_id in await listed(**params):
                    return True
                await asyncio.sleep(0.2)
            return False

        assert await eventually(at_risk=True)  # past half of 12 s, from the projected times
        assert case_id not in await listed(overdue=True)
        assert await eventually(overdue=True)
        assert case_id not in await listed(overdue=False)

        # the list says since when: the breached period's due time, never a due time to come
        # (after the breach the case rose to the town, whose fresh windows run into the future)
        async def summary() -> dict:
            for _ in range(100):
                page = (await stack.get("/api/v1/cases", who="admin", overdue=True)).json()
                item = next(c for c in page["items"] if c["case_id"] == case_id)
                if item["level"] == "town":
                    return item
                await asyncio.sleep(0.2)
            raise AssertionError("the case did not rise to the town")

        item = await summary()
        snapshot = (await stack.get(f"/api/v1/cases/{case_id}", who="admin")).json()
        acceptance = next(d for d in snapshot["deadlines"] if d["id"] == "acceptance#1")
        assert acceptance["status"] == "breached"
        since = datetime.fromisoformat(item["overdue_since"])
        assert since == datetime.fromisoformat(acceptance["due_at"]) <= datetime.now(UTC)
        assert datetime.fromisoformat(item["next_due_at"]) > since
