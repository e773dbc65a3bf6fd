"""The Temporal dev server stopped and restarted on its persistent state: running cases and their
clocks survive, and a clock that came due during the outage fires after the restart."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client

from models.daycount import WorkCalendar
from petitionflow.devserver import start_dev_server
from petitionflow.settings import Settings
from petitionflow.temporal import DATA_CONVERTER, register_search_attributes
from petitionflow.worker import build_worker
from tests.test_dev_command import free_port
from tests.workflows.cases import CaseDriver


class _Env:
    def __init__(self, client: Client) -> None:
        self.client = client


async def eventually_state(driver: CaseDriver, handle, seconds: float = 60) -> str:
    """The case's state, from a query retried while the restarted server and worker recover."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return (await driver.snapshot(handle)).state
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_clock_due_during_outage_fires_after_restart(engine: Engine, tmp_path: Path):
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
    )
    server = await start_dev_server(settings)
    try:
        client = await Client.connect(settings.temporal_address, data_converter=DATA_CONVERTER)
        await register_search_attributes(client, "default")
        task_queue = f"restart-{uuid.uuid4().hex[:6]}"
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = build_worker(
                client,
                task_queue=task_queue,
                engine=engine,
                calendar=WorkCalendar(),
                executor=executor,
                field_cipher=settings.field_cipher,
            )
            async with worker:
                driver = CaseDriver(env=_Env(client), engine=engine, task_queue=task_queue)  # type: ignore[arg-type]
                handle = await driver.start(
                    policy='[clocks]\nacceptance = "PT8S"\n[levels]\nvillage = "PT600S"\n'
                )
                accepted = await driver.start()
                await driver.act(accepted, "accept")
                assert (await driver.snapshot(handle)).level == "village"

                server.terminate()  # Temporal is down …
                server.wait(timeout=30)
                await asyncio.sleep(10)  # … while the acceptance clock comes due
                server = await start_dev_server(settings)  # same database file

                for _ in range(150):
                    try:
                        if (await driver.snapshot(handle)).level == "town":
                            break
                    except Exception:  # the worker is still reconnecting
                        pass
                    await asyncio.sleep(0.2)
                snap = await driver.snapshot(handle)
                assert snap.level == "town"
                breached = next(d for d in snap.deadlines if d.id == "acceptance#1")
                assert breached.status == "breached"
                # survived too; it answers once a workflow task lost in the outage has timed out
                assert await eventually_state(driver, accepted) == "handling"
                await driver.act(accepted, "assess", claim="reasonable")
                await driver.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
