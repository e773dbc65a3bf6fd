"""交办/会办 through the public API, with a real worker, on SQLite and PostgreSQL: the county
hands a case to 住建局 with 人社局 co-handling; what each side may read and do, the refusals, the
department filter, Open311's agency, the statistics; a hand-over deadline breaching by itself."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from api.auth import create_user
from tests.api.conftest import Stack
from tests.test_departments import add_departments

FAST = """
[clocks]
handling = "PT600S"
hand_over_day = "PT1S"
[levels]
village = "PT600S"
town = "PT600S"
"""


async def eventually(probe, timeout: float = 20) -> Any:
    for _ in range(int(timeout / 0.1)):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("never happened")


def staff(api: Stack) -> None:
    """Officers of the two departments (users like any unit's)."""
    add_departments(api.engine)
    for who, unit in (("zjj", "pinghu.zjj"), ("rsj", "pinghu.rsj")):
        api.tokens[who] = create_user(api.engine, role="officer", unit_id=unit, user_id=f"u-{who}")[
            1
        ]


async def county_case(api: Stack) -> str:
    r = await api.register("officer_county", unit_id="pinghu", severity="group", title="拖欠工资")
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    assert (await api.act(case_id, "accept", "officer_county")).status_code == 200
    return case_id


def hand_over(days: int = 10, **changes: Any) -> dict[str, Any]:
    return {
        "lead_unit_id": "pinghu.zjj",
        "co_unit_ids": ["pinghu.rsj"],
        "instructions": "住建局牵头办理，人社局会办工资部分",
        "days": days,
    } | changes


def due(snap: dict[str, Any], clock: str) -> datetime:
    return datetime.fromisoformat(next(d for d in snap["deadlines"] if d["id"] == clock)["due_at"])


async def test_hand_over_co_handling_and_reply(api: Stack) -> None:
    staff(api)
    case_id = await county_case(api)

    # 办理时限 past the statutory handling period, a unit outside the tree, the unit itself
    late = await api.act(case_id, "hand_over", "officer_county", **hand_over(days=61))
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "days", late.text
    nowhere = await api.act(case_id, "hand_over", "officer_county", **hand_over(co_unit_ids=["x"]))
    assert nowhere.status_code == 422 and "co_unit_ids.0" in nowhere.text
    by_zjj = await api.act(case_id, "hand_over", "zjj", **hand_over())
    assert by_zjj.status_code == 404  # not yet theirs

    r = await api.act(case_id, "hand_over", "officer_county", **hand_over())
    assert r.status_code == 200, r.text
    handed = r.json()
    assert handed["unit_id"] == "pinghu.zjj"
    assert handed["allowed_actions"] == ["take_back"]  # the handing unit supervises
    [task] = handed["hand_overs"][0]["co_tasks"]
    assert task["unit"]["id"] == "pinghu.rsj" and task["summary"] is None
    assert due(handed, "hand_over#1") == due(handed, "co_handling#1") <= due(handed, "handling#1")

    # the co-handler is told of its task, reads only what the task needs and may only report
    async def told() -> list[dict[str, Any]]:
        return (await api.get("/api/v1/alerts", who="rsj", kind="hand_over")).json()["items"]

    [alert] = await eventually(told)
    assert alert["case_id"] == case_id and "人社局" in alert["message"]
    seen = (await api.get(f"/api/v1/cases/{case_id}", who="rsj")).json()
    assert seen["allowed_actions"] == ["report"]
    assert seen["petitioner"]["name"] == "" and [d["id"] for d in seen["deadlines"]] == [
        "co_handling#1"
    ]
    outside = await api.act(case_id, "reply", "rsj", summary="越权答复")
    assert outside.status_code == 403 and outside.json()["allowed_actions"] == ["report"]
    assert (await api.get(f"/api/v1/cases/{case_id}/timeline", who="rsj")).status_code == 404

    # the lead handles, but replies only once every co-handler has reported
    for action, params in (
        ("assess", {"claim": "reasonable"}),
        ("complete_track", {"track": "resolution"}),
    ):
        assert (await api.act(case_id, action, "zjj", **params)).status_code == 200
    early = await api.act(case_id, "reply", "zjj", summary="答复意见")
    assert early.status_code == 409 and "会办单位尚未全部报送" in early.json()["detail"]
    assert "reply" not in early.json()["allowed_actions"]

    # Open311 names the lead unit while the hand-over is open
    code = handed["tracking_code"]

    async def agency() -> str | None:
        found = (await api.http.get(f"/open311/v2/requests/{code}.json")).json()
        return found[0]["agency_responsible"] if found else None

    assert await eventually(lambda: _is(agency, "住建局"))

    reported = await api.act(case_id, "report", "rsj", summary="工资已核实，已督促发放")
    assert reported.status_code == 200, reported.text
    assert (await api.get(f"/api/v1/cases/{case_id}", who="rsj")).status_code == 404  # task done
    replied = await api.act(case_id, "reply", "zjj", summary="答复意见")
    assert replied.status_code == 200 and replied.json()["state"] == "replied"
    clocks = {d["id"]: d["status"] for d in replied.json()["deadlines"]}
    assert (clocks["hand_over#1"], clocks["co_handling#1"]) == ("met", "met")

    # lists: the department filter finds the case for the lead and the co-handler
    async def listed(unit: str) -> bool:
        r = await api.get("/api/v1/cases", who="admin", department=unit)
        return [c["case_id"] for c in r.json()["items"]] == [case_id]

    assert await eventually(lambda: listed("pinghu.rsj"))
    assert await listed("pinghu.zjj")
    assert not (await api.get("/api/v1/cases", who="admin", department="pinghu")).json()["items"]

    async def counted() -> dict[str, Any] | None:
        r = await api.get("/api/v1/stats/hand-overs", who="admin", unit_id="pinghu")
        figures = {u["unit_id"]: u for u in r.json()["units"]}
        return r.json() if figures.get("pinghu.zjj", {}).get("done") == 1 else None

    stats = await eventually(counted)  # once the reply is projected
    figures = {u["unit_id"]: u for u in stats["units"]}
    assert stats["hand_overs"] == 1 and figures["pinghu.zjj"]["lead"] == 1
    assert figures["pinghu.rsj"]["kind"] == "department"
    assert figures["pinghu.rsj"]["on_time_rate"] == 1.0
    # a department's own figures, as any unit's: the case it replied, on time
    own = (await api.get("/api/v1/stats", who="admin", unit_id="pinghu.zjj")).json()
    assert own["period"]["on_time"]["replied"] == 1 and own["period"]["on_time"]["rate"] == 1.0
    assert own["workload"]["overdue"] == 0
    units = (await api.get("/api/v1/units", who="admin")).json()
    assert {u["id"]: u["kind"] for u in units}["pinghu.zjj"] == "department"


async def _is(probe, expected: Any) -> bool:
    return await probe() == expected


async def test_a_hand_over_deadline_breaches_by_itself_and_is_taken_back(stack: Stack) -> None:
    stack.use_policy(FAST)
    async with stack.run_worker():
        api = stack
        staff(api)
        case_id = await county_case(api)
        r = await api.act(case_id, "hand_over", "officer_county", **hand_over(days=2))
        assert r.status_code == 200, r.text

        # warned and breached: the late unit is told, and the handing unit to supervise (督办)
        expected = {
            ("warning", "pinghu.zjj", "hand_over#1"),
            ("warning", "pinghu.rsj", "co_handling#1"),
            ("breach", "pinghu.zjj", "hand_over#1"),
            ("breach", "pinghu.rsj", "co_handling#1"),
            ("supervision", "pinghu", "hand_over#1"),
            ("supervision", "pinghu", "co_handling#1"),
        }

        async def alerted() -> bool:
            items = (await api.get("/api/v1/alerts", who="admin")).json()["items"]
            found = {(a["kind"], a["unit_id"], a["clock_id"]) for a in items}
            return expected <= found

        await eventually(alerted)
        # the department's own officer sees its alert in its scope
        mine = (await api.get("/api/v1/alerts", who="rsj", kind="breach")).json()["items"]
        assert [a["clock_id"] for a in mine] == ["co_handling#1"]
        snap = (await api.get(f"/api/v1/cases/{case_id}", who="admin")).json()
        clocks = {d["id"]: d["status"] for d in snap["deadlines"]}
        assert (clocks["hand_over#1"], clocks["co_handling#1"]) == ("breached", "breached")
        assert snap["unit_id"] == "pinghu.zjj" and not snap["escalations"]  # the case stays
        assert not snap["overdue"]  # a task's lateness is not the statutory period's

        back = await api.act(case_id, "take_back", "officer_county", note="收回自办")
        assert back.status_code == 200, back.text
        assert back.json()["unit_id"] == "pinghu"
        assert back.json()["hand_overs"][0]["status"] == "taken_back"
        assert (await api.act(case_id, "report", "rsj", summary="迟报")).status_code == 404

        async def late_in_stats() -> bool:
            stats = await api.get("/api/v1/stats/hand-overs", who="admin", unit_id="pinghu")
            figures = {u["unit_id"]: u for u in stats.json()["units"]}
            rsj = figures.get("pinghu.rsj", {})
            return stats.json()["taken_back"] == 1 and rsj.get("late") == 1

        assert await eventually(late_in_stats)
