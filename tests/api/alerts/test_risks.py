"""预测预警 end to end, on both databases: petitions registered through the API raise risk
alerts (repeated visits, 越级访, 集体访) with their figures and cases, scoped like alerts and
acknowledged like them."""

from __future__ import annotations

from tests.api.alerts.test_alerts import wait_for
from tests.api.conftest import Stack, resident_id


async def risks(api: Stack, who: str = "admin", **params) -> dict[str, dict]:
    r = await api.get("/api/v1/risks", who=who, **params)
    assert r.status_code == 200, r.text
    return {item["rule"]: item for item in r.json()["items"]}


async def test_risk_alerts_from_registrations(api: Stack) -> None:
    person = resident_id()
    first = await api.register(petitioner_id_number=person)
    case_id = first.json()["case_id"]
    assert (await api.register(petitioner_id_number=person)).status_code == 200  # a repeat
    # the third visit, at the county: over the village that holds the matter (越级访)
    county = await api.register(who="officer_county", petitioner_id_number=person, unit_id="pinghu")
    assert county.status_code == 200, county.text  # linked to the village's case
    group = await api.register(severity="group", title="三十户居民反映小区停车问题")
    group_id = group.json()["case_id"]

    async def all_raised():
        found = await risks(api)
        return found if {"repeat_visits", "skip_level", "collective"} <= set(found) else None

    found = await wait_for(all_raised)
    repeat = found["repeat_visits"]
    assert repeat["figures"]["visits"] == 3 and repeat["case_ids"] == [case_id]
    assert person not in str(repeat) and "王五" not in repeat["message"]
    assert found["skip_level"]["figures"]["received_level"] == "county"
    assert found["collective"]["case_ids"] == [group_id]
    assert found["collective"]["unit_id"] == "pinghu"  # 集体访 goes to the county

    # scoped like alerts: the town's supervisor sees the village's risks, not the county's
    town = await risks(api, who="supervisor")
    assert {"repeat_visits", "skip_level"} <= set(town) and "collective" not in town
    listed = (await api.get("/api/v1/alerts", who="admin", kind="risk")).json()["items"]
    assert {a["alert_id"] for a in listed} >= {r["alert_id"] for r in found.values()}

    r = await api.http.post(
        f"/api/v1/alerts/{repeat['alert_id']}/ack", headers=api.auth("supervisor")
    )
    assert r.status_code == 200, r.text
    acked = await risks(api, acknowledged="true")
    assert acked["repeat_visits"]["acknowledged_by"] == "u-supervisor"
    assert "repeat_visits" not in await risks(api, acknowledged="false")
