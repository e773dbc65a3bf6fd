"""Contact for the responsible unit: its officers may reveal the petitioner's details of an open
case, with a reason and on record like supervisors; not once the case has passed on or ended."""

from __future__ import annotations

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack


async def reveal(api: Stack, case_id: str, who: str, reason: str | None = "回访信访人"):
    params = {"reveal": "pii"} | ({"reason": reason} if reason is not None else {})
    return await api.get(f"/api/v1/cases/{case_id}", who, **params)


async def access_log(api: Stack, case_id: str) -> list[tuple[str, str, str, str]]:
    r = await api.get("/api/v1/pii-access-log", "admin", case_id=case_id)
    assert r.status_code == 200, r.text
    return [(e["user_id"], e["role"], e["kind"], e["reason"]) for e in r.json()]


async def test_the_responsible_officer_reveals_an_open_case_on_record(api: Stack) -> None:
    case = (await api.register(petitioner_name="王五", petitioner_phone="13812345678")).json()
    case_id = case["case_id"]
    assert case["may_reveal_contact"] is True
    assert case["petitioner"]["phone"] == "138****5678"
    await wait_listed(api, case_id, "registered")

    missing = await reveal(api, case_id, "officer", reason=None)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    r = await reveal(api, case_id, "officer")
    assert r.status_code == 200, r.text
    shown = r.json()["petitioner_revealed"]
    assert (shown["name"], shown["phone"], shown["address"]) == (
        "王五",
        "13812345678",
        "东门社区3号",
    )
    assert await access_log(api, case_id) == [("u-officer", "officer", "reveal", "回访信访人")]


async def test_passed_on_or_finished_cases_are_refused_to_officers(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    assert (await api.act(case_id, "accept")).status_code == 200
    assert (await api.act(case_id, "escalate")).status_code == 200
    await wait_listed(api, case_id, "handling", who="officer_town")
    r = await reveal(api, case_id, "officer")  # the village passed it to the town
    assert r.status_code == 403 and "其他单位" in r.json()["detail"], r.text
    assert (await api.get(f"/api/v1/cases/{case_id}", "officer_town")).json()[
        "may_reveal_contact"
    ] is True
    assert (await reveal(api, case_id, "officer_town", "核实地址")).status_code == 200

    withdrawn = await api.act(case_id, "withdraw", who="officer_town", note="信访人撤回")
    assert withdrawn.status_code == 200 and withdrawn.json()["may_reveal_contact"] is False
    r = await reveal(api, case_id, "officer_town")
    assert r.status_code == 403 and "已结束" in r.json()["detail"], r.text
    assert (await reveal(api, case_id, "supervisor", "督办核查")).status_code == 200
    # only the readings that were allowed are on record
    assert [e[0] for e in await access_log(api, case_id)] == ["u-supervisor", "u-officer_town"]
