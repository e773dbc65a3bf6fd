"""9. The ``--workers`` sweep: the same load on 1, 2, … worker processes on the task queue (as
``docker compose up --scale worker=N`` runs them), each count in turn on fresh processes: API
registrations and ``accept`` at the bench's concurrency, then a midnight burst of
``sweep_burst_cases`` cases with officer actions during it. Every row has the worker processes'
CPU-seconds beside it (all of them together, their notice-rendering processes included)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from bench import cpu, sec_burst
from bench.api_client import ApiClient
from bench.params import BenchParams
from bench.sec_actions import act_on
from bench.sec_registrations import register_cases
from bench.stack import Stack


def _worker_cpu(before: dict[str, float], after: dict[str, float]) -> float:
    spent = cpu.spent(before, after)
    return round(sum(v for k, v in spent.items() if k.startswith("worker")), 1)


async def one_count(
    stack: Stack, api: ApiClient, params: BenchParams, count: int
) -> dict[str, Any]:
    await stack.restart_workers(count)
    c = params.concurrency
    started, before = time.perf_counter(), cpu.sample(stack.processes)
    await register_cases(stack, api, c, c, seed=1000 + count)  # warm-up: the new processes
    reg = await register_cases(stack, api, params.sweep_registrations, c, seed=2000 + count)
    cases = [x for x in reg.results if x]
    accept = await act_on(stack, api, cases, "accept", c)
    mid = cpu.sample(stack.processes)
    burst = await sec_burst.run(
        stack, api, dataclasses.replace(params, burst_cases=params.sweep_burst_cases)
    )
    after = cpu.sample(stack.processes)
    return {
        "workers": count,
        "registrations": reg.figures(),
        "accept": accept.figures(),
        "burst": {k: burst[k] for k in ("cases", "lost", "recorded", "notified", "actions")}
        | {"notified_count": burst["notified_count"], "due_span_s": burst["due_span_s"]},
        "worker_cpu_s": {
            "registrations_and_accept": _worker_cpu(before, mid),
            "burst": _worker_cpu(mid, after),
        },
        "wall_s": round(time.perf_counter() - started, 1),
    }


async def run(
    stack: Stack, api: ApiClient, params: BenchParams, counts: list[int], restore: int
) -> dict[str, Any]:
    """Each count of ``counts`` in turn; the stack gets ``restore`` workers back afterwards."""
    try:
        return {"runs": [await one_count(stack, api, params, n) for n in counts]}
    finally:
        await stack.restart_workers(restore)
