"""Where the time goes (``--profile``): a burst of registrations and ``accept`` actions through
the API at the benchmark's concurrency, with py-spy sampling the worker and the API processes.
Run apart from the measured sections, so sampling does not colour their figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import profiling
from bench.api_client import ApiClient
from bench.params import BenchParams
from bench.sec_actions import act_on
from bench.sec_registrations import register_cases
from bench.stack import Stack


async def profiled_burst(
    stack: Stack, api: ApiClient, params: BenchParams, out_dir: Path
) -> dict[str, Any]:
    if profiling.py_spy() is None:
        return {"description": "skipped: py-spy is not installed", "summaries": {}}
    n = max(params.concurrency, params.registrations // 2)
    processes = {name: stack.processes[name] for name in ("worker", "api")}
    async with profiling.sampled(processes, out_dir, "burst") as files:
        registered = await register_cases(stack, api, n, params.concurrency, seed=99)
        cases = [c for c in registered.results if c]
        await act_on(stack, api, cases, "accept", params.concurrency)
    return {
        "description": f"{n} registrations then {len(cases)} `accept` actions through the API "
        f"at concurrency {params.concurrency}, sampled at {profiling.RATE} Hz",
        "summaries": {name: profiling.summarise(path) for name, path in files.items()},
    }
