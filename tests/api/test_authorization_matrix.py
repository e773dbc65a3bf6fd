"""Every role × endpoint × in-scope / out-of-scope unit → the status the rules give.

The expectations are computed from the rules of API.md (officers: their unit; supervisors: their
unit's subtree; admins: everything; out of scope → 404, wrong role → 403, no valid token → 401),
not read back from the implementation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import USERS, Stack
from tests.conftest import UNITS

PARENT = {u.id: u.parent_id for u in UNITS}
CASE_UNITS = ["pinghu.danghu.dongmen", "pinghu.zhapu.tangshan"]


def ancestors(unit: str) -> list[str]:
    chain: list[str] = []
    current: str | None = unit
    while current:
        chain.append(current)
        current = PARENT[current]
    return chain


def sees(who: str, unit: str) -> bool:
    role, home = USERS[who]
    if role == "admin":
        return True
    if role == "supervisor":
        return home in ancestors(unit)
    return home == unit


def expect_read(who: str, unit: str) -> int:
    return 200 if sees(who, unit) else 404


def expect_accept(who: str, unit: str) -> int:
    if not sees(who, unit):
        return 404
    return 403 if USERS[who][0] == "supervisor" else 200  # accept is an officer action


def expect_reveal(who: str, unit: str) -> int:
    # supervisors and admins in scope; officers of the unit holding the case while it is open
    # (these cases are: just registered)
    return 200 if sees(who, unit) else 404


def expect_channel(who: str, unit: str) -> int:
    if USERS[who][0] == "officer":
        return 403
    return 201 if sees(who, unit) else 403


ENDPOINTS: dict[str, Callable[[str, str], int]] = {
    "read case": expect_read,
    "read timeline": expect_read,
    "stats of the unit": expect_read,
    "accept": expect_accept,
    "reveal pii": expect_reveal,
    "alert channel": expect_channel,
}


async def call(api: Stack, endpoint: str, who: str | None, case_id: str, unit: str) -> int:
    headers = api.auth(who) if who else {}
    match endpoint:
        case "read case":
            r = await api.http.get(f"/api/v1/cases/{case_id}", headers=headers)
        case "read timeline":
            r = await api.http.get(f"/api/v1/cases/{case_id}/timeline", headers=headers)
        case "stats of the unit":
            r = await api.http.get("/api/v1/stats", params={"unit_id": unit}, headers=headers)
        case "accept":
            r = await api.http.post(
                f"/api/v1/cases/{case_id}/actions", json={"action": "accept"}, headers=headers
            )
        case "reveal pii":
            r = await api.http.get(
                f"/api/v1/cases/{case_id}",
                params={"reveal": "pii", "reason": "矩阵测试"},
                headers=headers,
            )
        case "alert channel":
            r = await api.http.post(
                "/api/v1/alert-channels",
                json={"unit_id": unit, "kind": "email", "target": "a@b.cn"},
                headers=headers,
            )
    return r.status_code


@pytest.mark.parametrize("who", sorted(USERS))
async def test_matrix(api: Stack, who: str) -> None:
    cases = {}
    for unit in CASE_UNITS:
        r = await api.register(who="admin", unit_id=unit)
        assert r.status_code == 201
        cases[unit] = r.json()["case_id"]
    for case_id in cases.values():
        await wait_listed(api, case_id, "registered", who="admin")
    got, want = {}, {}
    for unit, case_id in cases.items():
        for endpoint, rule in ENDPOINTS.items():
            key = f"{endpoint} @ {unit}"
            got[key] = await call(api, endpoint, who, case_id, unit)
            want[key] = rule(who, unit)
    assert got == want
    # the admin-only access log
    r = await api.get("/api/v1/pii-access-log", who=who)
    assert r.status_code == (200 if USERS[who][0] == "admin" else 403)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Token abc"},
        {"Authorization": "bearer"},
    ],
)
@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_every_endpoint_wants_a_valid_token(stack: Stack, headers: dict) -> None:
    checks = [
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/cases/anything"),
        ("GET", "/api/v1/cases/anything/timeline"),
        ("POST", "/api/v1/cases/anything/actions"),
        ("POST", "/api/v1/cases"),
        ("GET", "/api/v1/units"),
        ("GET", "/api/v1/alerts"),
        ("POST", "/api/v1/alerts/x/ack"),
        ("GET", "/api/v1/stats"),
        ("GET", "/api/v1/pii-access-log"),
        ("GET", "/api/v1/alert-channels"),
    ]
    for method, path in checks:
        body = {"json": {"action": "accept"}} if method == "POST" else {}
        r = await stack.http.request(method, path, headers=headers, **body)
        assert r.status_code == 401, (method, path, r.status_code)
