"""What the figures were measured on: the machine, its load, the versions of everything."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from typing import Any

import psutil
from sqlalchemy import text
from sqlalchemy.engine import Engine

from petitionflow.devserver import binary

PACKAGES = (
    "temporalio",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "pydantic",
    "httpx",
    "cryptography",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _command(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    return {
        "cpus": psutil.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions(engine: Engine | None) -> dict[str, str]:
    found = {name: metadata.version(name) for name in PACKAGES}
    found["temporal_cli"] = _command(binary("temporal"), "--version")
    found["petitionflow_commit"] = _command("git", "rev-parse", "--short", "HEAD")
    dirty = _command("git", "status", "--porcelain", "--untracked-files=no")
    found["petitionflow_tree"] = "clean" if dirty in ("", "unknown") else "modified"
    if engine is not None:
        with engine.connect() as conn:
            found["database"] = str(conn.execute(text("SELECT version()")).scalar_one())[:60]
    return found
