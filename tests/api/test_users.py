"""The user directory, assignment to an officer of the unit, the 回访 record, and names beside
user ids on the case and its timeline."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from api.auth import create_user
from models.tables import UserRow
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.cases.test_visibility import wait_projected
from tests.api.conftest import Stack

NAMES = {"u-officer": "陈静", "u-officer_zhapu": "周明", "u-supervisor": "李督办"}


def name_users(api: Stack) -> None:
    with Session(api.engine) as session, session.begin():
        for user_id, name in NAMES.items():
            user = session.get(UserRow, user_id)
            assert user is not None
            user.name = name


async def test_directory_lists_the_callers_subtree_without_tokens(api: Stack) -> None:
    name_users(api)
    r = await api.get("/api/v1/users", who="supervisor")
    assert r.status_code == 200, r.text
    users = r.json()
    assert {u["id"] for u in users} == {"u-supervisor", "u-officer_town", "u-officer"}
    officer = next(u for u in users if u["id"] == "u-officer")
    assert officer == {
        "id": "u-officer",
        "name": "陈静",
        "role": "officer",
        "unit_id": "pinghu.danghu.dongmen",
        "unit_name": "东门社区",
    }
    assert not any("token" in key for u in users for key in u)
    officers = await api.get("/api/v1/users", who="supervisor", role="officer")
    assert {u["id"] for u in officers.json()} == {"u-officer_town", "u-officer"}
    own = await api.get("/api/v1/users", who="supervisor", unit_id="pinghu.danghu.dongmen")
    assert [u["id"] for u in own.json()] == ["u-officer"]
    outside = await api.get("/api/v1/users", who="supervisor", unit_id="pinghu.zhapu")
    assert outside.status_code == 404
    assert {u["id"] for u in (await api.get("/api/v1/users", who="officer")).json()} == {
        "u-officer"
    }
    assert len((await api.get("/api/v1/users", who="admin")).json()) == 7


async def test_assign_takes_an_officer_of_the_unit_and_shows_names(api: Stack) -> None:
    name_users(api)
    colleague, _ = create_user(
        api.engine, role="officer", unit_id="pinghu.danghu.dongmen", name="王敏"
    )
    case_id = (await api.register()).json()["case_id"]
    assert (await api.act(case_id, "accept")).status_code == 200
    for officer_id in ("陈静", "u-officer_zhapu", "u-supervisor", "u-nobody"):
        r = await api.act(case_id, "assign", who="supervisor", officer_id=officer_id)
        assert r.status_code == 422, (officer_id, r.text)
        assert "承办人须为本单位的工作人员" in r.json()["detail"]
        assert r.json()["errors"][0]["field"] == "officer_id"
    r = await api.act(case_id, "assign", who="supervisor", officer_id=colleague.id)
    assert r.status_code == 200, r.text
    assert (r.json()["assignee"], r.json()["assignee_name"]) == (colleague.id, "王敏")
    assigned_seq = r.json()["event_seq"]

    with Session(api.engine) as session, session.begin():
        revoked = session.get(UserRow, colleague.id)
        assert revoked is not None
        revoked.revoked_at = datetime.now(ZoneInfo("UTC"))
    r = await api.act(case_id, "assign", officer_id=colleague.id)
    assert r.status_code == 422  # no longer a user who works there

    await wait_projected(api, case_id, assigned_seq)  # the state was already handling
    timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
    assign = next(e for e in timeline if e["action"] == "assign")
    assert assign["actor_name"] == "李督办"
    assert assign["user_names"] == {colleague.id: "王敏"}  # a revoked user keeps their name
    assert timeline[0]["actor_name"] == "陈静"


async def test_feedback_records_the_callback(api: Stack) -> None:
    name_users(api)
    case_id = (await api.register()).json()["case_id"]
    for action, params in [
        ("accept", {}),
        ("assess", {"claim": "unreasonable"}),
        ("complete_track", {"track": "education"}),
        ("reply", {"summary": "书面答复"}),
    ]:
        assert (await api.act(case_id, action, **params)).status_code == 200, action
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    refused = {
        "method": ({"method": "fax"}, "method"),
        "future": ({"contacted_on": (today + timedelta(days=1)).isoformat()}, "晚于今天"),
        "before the reply": ({"contacted_on": (today - timedelta(days=1)).isoformat()}, "书面答复"),
        "not a date": ({"contacted_on": "29/11/2026"}, "YYYY-MM-DD"),
        "other unit": ({"caller": "u-officer_zhapu"}, "回访人须为本单位的工作人员"),
        "unknown caller": ({"caller": "u-nobody"}, "回访人须为本单位的工作人员"),
    }
    for what, (params, reason) in refused.items():
        r = await api.act(case_id, "feedback", rating="satisfied", **params)
        assert r.status_code == 422, (what, r.text)
        assert reason in r.text, (what, r.text)
    r = await api.act(
        case_id,
        "feedback",
        rating="basically_satisfied",
        method="phone",
        contacted_on=today.isoformat(),
        note="电话回访，基本满意",
    )
    assert r.status_code == 200, r.text
    feedback = r.json()["feedback"]
    assert len(feedback) == 1  # the refused ones changed nothing
    assert (feedback[0]["method"], feedback[0]["contacted_on"], feedback[0]["caller"]) == (
        "phone",
        today.isoformat(),
        "u-officer",  # by default the one recording it
    )
    assert r.json()["user_names"]["u-officer"] == "陈静"
    # an admin recording it names no one by default (they did not make the call)
    by_admin = await api.act(case_id, "feedback", who="admin", rating="satisfied")
    assert by_admin.status_code == 200, by_admin.text
    latest = by_admin.json()["feedback"][-1]
    assert (latest["by"], latest["caller"], latest["contacted_on"]) == (
        "u-admin",
        None,
        today.isoformat(),
    )

    await wait_listed(api, case_id, "replied")
    for _ in range(50):
        timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
        if [e["action"] for e in timeline[-2:]] == ["feedback", "feedback"]:
            break
        await asyncio.sleep(0.05)
    event = timeline[-2]
    assert event["action"] == "feedback"
    assert {k: event["params"][k] for k in ("method", "contacted_on", "caller")} == {
        "method": "phone",
        "contacted_on": today.isoformat(),
        "caller": "u-officer",
    }
    assert event["user_names"] == {"u-officer": "陈静"}
