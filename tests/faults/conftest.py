"""Real processes, killed for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.api.conftest import CODEC_KEYS, Stack, stack, temporal  # noqa: F401  (fixtures)

EXE = str(Path(sys.executable).with_name("petitionflow"))


class WorkerProcess:
    """`petitionflow worker` as a separate process on the stack's task queue and database."""

    def __init__(self, on: Stack, log: Path) -> None:
        self.env = os.environ | {
            "PETITIONFLOW_ENV": "test",
            "PETITIONFLOW_DATA_DIR": str(on.settings.data_dir),
            "PETITIONFLOW_TEMPORAL_ADDRESS": on.env.client.service_client.config.target_host,
            "PETITIONFLOW_TASK_QUEUE": on.settings.task_queue,
            "PETITIONFLOW_DATABASE_URL": on.engine.url.render_as_string(hide_password=False),
            "PETITIONFLOW_CODEC_KEYS": CODEC_KEYS,
            "PETITIONFLOW_WORKER_METRICS_ADDRESS": "",
            "PETITIONFLOW_LOG_FORMAT": "text",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([EXE, "worker"], env=self.env, stdout=out, stderr=out)
        time.sleep(2)  # imports and first poll
        assert self.proc.poll() is None, self.log.read_text()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
