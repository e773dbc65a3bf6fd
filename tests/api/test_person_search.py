"""Person search: by exact name, phone or ID number through keyed hashes, in the caller's scope,
every case found on record; rows written before the hashes existed are filled from the key ring."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models.tables import CasePetitionerRow, CaseRow, PiiAccessRow
from petitionflow.cli import main
from petitionflow.keys import fill_search_keys
from petitionflow.person_keys import SEARCH_KEY_COLUMNS
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id


def person() -> dict[str, str]:
    tag = uuid.uuid4().int
    return {
        # two CJK characters of some 20,000 each: two people of a test never share a name
        "name": f"欧阳{chr(0x4E00 + tag % 20_000)}{chr(0x4E00 + tag // 20_000 % 20_000)}",
        "id_number": resident_id(),
        "phone": f"139{tag % 10**8:08d}",
        "address": "当湖街道梧桐巷1号",
    }


async def register(api: Stack, who: str, someone: dict[str, str], **changes: Any) -> str:
    fields = {f"petitioner_{k}": v for k, v in someone.items()}
    r = await api.register(who, **fields, **changes)
    assert r.status_code == 201, r.text
    case_id: str = r.json()["case_id"]
    await wait_listed(api, case_id, "registered", who="admin")
    return case_id


async def search(api: Stack, who: str, **query: str) -> httpx.Response:
    return await api.http.post("/api/v1/person-search", json=query, headers=api.auth(who))


async def found(api: Stack, who: str, **query: str) -> set[str]:
    r = await search(api, who, reason=query.pop("reason", "核查历史信访"), **query)
    assert r.status_code == 200, r.text
    assert r.json()["truncated"] is False
    return {item["case_id"] for item in r.json()["items"]}


def access_log(api: Stack) -> list[tuple[str, str, str, str]]:
    with Session(api.engine) as session:
        rows = session.exec(select(PiiAccessRow).order_by(col(PiiAccessRow.at))).all()
        return [(r.user_id, r.kind, r.case_id, r.reason) for r in rows]


async def test_a_persons_cases_by_name_phone_or_id_number_in_scope(api: Stack) -> None:
    wang, other = person(), person()
    first = await register(api, "officer", wang)
    second = await register(api, "officer", wang, category="征地拆迁")
    # The same person at another town: outside the danghu officer's and supervisor's scope.
    zhapu = await register(
        api, "officer_zhapu", wang, unit_id="pinghu.zhapu.tangshan", category="邻里纠纷"
    )
    await register(api, "officer", other)

    everywhere = {first, second, zhapu}
    spaced_name = " ".join(wang["name"])  # "欧 阳 明 春" is the same name
    dialled = f"+86 {wang['phone'][:3]}-{wang['phone'][3:7]}-{wang['phone'][7:]}"
    assert await found(api, "admin", id_number=wang["id_number"].lower()) == everywhere
    assert await found(api, "admin", name=spaced_name) == everywhere
    assert await found(api, "admin", phone=dialled) == everywhere
    assert await found(api, "admin", name=wang["name"], phone=wang["phone"]) == everywhere
    assert await found(api, "admin", name=wang["name"], phone=other["phone"]) == set()
    # Supervisors: their subtree; officers: the cases their own unit holds.
    assert await found(api, "supervisor", id_number=wang["id_number"]) == {first, second}
    assert await found(api, "officer", phone=wang["phone"]) == {first, second}
    assert await found(api, "officer_zhapu", name=wang["name"]) == {zhapu}
    assert await found(api, "officer_town", name=wang["name"]) == set()  # the town holds none

    # The answer is masked and lists the case as lists do.
    r = await search(api, "supervisor", phone=wang["phone"], reason="回访前核对")
    item = r.json()["items"][0]
    assert item["petitioner"]["name"] == wang["name"][0] + "***"
    assert item["petitioner"]["phone"] == wang["phone"][:3] + "****" + wang["phone"][-4:]
    assert wang["name"] not in r.text and wang["phone"] not in r.text
    assert wang["id_number"] not in r.text
    assert item["state"] == "registered" and item["tracking_code"]

    # Each case returned is on record with the reason; a search that found nothing is not.
    log = access_log(api)
    assert ("u-supervisor", "person_search", first, "回访前核对") in log
    assert ("u-supervisor", "person_search", second, "回访前核对") in log
    assert len([e for e in log if e[3] == "回访前核对"]) == 2
    assert all(kind == "person_search" for _, kind, _, _ in log)
    assert len(log) == 3 * 4 + 2 + 2 + 1 + 2  # the admin's four full searches, then the others
    admin_log = await api.get("/api/v1/pii-access-log", "admin", kind="person_search")
    assert admin_log.status_code == 200 and len(admin_log.json()) == len(log)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"reason": "核查"}, "body"),  # nothing to find anyone by
        ({"name": "王五"}, "reason"),  # no reason
        ({"name": "王五", "reason": " "}, "reason"),
        ({"id_number": "33048219900101123", "reason": "核查"}, "id_number"),
        ({"phone": "call me", "reason": "核查"}, "phone"),
        ({"name": "王" * 101, "reason": "核查"}, "name"),
        ({"name": " · ", "reason": "核查"}, "name"),  # nothing left: it would match everyone
        ({"phone": "- - -", "reason": "核查"}, "phone"),
    ],
)
async def test_bad_queries_are_422_and_logged_nowhere(
    api: Stack, query: dict[str, str], field: str
) -> None:
    r = await search(api, "supervisor", **query)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in r.json()["errors"]}
    assert access_log(api) == []
    assert (await api.http.post("/api/v1/person-search", json=query)).status_code == 401


async def test_rows_written_before_the_hashes_are_filled_from_the_key_ring(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    people = [person() for _ in range(5)]
    cases = [await register(api, "officer", p) for p in people]
    with Session(api.engine) as session, session.begin():  # as rows projected before 0014 are
        session.execute(update(CaseRow).values(dict.fromkeys(SEARCH_KEY_COLUMNS.values(), "")))
        session.execute(delete(CasePetitionerRow))  # nor the rows of 0021's petitioners
    assert await found(api, "admin", name=people[0]["name"]) == set()

    settings = api.settings
    assert (
        fill_search_keys(api.engine, settings.field_cipher, settings.person_keys, batch_size=2) == 5
    )
    assert fill_search_keys(api.engine, settings.field_cipher, settings.person_keys) == 0
    for case_id, someone in zip(cases, people, strict=True):
        assert await found(api, "admin", name=someone["name"]) == {case_id}
        assert await found(api, "admin", phone=someone["phone"]) == {case_id}

    # The command line, as an operator runs it after upgrading.
    with Session(api.engine) as session, session.begin():
        session.execute(
            update(CaseRow)
            .where(col(CaseRow.case_id).in_(cases[:3]))
            .values({SEARCH_KEY_COLUMNS["phone"]: ""})
        )
    assert settings.secret_key is not None and settings.codec_keys is not None
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_CODEC_KEYS", settings.codec_keys.get_secret_value())
    monkeypatch.setenv("PETITIONFLOW_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(settings.data_dir))
    assert main(["keys", "fill-search", "--batch-size", "2"]) == 0
    assert "keys: 3 case(s) given" in capsys.readouterr().out
    assert await found(api, "supervisor", phone=people[1]["phone"]) == {cases[1]}
