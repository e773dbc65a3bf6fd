"""Retention (个人信息保护法): the personal data of cases closed longer ago than ``[retention]
personal_data`` is purged by the daily Temporal Schedule and by ``petitionflow retention run``;
the case, its statistics and its chained timeline stay, with the purge recorded on it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.boundary import RetentionResult
from models.tables import CaseEventRow, CaseRow
from petitionflow.cli import main
from petitionflow.field_crypto import ENCRYPTED_COLUMNS, MASKED_COLUMNS
from petitionflow.schedules import ensure_retention_schedule
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack

FOUR_YEARS = timedelta(days=4 * 366)


async def closed_case(api: Stack, *, closed_ago: timedelta = timedelta(0)) -> str:
    """A case the petitioner withdrew, its closure moved ``closed_ago`` into the past."""
    r = await api.register()
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    assert (await api.act(case_id, "withdraw", note="信访人撤回")).status_code == 200
    await wait_listed(api, case_id, "withdrawn")
    if closed_ago:
        cases = CaseRow.__table__  # type: ignore[attr-defined]
        with api.engine.begin() as conn:
            at = conn.execute(select(cases.c.updated_at).where(cases.c.case_id == case_id))
            closed = at.scalar_one()
            conn.execute(
                update(cases)
                .where(cases.c.case_id == case_id)
                .values(updated_at=closed - closed_ago)
            )
    return case_id


def personal_columns(engine: Engine, case_id: str) -> dict[str, str]:
    with Session(engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        names = [*ENCRYPTED_COLUMNS.values(), *MASKED_COLUMNS.values(), "petitioner_key"]
        return {name: getattr(row, name) for name in [*names, "description"]}


def events(engine: Engine, case_id: str) -> list[CaseEventRow]:
    with Session(engine) as session:
        query = select(CaseEventRow).where(CaseEventRow.case_id == case_id)  # type: ignore[arg-type]
        return [r[0] for r in session.execute(query.order_by(CaseEventRow.seq)).all()]


async def wait_run(api: Stack, handle, runs: int) -> RetentionResult:  # type: ignore[no-untyped-def]
    """The result of the Schedule's ``runs``-th run."""
    for _ in range(200):
        actions = (await handle.describe()).info.recent_actions
        if len(actions) >= runs:
            started = actions[runs - 1].action
            run = api.env.client.get_workflow_handle(
                started.workflow_id, run_id=started.first_execution_run_id
            )
            return RetentionResult.model_validate(await run.result())
        await asyncio.sleep(0.1)
    raise AssertionError("the Schedule never started the run")


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_daily_schedule_purges_expired_personal_data(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = await closed_case(api, closed_ago=FOUR_YEARS)
    recent = await closed_case(api)
    still_open = (await api.register()).json()["case_id"]
    await wait_listed(api, still_open, "registered")
    before = {c: personal_columns(api.engine, c) for c in (expired, recent, still_open)}
    assert all(v for v in before[expired].values())  # held, encrypted, before the run
    chain_before = events(api.engine, expired)

    client, schedule_id = api.env.client, f"retention-{uuid.uuid4().hex[:8]}"
    made = await ensure_retention_schedule(
        client,
        task_queue=api.settings.task_queue,
        time_zone="Asia/Shanghai",
        schedule_id=schedule_id,
    )
    assert made == "created"
    handle = client.get_schedule_handle(schedule_id)
    try:
        # Started again (a worker restart): brought up to date, an operator's pause kept.
        await handle.pause(note="维护")
        assert (
            await ensure_retention_schedule(
                client,
                task_queue=api.settings.task_queue,
                time_zone="Asia/Shanghai",
                schedule_id=schedule_id,
            )
            == "updated"
        )
        described = await handle.describe()
        assert described.schedule.state.paused
        calendar = described.schedule.spec.calendars[0]
        assert (calendar.hour[0].start, calendar.minute[0].start) == (2, 30)
        assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
        await handle.unpause()

        await handle.trigger()
        first = await wait_run(api, handle, 1)
        assert (first.purged, first.left, first.period) == (1, 0, "P3Y")
        await handle.trigger()  # idempotent: nothing left to purge, nothing written twice
        assert (await wait_run(api, handle, 2)).purged == 0
    finally:
        await handle.delete()

    assert set(personal_columns(api.engine, expired).values()) == {""}
    assert personal_columns(api.engine, recent) == before[recent]
    assert personal_columns(api.engine, still_open) == before[still_open]

    chain = events(api.engine, expired)
    assert [e.event_id for e in chain[:-1]] == [e.event_id for e in chain_before]
    purge = chain[-1]
    assert (purge.action, purge.role, purge.to_state) == (
        "purge_personal_data",
        "system",
        "withdrawn",
    )
    assert purge.seq == chain_before[-1].seq + 1
    assert purge.params["retention"] == "P3Y"

    timeline = (await api.get(f"/api/v1/cases/{expired}/timeline", "supervisor")).json()
    assert timeline[-1]["action_label"] == "个人信息已按保存期限删除"
    assert all(e["chain_verified"] for e in timeline)
    case = (await api.get(f"/api/v1/cases/{expired}", "supervisor")).json()
    assert case["state"] == "withdrawn" and case["personal_data_purged_at"]
    assert case["petitioner"] == {"name": "", "id_number": "", "phone": ""}
    gone = await api.get(f"/api/v1/cases/{expired}", "supervisor", reveal="pii", reason="核实身份")
    assert gone.status_code == 410 and "保存期限" in gone.json()["detail"]
    kept = await api.get(f"/api/v1/cases/{recent}", "supervisor", reveal="pii", reason="核实身份")
    assert kept.status_code == 200 and kept.json()["petitioner_revealed"]["name"] == "王五"

    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    assert main(["audit", "verify", "--case", expired]) == 0
    assert "0 broken chain(s)" in capsys.readouterr().out


async def test_cli_dry_run_lists_what_would_go_and_changes_nothing(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = await closed_case(api, closed_ago=FOUR_YEARS)
    newer = await closed_case(api, closed_ago=timedelta(days=2 * 366))
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    held = {c: personal_columns(api.engine, c) for c in (old, newer)}

    assert main(["retention", "run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert old in out and newer not in out
    assert "would purge the personal data of 1 case(s)" in out and "(P3Y after closure)" in out
    assert {c: personal_columns(api.engine, c) for c in (old, newer)} == held

    # Judged as of a later day, the newer case is due too; a longer period keeps both.
    later = (datetime.now(UTC) + timedelta(days=366)).isoformat()
    assert main(["retention", "run", "--dry-run", "--as-of", later]) == 0
    out = capsys.readouterr().out
    assert old in out and newer in out
    policy = api.settings.data_dir / "policy.toml"
    policy.write_text('[retention]\npersonal_data = "P5Y"\n')
    monkeypatch.setenv("PETITIONFLOW_POLICY", str(policy))
    assert main(["retention", "run", "--dry-run"]) == 0
    assert "would purge the personal data of 0 case(s)" in capsys.readouterr().out
    monkeypatch.delenv("PETITIONFLOW_POLICY")

    assert main(["retention", "run"]) == 0
    assert "purged the personal data of 1 case(s)" in capsys.readouterr().out
    assert set(personal_columns(api.engine, old).values()) == {""}
    assert personal_columns(api.engine, newer) == held[newer]
    assert main(["retention", "run"]) == 0
    assert "purged the personal data of 0 case(s)" in capsys.readouterr().out
    assert [e.action for e in events(api.engine, old)].count("purge_personal_data") == 1

    bad = api.settings.data_dir / "bad.toml"
    bad.write_text('[retention]\npersonal_data = "3 years"\n')
    monkeypatch.setenv("PETITIONFLOW_POLICY", str(bad))
    assert main(["retention", "run", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "not an ISO 8601 duration" in err and "Value error" not in err
