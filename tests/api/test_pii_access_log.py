"""Every reading of personal data is on record, and the record is searched by user, case and
period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_access_log_filters_by_user_case_and_period(api: Stack) -> None:
    first = (await api.register()).json()["case_id"]
    second = (await api.register()).json()["case_id"]
    for case_id in (first, second):
        await wait_listed(api, case_id, "registered")

    async def reveal(case_id: str, who: str, reason: str) -> None:
        r = await api.get(f"/api/v1/cases/{case_id}", who, reveal="pii", reason=reason)
        assert r.status_code == 200, r.text

    await reveal(first, "supervisor", "核实身份一")
    await asyncio.sleep(0.05)
    middle = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await reveal(second, "supervisor", "核实身份二")
    await reveal(first, "admin", "核实身份三")

    async def log(**params: str) -> list[tuple[str, str, str]]:
        r = await api.get("/api/v1/pii-access-log", "admin", **params)
        assert r.status_code == 200, r.text
        return [(e["user_id"], e["case_id"], e["reason"]) for e in r.json()]

    everything = await log()
    assert everything == [  # newest first
        ("u-admin", first, "核实身份三"),
        ("u-supervisor", second, "核实身份二"),
        ("u-supervisor", first, "核实身份一"),
    ]
    assert await log(user_id="u-supervisor") == everything[1:]
    assert await log(case_id=first) == [everything[0], everything[2]]
    assert await log(user_id="u-supervisor", case_id=first) == [everything[2]]
    assert await log(**{"from": middle.isoformat()}) == everything[:2]
    assert await log(to=middle.isoformat()) == everything[2:]
    later = (middle + timedelta(days=1)).isoformat()
    assert await log(**{"from": later}) == []
    assert await log(user_id="u-nobody") == []
    assert await log(kind="reveal") == everything
    assert await log(kind="export") == []

    bad = await api.get("/api/v1/pii-access-log", "admin", **{"from": "2026-01-01T00:00:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    denied = await api.get("/api/v1/pii-access-log", "supervisor", user_id="u-supervisor")
    assert denied.status_code == 403
