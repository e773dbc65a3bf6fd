"""督办单 and 领导包案 through the public API, against a real worker on both databases: orders
issued and answered (several open at once), their refusals, the leader and the 积案 workbench's
filters, and the automatic order a breach at the county issues, whose own clock breaches by
itself."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from tests.api.conftest import Stack, resident_id

FAST_AT_COUNTY = """
[clocks]
acceptance = "PT1S"
supervision = "PT2S"
[alerts]
renotify_every = "PT600S"
"""


async def wait_for(check, timeout: float = 20):  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.1)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def listed(api: Stack, who: str = "supervisor", **filters: object) -> set[str]:
    page = await api.get("/api/v1/cases", who=who, **filters)
    assert page.status_code == 200, page.text
    return {c["case_id"] for c in page.json()["items"]}


async def test_orders_answered_and_a_leader_named(api: Stack) -> None:
    case = (await api.register()).json()
    case_id = case["case_id"]
    assert "supervise" not in case["allowed_actions"]

    refused = await api.act(case_id, "supervise", who="officer", instructions="请尽快处理")
    assert refused.status_code == 403, refused.text

    first = await api.act(
        case_id, "supervise", who="supervisor", instructions="七日内答复", respond_within=7
    )
    assert first.status_code == 200, first.text
    second = await api.act(case_id, "supervise", who="supervisor", instructions="再次督办")
    snap = second.json()
    assert [(o["id"], o["open"]) for o in snap["orders"]] == [
        ("order-1", True),
        ("order-2", True),
    ]
    assert snap["orders"][0]["issuing_unit"] == "pinghu.danghu"
    clocks = {d["id"]: d for d in snap["deadlines"]}
    assert clocks["order#1"]["status"] == "running" and clocks["order#2"]["status"] == "running"
    as_officer = (await api.get(f"/api/v1/cases/{case_id}")).json()
    assert "respond_supervision" in as_officer["allowed_actions"]

    async def with_orders(wanted: bool) -> bool:  # as the projection catches up
        return (case_id in await listed(api, open_orders="true")) == wanted

    await wait_for(lambda: with_orders(True))

    # The officers of the unit holding the case answer, not the supervisor who issued it.
    above = await api.act(case_id, "respond_supervision", who="supervisor", summary="已办")
    assert above.status_code == 403, above.text
    answered = await api.act(
        case_id, "respond_supervision", summary="已约谈物业", order_id="order-2"
    )
    assert answered.status_code == 200, answered.text
    orders = {o["id"]: o for o in answered.json()["orders"]}
    assert not orders["order-2"]["open"] and orders["order-1"]["open"]
    assert orders["order-2"]["late"] is False
    oldest = await api.act(case_id, "respond_supervision", summary="已答复")
    assert [o["open"] for o in oldest.json()["orders"]] == [False, False]
    none_open = await api.act(case_id, "respond_supervision", summary="再答复")
    assert none_open.status_code == 409, none_open.text
    assert "督办单" in none_open.json()["detail"]
    assert "respond_supervision" not in none_open.json()["allowed_actions"]
    await wait_for(lambda: with_orders(False))

    target = (date.today() + timedelta(days=30)).isoformat()
    not_supervisor = await api.act(
        case_id, "assign_leader", who="supervisor", leader_user_id="u-officer", plan="包案",
        target_date=target,
    )  # fmt: skip
    assert not_supervisor.status_code == 422, not_supervisor.text
    past = await api.act(
        case_id, "assign_leader", who="supervisor", leader_user_id="u-supervisor", plan="包案",
        target_date=(date.today() - timedelta(days=3)).isoformat(),
    )  # fmt: skip
    assert past.status_code == 422, past.text
    outside = await api.act(
        case_id, "assign_leader", who="supervisor", leader_user_id="u-supervisor_zhapu",
        plan="包案", target_date=target,
    )  # fmt: skip
    assert outside.status_code == 422, outside.text
    led = await api.act(
        case_id, "assign_leader", who="supervisor", leader_user_id="u-supervisor",
        plan="三十日内化解", target_date=target,
    )  # fmt: skip
    assert led.status_code == 200, led.text
    assert led.json()["leader"]["user_id"] == "u-supervisor"
    assert led.json()["leader"]["target_date"] == target

    async def projected() -> bool:
        return case_id in await listed(api, leader="u-supervisor")

    await wait_for(projected)
    page = (await api.get("/api/v1/cases", who="supervisor", leader="u-supervisor")).json()
    row = next(c for c in page["items"] if c["case_id"] == case_id)
    assert row["leader"]["plan"] == "三十日内化解" and row["open_orders"] == 0
    assert case_id not in await listed(api, backlog="true")

    async def recorded() -> list[dict]:
        events = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
        return [e for e in events if e["action"] in ("supervise", "respond_supervision")]

    async def all_recorded() -> list[dict] | None:
        found = await recorded()
        return found if len(found) == 4 else None

    events = await wait_for(all_recorded)
    stats = (await api.get("/api/v1/stats/supervision", who="supervisor")).json()
    assert stats["orders"] | {"overdue": 0} == {
        "issued": 2, "automatic": 0, "answered": 2, "answered_late": 0, "open": 0, "overdue": 0
    }  # fmt: skip
    assert stats["leader"] == {"cases": 1, "open": 1, "closed": 0, "closed_by_target": 0}
    assert [(e["action"], e["params"]["order_id"]) for e in events] == [
        ("supervise", "order-1"),
        ("supervise", "order-2"),
        ("respond_supervision", "order-2"),
        ("respond_supervision", "order-1"),
    ]


async def test_backlog_list_uses_the_statistics_rule(api: Stack) -> None:
    person = resident_id()
    case_id = (await api.register(petitioner_id_number=person)).json()["case_id"]
    for _ in range(2):  # the third time the petitioner raises it: 积案 (BACKLOG_VISITS)
        again = await api.register(petitioner_id_number=person)
        assert again.status_code == 200, again.text

    async def backlog() -> bool:
        return case_id in await listed(api, backlog="true")

    await wait_for(backlog)
    assert case_id not in await listed(api, backlog="false")
    stats = (await api.get("/api/v1/stats", who="supervisor")).json()
    assert stats["workload"]["backlog"] >= 1


async def test_breach_at_the_county_issues_an_order_that_breaches_by_itself(
    stack: Stack,
) -> None:
    stack.use_policy(FAST_AT_COUNTY)
    async with stack.run_worker():
        case = (await stack.register(severity="urgent")).json()  # starts at the county
        case_id = case["case_id"]
        assert case["unit_id"] == "pinghu"

        async def order_breached() -> dict | None:
            snap = (await stack.get(f"/api/v1/cases/{case_id}", who="admin")).json()
            clocks = {d["id"]: d for d in snap["deadlines"]}
            return snap if clocks.get("order#1", {}).get("status") == "breached" else None

        snap = await wait_for(order_breached)
        order = snap["orders"][0]
        assert order["automatic"] and order["issued_by"] == "system"
        assert order["issuing_unit"] == "pinghu" and order["open"]

        async def order_alerts() -> list[dict]:
            items = (await stack.get("/api/v1/alerts", who="admin")).json()["items"]
            mine = [a for a in items if a["case_id"] == case_id]
            kinds = {(a["kind"], a["clock_id"]) for a in mine}
            return mine if ("breach", "order#1") in kinds else []

        found = await wait_for(order_alerts)
        kinds = {(a["kind"], a["clock_id"], a["unit_id"]) for a in found}
        assert ("supervision", "acceptance#1", "pinghu") in kinds
        assert ("breach", "order#1", "pinghu") in kinds

        late = await stack.act(
            case_id, "respond_supervision", who="officer_county", summary="已受理并约谈"
        )
        assert late.status_code == 200, late.text
        assert late.json()["orders"][0]["late"] is True

        async def counted() -> dict | None:
            stats = await stack.get("/api/v1/stats/supervision", who="admin", unit_id="pinghu")
            orders = stats.json()["orders"]
            return orders if orders["answered"] == 1 else None

        orders = await wait_for(counted)
        assert (orders["issued"], orders["automatic"], orders["answered_late"]) == (1, 1, 1)
