"""6. Footprint: resident memory (RSS, psutil) of the worker, the Temporal dev server, the API and
the bare worker as open cases grow to ``open_cases``, and how much of the worker's workflow cache
(sticky cache, ``max_cached_workflows``) is in use.

The open cases of the earlier sections count; the rest are minor petitions at the live villages
on the shipped (statutory) policy, registered straight on Temporal (``direct.py``). RSS is sampled
at each quarter of the way, so the growth per open case shows (and, if the count was capped by
``footprint_create_seconds``, extrapolates)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
import psutil

from bench import direct
from bench.load import drive
from bench.params import BenchParams
from bench.stack import Stack
from bench.workload import next_serial
from models.vocabulary import Severity
from petitionflow.settings import Settings

CACHE_METRICS = (
    "temporal_sticky_cache_size",
    "temporal_sticky_cache_total_forced_eviction_total",
    "temporal_sticky_cache_total_forced_eviction",
)
MB = 2**20


def max_cached_workflows() -> int:
    """The worker's setting (``PETITIONFLOW_WORKER_MAX_CACHED_WORKFLOWS``), as it starts."""
    return Settings().worker_max_cached_workflows


async def worker_metrics(stack: Stack, names: tuple[str, ...]) -> dict[str, float]:
    """The (first) worker's Prometheus metrics of ``names``, summed over their labels."""
    async with httpx.AsyncClient(timeout=5) as http:
        body = (await http.get(stack.worker_metrics_url)).text
    found: dict[str, float] = {}
    for line in body.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in names:
            found[name] = found.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return found


async def worker_cache(stack: Stack) -> dict[str, float]:
    return await worker_metrics(stack, CACHE_METRICS)


async def open_workflows(stack: Stack, workflow_type: str) -> int:
    query = f"WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Running'"
    return (await stack.client.count_workflows(query)).count


def rss_mb(process: psutil.Process) -> float:
    try:
        return round(process.memory_info().rss / MB, 1)
    except psutil.Error:
        return float("nan")


async def sample(stack: Stack, settle_seconds: float) -> dict[str, Any]:
    await asyncio.sleep(settle_seconds)
    return {
        "open_cases": await open_workflows(stack, "PetitionWorkflow"),
        "open_alert_workflows": await open_workflows(stack, "AlertWorkflow"),
        "rss_mb": {name: rss_mb(p) for name, p in stack.processes.items()},
        "worker_cache": await worker_cache(stack),
    }


def per_thousand(samples: list[dict[str, Any]], process: str) -> float | None:
    """RSS growth per 1,000 open cases between the first and the last sample."""
    first, last = samples[0], samples[-1]
    cases = last["open_cases"] - first["open_cases"]
    if cases <= 0:
        return None
    return round((last["rss_mb"][process] - first["rss_mb"][process]) / cases * 1000, 2)


async def run(stack: Stack, params: BenchParams) -> dict[str, Any]:
    samples = [await sample(stack, params.settle_seconds)]
    missing = max(0, params.open_cases - samples[0]["open_cases"])
    rng = random.Random(13)
    villages = stack.tree.villages
    deadline = time.monotonic() + params.footprint_create_seconds
    capped = False

    async def one(_: int) -> str:
        snapshot = await direct.register(
            stack,
            unit_id=villages[rng.randrange(len(villages))],
            severity=Severity.minor,
            policy=stack.settings.sla_policy,
            serial=next_serial(),
            rng=rng,
        )
        return snapshot.case_id

    for quarter in range(4):
        batch = missing // 4 + (1 if quarter < missing % 4 else 0)
        if batch:
            left = deadline - time.monotonic()
            done = await drive(batch, params.seed_concurrency, one, time_limit=max(0.0, left))
            capped = capped or len(done.latencies) + len(done.errors) < batch
        samples.append(await sample(stack, params.settle_seconds))
        if capped:
            break
    last = samples[-1]
    growth = {name: per_thousand(samples, name) for name in ("worker", "dev_server")}
    target = params.open_cases
    short = target - last["open_cases"]
    # The dev server keeps every workflow (in memory here): it grows with open cases. The
    # worker keeps at most max_cached_workflows of them: once its cache is full it does not.
    cached = last["worker_cache"].get("temporal_sticky_cache_size", 0)
    extrapolated = None
    if short > 0:
        extrapolated = {
            "dev_server": round(
                last["rss_mb"]["dev_server"] + (growth["dev_server"] or 0) * short / 1000, 1
            ),
            "worker": last["rss_mb"]["worker"] if cached >= max_cached_workflows() else None,
        }
    return {
        "target_open_cases": target,
        "open_cases": last["open_cases"],
        "open_alert_workflows": last["open_alert_workflows"],
        "capped_by_time": capped,
        "rss_mb": last["rss_mb"],
        "rss_mb_per_1000_open_cases": growth,
        "rss_mb_extrapolated_to_target": extrapolated,
        "max_cached_workflows": max_cached_workflows(),
        "worker_cache": last["worker_cache"],
        "samples": samples,
        "target": "recorded (no target in the issue)",
    }
