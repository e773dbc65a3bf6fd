"""Bad input changes nothing; personal data is revealed only on record; tracking resists
enumeration; racing officers cannot both win."""

from __future__ import annotations

import asyncio
import stat

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from api.public.service import tracking_limiter
from models.tables import CaseRow
from petitionflow.cli import api_server
from petitionflow.db import make_engine, migrate
from petitionflow.settings import Settings
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, registration, resident_id


def cases_stored(api: Stack) -> int:
    with Session(api.engine) as session:
        return session.exec(select(func.count()).select_from(CaseRow)).one()


async def test_oversized_and_wrongly_typed_bodies(api: Stack) -> None:
    big = registration(description="很" * 400_000)  # 1.2 MB of UTF-8
    r = await api.http.post("/api/v1/cases", json=big, headers=api.auth("officer"))
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    xml = {"content-type": "application/xml"}
    r = await api.http.post("/api/v1/cases", content=b"<a/>", headers=api.auth("officer") | xml)
    assert r.status_code == 415
    assert cases_stored(api) == 0


@pytest.mark.parametrize(
    "name",
    ["李\u200b四", "👩‍👩‍👧 王", "Ｗａｎｇ", "ﻣﺤﻤﺪ", "e\u0301", "𠀀𪚥"],  # zero-width, emoji ZWJ, …
)
async def test_unicode_names_are_kept(api: Stack, name: str) -> None:
    r = await api.register(petitioner_name=name)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    await wait_listed(api, case_id, "registered")
    with Session(api.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        assert api.settings.field_cipher.open(case_id, row)["name"] == name


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"petitioner_name": "王\x00五"}, "petitioner.name"),
        ({"title": "标题\x1b[31m"}, "title"),
        ({"description": "a\x07b"}, "description"),
    ],
)
async def test_control_characters_are_refused(api: Stack, change: dict, field: str) -> None:
    r = await api.register(**change)
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]
    assert cases_stored(api) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "9999-99-99"},
        {"created_to": "yesterday"},
        {"created_from": "2026-02-30T00:00:00+08:00"},
        {"limit": "1e9"},
    ],
)
async def test_absurd_query_values(api: Stack, params: dict) -> None:
    r = await api.get("/api/v1/cases", **params)
    assert r.status_code == 422 and r.json()["errors"]


