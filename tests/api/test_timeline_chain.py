"""The timeline is tamper-evident: each event is chained to the one before it; a row changed,
removed or added afterwards is named by ``petitionflow audit verify`` and the timeline says the
case's record no longer verifies."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from petitionflow.audit import chain_all
from petitionflow.cli import main
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack


async def handled_case(api: Stack) -> str:
    case_id = (await api.register()).json()["case_id"]
    for action, params in (
        ("accept", {"note": "受理"}),
        ("assess", {"claim": "reasonable", "hardship": False, "unlawful_conduct": False}),
    ):
        assert (await api.act(case_id, action, **params)).status_code == 200
    for _ in range(100):
        timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
        if len(timeline) >= 3:
            break
        await wait_listed(api, case_id, "handling")
    return case_id


def audit(api: Stack, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    return main(["audit", "verify", *args])


async def test_untouched_chain_verifies(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await handled_case(api)
    r = await api.get(f"/api/v1/cases/{case_id}/timeline")
    assert r.headers["Petitionflow-Chain-Verified"] == "true"
    events = r.json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["chain_verified"] for e in events)
    assert len({e["chain"] for e in events}) == len(events)
    assert all(len(e["chain"]) == 64 for e in events)
    assert audit(api, monkeypatch, "--case", case_id) == 0
    assert "0 broken chain(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE case_events SET actor = 'u-someone-else' WHERE case_id = :c AND seq = 2", 2),
        ("UPDATE case_events SET at = at + interval '1 day' WHERE case_id = :c AND seq = 2", 2),
        ("DELETE FROM case_events WHERE case_id = :c AND seq = 2", 3),
        ("UPDATE case_events SET chain = :fake WHERE case_id = :c AND seq = 1", 1),
    ],
)
async def test_tampering_names_the_first_broken_link(
    api: Stack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tamper: str,
    named: int,
) -> None:
    case_id = await handled_case(api)
    other = await handled_case(api)
    if api.engine.dialect.name == "sqlite":
        tamper = tamper.replace("at + interval '1 day'", "datetime(at, '+1 day')")
    with api.engine.begin() as conn:
        conn.execute(text(tamper), {"c": case_id, "fake": "0" * 64})

    r = await api.get(f"/api/v1/cases/{case_id}/timeline")
    assert r.headers["Petitionflow-Chain-Verified"] == "false"
    flags = {e["seq"]: e["chain_verified"] for e in r.json()}
    assert flags == {seq: seq < named for seq in flags}
    untouched = await api.get(f"/api/v1/cases/{other}/timeline")
    assert untouched.headers["Petitionflow-Chain-Verified"] == "true"

    assert audit(api, monkeypatch, "--case", case_id) == 1
    out = capsys.readouterr().out
    assert f"case {case_id}: chain broken at seq {named} (event {case_id}:{named}," in out
    assert audit(api, monkeypatch, "--case", other) == 0
    capsys.readouterr()
    assert audit(api, monkeypatch) == 1  # every case: only the tampered one is named
    lines = [line for line in capsys.readouterr().out.splitlines() if "chain broken" in line]
    assert len(lines) == 1 and case_id in lines[0]


async def test_bulk_chaining_matches_what_the_projection_wrote(api: Stack) -> None:
    """``audit.chain_all`` (for bulk-loaded bench rows) computes exactly the projection's chains."""
    for _ in range(3):
        await handled_case(api)
    query = text("SELECT event_id, chain FROM case_events ORDER BY case_id, seq")
    with api.engine.begin() as conn:
        written = conn.execute(query).all()
        conn.execute(text("UPDATE case_events SET chain = ''"))
    assert len(written) >= 9 and all(chain for _, chain in written)
    assert chain_all(api.engine, batch=4) == len(written)  # batches that split cases
    with api.engine.begin() as conn:
        assert conn.execute(query).all() == written
