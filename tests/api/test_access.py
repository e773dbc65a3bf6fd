"""Who sees and does what: 401 without a valid token, 404 outside scope, 403 for the wrong role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from models.tables import UserRow
from tests.api.conftest import Stack

# A case registered at 东门社区 (village under 当湖街道).
SEES = {
    "officer": True,  # its own unit
    "officer_town": False,  # an officer of the town sees only the town's own cases
    "officer_zhapu": False,
    "supervisor": True,  # 当湖街道's subtree
    "supervisor_zhapu": False,
    "admin": True,
}


@pytest.mark.parametrize("who", sorted(SEES))
async def test_scope_of_reads_and_actions(api: Stack, who: str) -> None:
    case_id = (await api.register()).json()["case_id"]
    r = await api.get(f"/api/v1/cases/{case_id}", who=who)
    assert r.status_code == (200 if SEES[who] else 404)
    assert (await api.get(f"/api/v1/cases/{case_id}/timeline", who=who)).status_code in (
        (200,) if SEES[who] else (404,)
    )
    r = await api.act(case_id, "accept", who=who)
    expected = 404 if not SEES[who] else 403 if who == "supervisor" else 200
    assert r.status_code == expected, r.text
    if r.status_code == 403:
        # a supervisor may only supervise it yet: a 督办单, a 包案 leader, or linking and merging
        # it as the same matter
        assert r.json()["allowed_actions"] == ["supervise", "assign_leader", "link", "merge"]


async def test_supervisor_actions(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    await api.act(case_id, "accept")
    assert (await api.act(case_id, "extend", who="officer", days=5, reason="x")).status_code == 403
    assert (await api.act(case_id, "extend", who="admin", days=5, reason="x")).status_code == 200
    r = await api.act(case_id, "extend", who="supervisor", days=5, reason="x")
    assert r.status_code == 409 and "extend" not in r.json()["allowed_actions"]


async def test_tokens(api: Stack) -> None:
    assert (await api.http.get("/api/v1/cases")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    r = await api.http.get("/api/v1/cases", headers=bad)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    malformed = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert (await api.http.get("/api/v1/cases", headers=malformed)).status_code == 401
    with Session(api.engine) as session, session.begin():
        user = session.get(UserRow, "u-officer_zhapu")
        assert user is not None
        user.revoked_at = datetime.now(UTC)
        expired = session.get(UserRow, "u-officer_town")
        assert expired is not None
        expired.expires_at = datetime(2020, 1, 1, tzinfo=UTC)
    assert (await api.get("/api/v1/cases", who="officer_zhapu")).status_code == 401
    assert (await api.get("/api/v1/cases", who="officer_town")).status_code == 401


async def test_registering_outside_scope(api: Stack) -> None:
    r = await api.register(who="officer_zhapu")  # 东门社区 is not theirs
    assert r.status_code == 403


async def test_units_within_scope(api: Stack) -> None:
    units = (await api.get("/api/v1/units", who="supervisor")).json()
    assert {u["id"] for u in units} == {
        "pinghu.danghu",
        "pinghu.danghu.dongmen",
    }
    assert len((await api.get("/api/v1/units", who="admin")).json()) == 5
