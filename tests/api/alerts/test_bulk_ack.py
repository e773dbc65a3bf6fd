"""POST /api/v1/alerts/ack: a case's alerts acknowledged together, all or none."""

from __future__ import annotations

from tests.api.alerts.test_alerts import FAST, alerts, wait_for
from tests.api.conftest import Stack, registration


async def test_a_cases_alerts_are_acknowledged_together_all_or_none(api: Stack) -> None:
    api.use_policy(FAST)
    first = (await api.register()).json()["case_id"]
    other = (await api.http.post("/api/v1/cases", json=registration(title="另一件"),
                                 headers=api.auth("officer"))).json()["case_id"]  # fmt: skip

    async def both_breached() -> list[dict]:
        found = await alerts(api, who="supervisor", kind="breach")
        return found if {a["case_id"] for a in found} == {first, other} else []

    await wait_for(both_breached)
    mine = [a["alert_id"] for a in await alerts(api) if a["case_id"] == first]
    theirs = [a["alert_id"] for a in await alerts(api) if a["case_id"] == other]
    assert len(mine) >= 2  # at least the warning and the breach

    url = "/api/v1/alerts/ack"
    # one alert outside the caller's scope, or unknown: 404, and nothing acknowledged
    r = await api.http.post(url, json={"alert_ids": mine}, headers=api.auth("supervisor_zhapu"))
    assert r.status_code == 404
    r = await api.http.post(
        url, json={"alert_ids": [*mine, "no-such-alert"]}, headers=api.auth("supervisor")
    )
    assert r.status_code == 404 and "no-such-alert" in r.json()["detail"]
    assert await alerts(api, acknowledged=True) == []
    for body in ({"alert_ids": []}, {"alert_ids": mine * 101}, {}, {"alert_ids": [""]}):
        r = await api.http.post(url, json=body, headers=api.auth("supervisor"))
        assert r.status_code == 422, body
    assert await alerts(api, acknowledged=True) == []

    r = await api.http.post(
        url, json={"alert_ids": [*mine, mine[0]]}, headers=api.auth("supervisor")
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert sorted(a["alert_id"] for a in items) == sorted(mine)
    assert {a["acknowledged_by"] for a in items} == {"u-supervisor"}
    acknowledged = {a["alert_id"] for a in await alerts(api, acknowledged=True)}
    assert set(mine) <= acknowledged and not acknowledged & set(theirs)
    # again, by someone else: harmless, the first acknowledgement stands
    r = await api.http.post(url, json={"alert_ids": mine}, headers=api.auth("admin"))
    assert {a["acknowledged_by"] for a in r.json()["items"]} == {"u-supervisor"}