async def test_action_notes_with_nul_are_refused(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    r = await api.act(case_id, "accept", note="ok\x00")
    assert r.status_code == 422
    assert (await api.get(f"/api/v1/cases/{case_id}")).json()["state"] == "registered"


async def test_reveal_personal_data_on_record(api: Stack) -> None:
    number = resident_id(321)
    case_id = (await api.register(petitioner_id_number=number)).json()["case_id"]
    await wait_listed(api, case_id, "registered")
    url = f"/api/v1/cases/{case_id}"
    # an officer of another unit: the case is not theirs to see at all
    assert (await api.get(url, who="officer_zhapu", reveal="pii", reason="回访")).status_code == 404
    missing = await api.get(url, who="supervisor", reveal="pii")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    r = await api.get(url, who="supervisor", reveal="pii", reason="核实身份以便回访")
    assert r.status_code == 200
    assert r.json()["petitioner_revealed"]["id_number"] == number
    assert r.json()["petitioner"]["id_number"] != number  # the masked copy stays masked
    plain = (await api.get(url, who="supervisor")).json()
    assert plain["petitioner_revealed"] is None
    log = (await api.get("/api/v1/pii-access-log", who="admin", case_id=case_id)).json()
    assert [(e["user_id"], e["reason"]) for e in log] == [("u-supervisor", "核实身份以便回访")]
    assert (await api.get("/api/v1/pii-access-log", who="supervisor")).status_code == 403
    outside = await api.get(url, who="supervisor_zhapu", reveal="pii", reason="x y")
    assert outside.status_code == 404


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_tracking_is_rate_limited_per_client(api: Stack) -> None:
    statuses = [
        (await api.get(f"/api/v1/track/GUESS{i:011d}", who=None)).status_code for i in range(35)
    ]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    r = await api.get("/api/v1/track/GUESS00000000099", who=None)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_racing_accept_and_decline_one_wins(api: Stack) -> None:
    for _ in range(6):
        case_id = (await api.register()).json()["case_id"]
        accept, decline = await asyncio.gather(
            api.act(case_id, "accept", who="officer"),
            api.act(case_id, "decline", who="admin", reason="out_of_scope"),
        )
        codes = sorted([accept.status_code, decline.status_code])
        assert codes == [200, 409], (accept.text, decline.text)
        loser = accept if accept.status_code == 409 else decline
        assert loser.json()["allowed_actions"] is not None
        await wait_listed(api, case_id, "handling" if accept.status_code == 200 else "not_accepted")
        timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline", who="admin")).json()
        assert [e["action"] for e in timeline][1:] in (["accept"], ["decline"])


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_x_forwarded_for_does_not_bypass_the_tracking_limit(stack: Stack) -> None:
    """A client cannot choose the address the limit counts: proxy headers are believed only
    from a proxy named in PETITIONFLOW_TRUSTED_PROXIES, and then only the hop it added."""

    async def track(i: int, forwarded: str) -> int:
        r = await stack.http.get(
            f"/api/v1/track/GUESS{i:011d}", headers={"X-Forwarded-For": forwarded}
        )
        return r.status_code

    spoofed = [await track(i, f"198.51.100.{i}") for i in range(31)]
    assert set(spoofed[:30]) == {404} and spoofed[30] == 429

    stack.settings.trusted_proxies = "127.0.0.1, 10.0.0.0/8"  # the test client's address
    stack.http._transport.app.state.tracking_limiter = tracking_limiter()  # type: ignore[attr-defined]
    # behind the proxies, each client is counted on its own …
    assert {await track(i, f"203.0.113.{i}, 10.1.2.3") for i in range(30)} == {404}
    # … and a client that puts a forged hop in front is still counted by its real address
    forged = [await track(i, f"192.0.2.{i}, 203.0.113.200, 10.1.2.3") for i in range(31)]
    assert set(forged[:30]) == {404} and forged[30] == 429


def test_uvicorn_believes_no_proxy_headers(tmp_path) -> None:
    server = api_server(Settings(env="test", data_dir=tmp_path))
    assert server.config.proxy_headers is False
    server.config.load()
    layers, app = [], server.config.loaded_app
    while app is not None:
        layers.append(type(app).__name__)
        app = getattr(app, "app", None)
    assert "ProxyHeadersMiddleware" not in layers, layers


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_cors_only_on_the_codec(stack: Stack) -> None:
    """The Web UI's origin may call /codec; no other route allows it, with credentials or not."""
    origin = "http://localhost:8233"

    async def preflight(path: str) -> httpx.Response:
        return await stack.http.options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )

    allowed = await preflight("/codec/decode")
    assert allowed.headers["access-control-allow-origin"] == origin
    assert allowed.headers["access-control-allow-credentials"] == "true"
    for path in ("/api/v1/cases/x/actions", "/api/v1/cases", "/open311/v2/requests.json"):
        answer = await preflight(path)
        assert "access-control-allow-origin" not in answer.headers, path
        assert "access-control-allow-credentials" not in answer.headers, path
    simple = await stack.http.get("/api/v1/cases", headers=stack.auth("admin") | {"Origin": origin})
    assert "access-control-allow-origin" not in simple.headers


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
@pytest.mark.parametrize("where", ["title", "petitioner_name"])
@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f"])
async def test_bidi_controls_are_refused_in_titles_and_names(
    stack: Stack, where: str, control: str
) -> None:
    r = await stack.register(**{where: f"王五{control}费业物"})
    assert r.status_code == 422, r.text
    assert where.replace("petitioner_", "petitioner.") in [e["field"] for e in r.json()["errors"]]
    assert cases_stored(stack) == 0


def test_data_dir_and_database_are_private(tmp_path) -> None:
    """What `petitionflow migrate` / `dev` create: the data dir 0700, the SQLite files 0600."""
    data = tmp_path / "data"
    settings = Settings(env="test", data_dir=data)
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:  # WAL mode: the -wal and -shm files exist while connected
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x int)")
        settings.secret()
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        files = [p for p in data.iterdir() if p.name.startswith("petitionflow.db")]
        assert {p.name for p in files} >= {"petitionflow.db", "petitionflow.db-wal"}
        for path in [*files, data / "secret_key"]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    engine.dispose()
