"""On the real Temporal dev server (what `make dev` runs): rejected updates leave nothing at all in
history (speculative workflow tasks), and clocks fire in real time."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.daycount import WorkCalendar
from petitionflow.devserver import binary
from petitionflow.temporal import DATA_CONVERTER
from petitionflow.worker import build_worker
from tests.workflows.cases import CaseDriver
from workflows import search_attributes


@pytest.fixture
async def local_driver(engine: Engine) -> AsyncIterator[CaseDriver]:
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
                executor=executor,
            )
            async with worker:
                driver = CaseDriver(env=env, engine=engine, task_queue=task_queue)
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
