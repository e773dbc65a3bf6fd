"""On the real Temporal dev server (what `make dev` runs): rejected updates leave nothing at all in
history (speculative workflow tasks), and clocks fire in real time."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.daycount import CalendarFile, WorkCalendar
from petitionflow.calendar import merge_schedule, signal_provisional_cases
from petitionflow.devserver import binary
from petitionflow.temporal import DATA_CONVERTER
from petitionflow.worker import build_worker
from tests.conftest import FIELD_CIPHER
from tests.workflows.cases import CaseDriver
from workflows import search_attributes


@pytest.fixture
def calendar_file(tmp_path: Path) -> CalendarFile:
    return CalendarFile(tmp_path / "calendar.toml")


@pytest.fixture
async def local_driver(engine: Engine, calendar_file: CalendarFile) -> AsyncIterator[CaseDriver]:
    env = await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=binary("temporal"),
        dev_server_extra_args=["--log-level", "error"],
        search_attributes=search_attributes.ALL,
    )
    task_queue = f"petitions-{uuid.uuid4().hex[:8]}"
    try:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                env.client,
                task_queue=task_queue,
                engine=engine,
                calendar=WorkCalendar(),
                calendar_file=calendar_file,
                executor=executor,
                field_cipher=FIELD_CIPHER,
            )
            async with worker:
                driver = CaseDriver(
                    env=env, engine=engine, task_queue=task_queue, calendar=calendar_file
                )
                yield driver
                await driver.close()
    finally:
        await env.shutdown()


async def test_rejected_update_leaves_history_untouched(local_driver: CaseDriver) -> None:
    handle = await local_driver.start()
    await local_driver.projected(handle)
    before = len((await handle.fetch_history()).events)
    with pytest.raises(WorkflowUpdateFailedError):
        await local_driver.act(handle, "reply", summary="too early")
    with pytest.raises(WorkflowUpdateFailedError):
        await local_driver.act(handle, "accept", role="supervisor")
    assert len((await handle.fetch_history()).events) == before


async def test_clocks_fire_in_real_time(local_driver: CaseDriver) -> None:
    handle = await local_driver.start(
        policy='[clocks]\nacceptance = "PT2S"\n[levels]\nvillage = "PT60S"\n'
    )
    case_id = (await local_driver.snapshot(handle)).case_id
    for _ in range(100):
        if (await local_driver.snapshot(handle)).level == "town":
            break
        await asyncio.sleep(0.1)
    snap = await local_driver.snapshot(handle)
    assert snap.level == "town"
    breached = next(d for d in snap.deadlines if d.id == "acceptance#1")
    assert breached.status == "breached"
    await local_driver.projected(handle)
    assert [a.kind for a in local_driver.alerts(case_id)] == ["warning", "breach", "escalation"]


async def test_search_attributes_answer_the_cli(local_driver: CaseDriver) -> None:
    """New cases take the patched path: they publish search attributes operators can query."""
    handle = await local_driver.start()
    await local_driver.act(handle, "accept")
    await local_driver.act(handle, "escalate")
    await local_driver.projected(handle)
    attrs = (await handle.describe()).typed_search_attributes
    assert attrs.get(search_attributes.STATE) == "handling"
    assert attrs.get(search_attributes.LEVEL) == "town"
    assert attrs.get(search_attributes.UNIT) == "pinghu.danghu"
    assert attrs.get(search_attributes.BREACHED) is False
    assert attrs.get(search_attributes.NEXT_DUE) is not None
    history = await handle.fetch_history()
    markers = [
        e.marker_recorded_event_attributes.details["patch_data"]
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
    ]
    assert markers, "a new case records the search-attributes patch"

    address = local_driver.env.client.service_client.config.target_host
    query = "PetitionState='handling' AND PetitionLevel='town'"
    for _ in range(50):  # visibility is eventually consistent
        out = subprocess.run(
            [binary("temporal"), "workflow", "list", "--address", address, "--query", query],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if handle.id in out:
            break
        await asyncio.sleep(0.2)
    assert handle.id in out
    # nothing personal is searchable
    assert "张三丰" not in str(attrs) and "13812345678" not in str(attrs)


async def test_a_published_schedule_recounts_provisional_due_times(
    local_driver: CaseDriver, calendar_file: CalendarFile, tmp_path: Path
) -> None:
    """`petitionflow calendar apply`: the schedule joins the override file, and running cases
    whose due times were provisional (found by their search attribute) count again."""
    # a period long enough to end in a year no package has a schedule for
    handle = await local_driver.start(policy='[clocks]\nacceptance = "P4000D"\n')
    before = next(
        d for d in (await local_driver.snapshot(handle)).deadlines if d.id.startswith("acc")
    )
    assert before.provisional
    last_day = before.due_at.astimezone(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    published = tmp_path / "published.toml"
    published.write_text(f"[{last_day.year}]\nholidays = [{last_day}]\nworkdays = []\n")
    assert merge_schedule(calendar_file.path, published) == [last_day.year]  # type: ignore[arg-type]

    client = local_driver.env.client
    for _ in range(100):  # visibility is eventually consistent
        if await signal_provisional_cases(client):
            break
        await asyncio.sleep(0.1)
    for _ in range(100):
        snap = await local_driver.snapshot(handle)
        after = next(d for d in snap.deadlines if d.id == "acceptance#1")
        if after.due_at != before.due_at:
            break
        await asyncio.sleep(0.1)
    assert after.due_at > before.due_at  # the last day is a holiday now: it rolls over
    assert after.explanation.startswith("放假安排公布后重新计算")
    assert "法定休假日" in after.explanation
