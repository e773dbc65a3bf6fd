"""``make bench`` runs: the benchmark with tiny counts (``--smoke``) writes both result files with
every section. No speed is asserted — the figures of a smoke run mean nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BENCH_TIMEOUT_S = 600
SECTIONS = (
    "registrations",
    "actions",
    "clocks",
    "burst",
    "reads",
    "lag",
    "footprint",
    "sandbox",
    "sweep",
)


def _bench(args: list[str]) -> tuple[int, str, str]:
    """``python -m bench.run`` in a process group of its own: on a timeout the whole group goes
    (its dev server, workers and API too, which would otherwise run on beside the suite)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.run", *args],
        cwd=Path(__file__).resolve().parents[1],
        env={k: v for k, v in os.environ.items() if not k.startswith("PETITIONFLOW_")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=BENCH_TIMEOUT_S)
    except BaseException:  # the timeout, or pytest's own
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(f"bench.run did not finish: {out[-2000:]}{err[-4000:]}") from None
    return process.returncode, out, err


@pytest.mark.timeout(BENCH_TIMEOUT_S + 60)
def test_bench_smoke_writes_every_section(tmp_path: Path, pg_server: str) -> None:
    server = pg_server.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    code, out, err = _bench(
        [
            "--smoke",
            "--out",
            str(tmp_path),
            "--pg-server",
            server,
            "--pg-database",
            f"pf_bench_smoke_{uuid.uuid4().hex[:8]}",
        ]
    )
    assert code == 0, out[-2000:] + err[-4000:]

    results = json.loads((tmp_path / "latest.json").read_text())
    for section in SECTIONS:
        assert results.get(section), f"{section} missing from latest.json"
    assert results["registrations"]["api"]["n"] > 0
    assert results["registrations"]["bare"]["n"] > 0
    assert results["actions"]["accept"]["n"] > 0
    assert results["actions"]["serial"]["accept"]["n"] > 0
    assert results["registrations"]["bare_start"]["n"] > 0
    assert [r["workers"] for r in results["sweep"]["runs"]] == [2]
    assert results["sweep"]["runs"][0]["burst"]["cases"] > 0
    assert results["clocks"]["cases"] > 0
    assert results["burst"]["cases"] > 0 and results["burst"]["actions"]["n"] > 0
    assert set(results["cpu_seconds"]) >= set(SECTIONS)
    assert results["cpu_seconds"]["registrations"]["worker"] > 0
    assert results["reads"]["list"] and results["reads"]["stats"]
    assert all(f["plans"] for f in results["reads"]["list"].values())
    assert results["lag"]["samples"] > 0
    assert results["footprint"]["rss_mb"]["worker"] > 0
    assert results["sandbox"]["histories"] > 0 and results["sandbox"]["sandboxed"]["p50_ms"] > 0
    for key in ("machine", "versions", "load_average_start"):
        assert key in results["meta"]
    assert results["parameters"]["smoke"] is True

    table = (tmp_path / "latest.md").read_text()
    for row in (
        "1 Registrations",
        "2 Action `accept`",
        "3 Alert lateness",
        "4 List",
        "4 Stats",
        "4 Timeline",
        "5 Projection lag",
        "6 RSS",
        "7 Midnight burst",
        "concurrency 1",
        "Workers sweep",
        "CPU-seconds per section",
        "Query plans",
    ):
        assert row in table, f"{row!r} missing from latest.md"
