"""`petitionflow dev` as a user runs it: register a case, stop with Ctrl-C, start again, and the
case and its clocks are still there."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

EXE = str(Path(sys.executable).with_name("petitionflow"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dev:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.base = f"http://127.0.0.1:{env['PETITIONFLOW_API_PORT']}"

    def __enter__(self) -> Dev:
        self.out = self.log.open("w")
        self.proc = subprocess.Popen([EXE, "dev"], env=self.env, stdout=self.out, stderr=self.out)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError(f"dev did not come up:\n{self.log.read_text()}")
        tokens = {}
        for line in self.log.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] in ("officer", "supervisor", "admin"):
                tokens[parts[0]] = parts[2]
        self.headers = {"Authorization": f"Bearer {tokens['officer']}"}
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=45)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.out.close()


def test_dev_keeps_cases_across_restarts(tmp_path: Path) -> None:
    env = os.environ | {
        "PETITIONFLOW_DATA_DIR": str(tmp_path / "data"),
        "PETITIONFLOW_API_PORT": str(free_port()),
        "PETITIONFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "PETITIONFLOW_TEMPORAL_UI_PORT": str(free_port()),
    }
    env.pop("PETITIONFLOW_DATABASE_URL", None)
    with Dev(env, tmp_path / "first.log") as dev:
        r = httpx.post(
            f"{dev.base}/api/v1/cases",
            headers=dev.headers,
            json={
                "petitioner": {"name": "赵六", "id_number": "330482199001015671"},
                "channel": "online",
                "kind": "suggestion",
                "category": "环境",
                "severity": "minor",
                "unit_id": "pinghu.danghu.dongmen",
                "title": "河道保洁",
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]
        r = httpx.post(
            f"{dev.base}/api/v1/cases/{case_id}/actions",
            headers=dev.headers,
            json={"action": "accept"},
            timeout=30,
        )
        before = r.json()
        assert before["state"] == "handling"
    assert dev.proc.returncode is not None
    assert "temporal.db" in os.listdir(tmp_path / "data")

    with Dev(env, tmp_path / "second.log") as dev:
        r = httpx.get(f"{dev.base}/api/v1/cases/{case_id}", headers=dev.headers, timeout=30)
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["state"] == "handling"
        assert after["deadlines"] == before["deadlines"]


def dev_env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = os.environ | {
        "PETITIONFLOW_DATA_DIR": str(tmp_path / "data"),
        "PETITIONFLOW_API_PORT": str(free_port()),
        "PETITIONFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "PETITIONFLOW_TEMPORAL_UI_PORT": str(free_port()),
        "PETITIONFLOW_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        **more,
    }
    env.pop("PETITIONFLOW_DATABASE_URL", None)
    return env


@pytest.mark.parametrize(
    ("variable", "what"),
    [
        ("PETITIONFLOW_WORKER_METRICS_ADDRESS", "the worker's Prometheus metrics"),
        ("PETITIONFLOW_API_PORT", "the API"),
        ("PETITIONFLOW_TEMPORAL_UI_PORT", "the Temporal Web UI"),
    ],
)
def test_dev_stops_naming_a_busy_port(tmp_path: Path, variable: str, what: str) -> None:
    """A taken port stops `petitionflow dev` at once with its address and variable, instead of
    a worker dying silently while the API answers ready."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        value = f"127.0.0.1:{port}" if variable.endswith("ADDRESS") else str(port)
        done = subprocess.run(
            [EXE, "dev"],
            env=dev_env(tmp_path, **{variable: value}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert f"127.0.0.1:{port} ({what}) is in use" in done.stderr, done.stderr
    assert variable in done.stderr
    assert not (tmp_path / "data" / "temporal.db").exists()  # nothing was started


def test_dev_stops_when_a_component_dies(tmp_path: Path) -> None:
    """The dev server killed under it: `petitionflow dev` says which part died and exits
    non-zero instead of hanging until Ctrl-C."""
    env = dev_env(tmp_path)
    with Dev(env, tmp_path / "dev.log") as dev:
        ui = int(env["PETITIONFLOW_TEMPORAL_UI_PORT"])
        [server] = [
            p
            for p in psutil.Process(dev.proc.pid).children()
            if "start-dev" in p.cmdline() and str(ui) in p.cmdline()
        ]
        command = server.cmdline()
        codec = command[command.index("--ui-codec-endpoint") + 1]
        assert codec == f"{dev.base}/codec"
        server.kill()
        assert dev.proc.wait(timeout=45) != 0
    assert "the Temporal dev server exited" in dev.log.read_text()
