"""The API process killed under load and restarted: no accepted registration is lost, and
clients retrying with their Idempotency-Key never create a second case."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import CaseRow
from tests.api.conftest import CODEC_KEYS, Stack, registration, resident_id
from tests.faults.conftest import EXE
from tests.test_dev_command import free_port

REGISTRATIONS = 24


class ApiProcess:
    def __init__(self, stack: Stack, port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.env = os.environ | {
            "PETITIONFLOW_ENV": "test",
            "PETITIONFLOW_DATA_DIR": str(stack.settings.data_dir),
            "PETITIONFLOW_API_PORT": str(port),
            "PETITIONFLOW_TEMPORAL_ADDRESS": stack.env.client.service_client.config.target_host,
            "PETITIONFLOW_TASK_QUEUE": stack.settings.task_queue,
            "PETITIONFLOW_DATABASE_URL": stack.engine.url.render_as_string(hide_password=False),
            "PETITIONFLOW_CODEC_KEYS": CODEC_KEYS,
            "PETITIONFLOW_SECRET_KEY": stack.settings.secret().decode(),
            "PETITIONFLOW_LOG_FORMAT": "text",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([EXE, "api"], env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(self.log.read_text())

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_api_killed_under_load_loses_and_duplicates_nothing(
    stack: Stack, tmp_path: Path
) -> None:
    api = ApiProcess(stack, free_port(), tmp_path / "api.log")
    bodies = {
        f"reg-{i}": registration(petitioner_id_number=resident_id(500 + i))
        for i in range(REGISTRATIONS)
    }
    created: dict[str, str] = {}
    headers = stack.auth("officer")

    async def client(keys: list[str]) -> None:
        async with httpx.AsyncClient(base_url=api.base, timeout=30) as http:
            for key in keys:
                while True:  # retry with the same key until the service answers
                    try:
                        r = await http.post(
                            "/api/v1/cases",
                            json=bodies[key],
                            headers=headers | {"Idempotency-Key": key},
                        )
                    except httpx.TransportError:
                        await asyncio.sleep(0.3)
                        continue
                    if r.status_code in (502, 503):
                        await asyncio.sleep(0.3)
                        continue
                    assert r.status_code == 201, r.text
                    created[key] = r.json()["case_id"]
                    break

    async with stack.run_worker():
        api.start()
        keys = list(bodies)
        load = asyncio.gather(*(client(keys[i::4]) for i in range(4)))
        while len(created) < REGISTRATIONS // 3:
            await asyncio.sleep(0.05)
        api.kill()  # mid-load
        await asyncio.sleep(1)
        await asyncio.to_thread(api.start)
        await asyncio.wait_for(load, timeout=180)
        api.kill()

        assert set(created) == set(bodies)
        assert len(set(created.values())) == REGISTRATIONS  # one case per key, never two
        for _ in range(100):
            with Session(stack.engine) as session:
                stored = session.exec(select(func.count()).select_from(CaseRow)).one()
            if stored == REGISTRATIONS:
                break
            await asyncio.sleep(0.2)
        assert stored == REGISTRATIONS
        listed = await stack.env.client.count_workflows(
            f"TaskQueue = '{stack.settings.task_queue}' AND WorkflowType = 'PetitionWorkflow'"
        )
        assert listed.count == REGISTRATIONS
