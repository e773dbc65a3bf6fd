"""Sampling profiles of the worker and the API processes while a section runs (py-spy, from
PyPI), summarised as the functions that hold the most samples — where a missed target goes."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psutil

RATE = 50  # samples per second: light enough not to change the figures much


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


@asynccontextmanager
async def sampled(
    processes: dict[str, psutil.Process], out_dir: Path, label: str
) -> AsyncIterator[dict[str, Path]]:
    """Record each process (with its native threads' Python stacks) until the block ends."""
    binary = py_spy()
    files: dict[str, Path] = {}
    recorders: list[subprocess.Popen[bytes]] = []
    if binary is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, process in processes.items():
            files[name] = out_dir / f"{label}-{name}.txt"
            recorders.append(
                subprocess.Popen(
                    [
                        binary,
                        "record",
                        "--pid",
                        str(process.pid),
                        "--rate",
                        str(RATE),
                        "--format",
                        "raw",
                        "--output",
                        str(files[name]),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        await asyncio.sleep(0.5)  # attached before the load starts
    try:
        yield files
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for recorder in recorders:
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()


def _frame_name(frame: str) -> str:
    """``function (path/to/module.py:line)`` → ``module.py:function``."""
    name, _, where = frame.partition(" (")
    file = where.split(":", 1)[0].rsplit("/", 1)[-1]
    return f"{file}:{name}" if file else name


# What a sample is spent on: a label and a piece of a frame that marks it (inclusive shares; one
# sample may count for several, e.g. the codec inside a projection write).
BUCKETS: dict[str, str] = {
    "worker: sandbox creates a workflow instance (re-imports the workflow module)": (
        "_create_workflow_instance"
    ),
    "worker: workflow code runs (activations)": "InSandbox.activate",
    "worker: projection / alert writes (activities)": "ProjectionActivities",
    "worker: deadline computation (activity)": "compute_deadlines",
    "worker: alert delivery lookups (activities)": "AlertDelivery",
    "payload codec (AES-GCM)": "EncryptionCodec",
    "pydantic data converter": "PydanticJSONPlainPayloadConverter",
    "API: authentication and scope": "get_caller",
    "API: registration checks in the database": "CaseService._earlier_cases",
    "API: idempotency keys": "CaseService._claimed",
    "API: live snapshot query before an action": "CaseService.snapshot",
    "API: Temporal client calls": "Client.call",
    "SQLAlchemy ORM / statement compilation": "sqlalchemy",
    "psycopg (database round trips)": "psycopg",
}


def summarise(collapsed: Path, *, top: int = 12) -> dict[str, Any]:
    """Share of samples per function: ``self`` (the frame on top), ``total`` (anywhere on the
    stack), and ``buckets`` (``BUCKETS``: what the samples were spent on)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    samples = 0
    if not collapsed.exists():
        return {"samples": 0, "self": [], "total": [], "buckets": []}
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f]
        samples += count
        if frames:
            own[frames[-1]] += count
        for name in set(frames):
            total[name] += count
        for label, marker in BUCKETS.items():
            if marker in stack:
                buckets[label] += count

    def shares(counter: Counter[str], limit: int = top) -> list[list[Any]]:
        if not samples:
            return []
        return [[name, round(100 * n / samples, 1)] for name, n in counter.most_common(limit)]

    return {
        "samples": samples,
        "self": shares(own),
        "total": shares(total),
        "buckets": shares(buckets, len(BUCKETS)),
    }
