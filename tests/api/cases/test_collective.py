"""Collective petitions (集体访) and a petitioner's history, through the public API against a
real worker: several petitioners each protected as one is, at most five representatives, the
county alerted at once, repeats matched on any of them, person search and the history on record,
and the personal data purged with the case."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.tables import CasePetitionerRow, CaseRow, PiiAccessRow
from petitionflow.retention import purge
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.cases.test_links import well_behaved
from tests.api.conftest import Stack
from tests.api.test_person_search import person


def collective(people: list[dict[str, str]], **changes: Any) -> dict[str, Any]:
    return {
        "petitioner": None,
        "petitioners": people,
        "representatives": [0, 1],
        "headcount": 30,
        "severity": "group",
        "category": "征地拆迁",
        "title": "村民集体反映征地补偿",
    } | changes


async def until(check: Any, what: str) -> Any:
    for _ in range(100):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def test_collective_petition_end_to_end(api: Stack) -> None:
    people = [person() for _ in range(3)]
    six = await api.register(
        **collective([person() for _ in range(7)], representatives=[*range(6)])
    )
    assert six.status_code == 422, six.text
    assert "第十八条" in six.json()["detail"]
    assert six.json()["errors"][0]["field"].endswith("representatives")
    both = await api.register(**collective(people) | {"petitioner": people[0]})
    assert both.status_code == 422, both.text

    r = await api.register(**collective(people))
    assert r.status_code == 201, r.text
    case = r.json()
    case_id = case["case_id"]
    assert case["level"] == "county" and case["unit_id"] == "pinghu"  # 集体访 → county
    assert case["headcount"] == 30
    entries = case["petitioners"]
    assert [e["representative"] for e in entries] == [True, True, False]
    assert [e["name"][0] for e in entries] == [p["name"][0] for p in people]
    assert all("*" in e["id_number"] and len(e["ref"]) == 40 for e in entries)
    assert len({e["ref"] for e in entries}) == 3
    assert case["petitioner"]["name"] == entries[0]["name"]  # the first representative

    # The county's supervisors are alerted at once.
    async def collective_alert() -> list[dict[str, Any]]:
        r = await api.get("/api/v1/alerts", "admin", kind="collective", unit_id="pinghu")
        return [a for a in r.json()["items"] if a["case_id"] == case_id]

    assert (await until(collective_alert, "a collective alert"))[0]["level"] == "county"

    await wait_listed(api, case_id, "registered", who="admin")
    with Session(api.engine) as session:
        rows = session.exec(
            select(CasePetitionerRow)
            .where(CasePetitionerRow.case_id == case_id)
            .order_by(col(CasePetitionerRow.position))
        ).all()
        stored = " ".join(str(v) for row in rows for v in row.model_dump().values())
    assert len(rows) == 3 and [r.representative for r in rows] == [True, True, False]
    for p in people:  # nothing in plain text: ciphertexts, masks and keyed hashes only
        assert p["name"] not in stored and p["id_number"] not in stored
        assert p["phone"] not in stored and p["address"] not in stored
    assert all(r.petitioner_name_enc.startswith("pf1:") and r.petitioner_key for r in rows)

    # A reveal (on record) shows every petitioner.
    shown = await api.get(f"/api/v1/cases/{case_id}", "admin", reveal="pii", reason="电话回访")
    assert shown.json()["petitioners_revealed"] == people, shown.text

    # The third petitioner alone, on the same matter, at a village of the same county: a repeat.
    third = {f"petitioner_{k}": v for k, v in people[2].items()}
    again = await api.register("admin", **third, category="征地拆迁", channel="letter")
    assert again.status_code == 200, again.text
    assert again.json()["case_id"] == case_id and again.json()["visit_count"] == 2

    # Person search finds a petitioner who is not the case row's.
    found = await api.http.post(
        "/api/v1/person-search",
        json={"name": people[1]["name"], "reason": "核查集体访"},
        headers=api.auth("admin"),
    )
    assert [c["case_id"] for c in found.json()["items"]] == [case_id]

    # The third petitioner's history: the case, their registration and their repeat visit.
    ref = entries[2]["ref"]

    async def history() -> dict[str, Any] | None:
        r = await api.get(f"/api/v1/petitioners/{ref}", "admin", reason="核查重复访")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if body["visits"] == 2 else None

    seen = await until(history, "the repeat visit in the history")
    assert [c["case_id"] for c in seen["cases"]] == [case_id]
    assert [v["action"] for v in seen["cases"][0]["visits"]] == ["register", "visit"]
    assert seen["cases"][0]["visits"][1]["channel"] == "letter"
    first_ref = entries[0]["ref"]
    first = (await api.get(f"/api/v1/petitioners/{first_ref}", "admin")).json()
    assert first["visits"] == 1  # the first representative did not come again
    # Received at dongmen, the case stays readable there; another town's: as if none.
    assert (await api.get(f"/api/v1/petitioners/{ref}", "supervisor")).status_code == 200
    assert (await api.get(f"/api/v1/petitioners/{ref}", "supervisor_zhapu")).status_code == 404
    with Session(api.engine) as session:
        logged = session.exec(
            select(PiiAccessRow).where(PiiAccessRow.kind == "petitioner_history")
        ).all()
    assert {(r.case_id, r.reason) for r in logged} >= {(case_id, "核查重复访")}

    # Retention purges every petitioner with the case.
    assert (await api.act(case_id, "withdraw", "admin", note="信访人撤回")).status_code == 200
    await wait_listed(api, case_id, "withdrawn", who="admin")
    cases = CaseRow.__table__  # type: ignore[attr-defined]
    with api.engine.begin() as conn:
        long_ago = datetime.now(UTC) - timedelta(days=4 * 366)
        conn.execute(update(cases).where(cases.c.case_id == case_id).values(updated_at=long_ago))
    purge(api.engine, api.settings.retention_policy(), datetime.now(UTC))
    with Session(api.engine) as session:
        left = session.exec(
            select(CasePetitionerRow).where(CasePetitionerRow.case_id == case_id)
        ).all()
    assert left == []
    assert (await api.get(f"/api/v1/petitioners/{ref}", "admin")).status_code == 404
    purged = (await api.get(f"/api/v1/cases/{case_id}", "admin")).json()
    assert purged["petitioners"] == []
    await well_behaved(api, case_id)
