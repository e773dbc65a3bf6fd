"""8. Sandbox: what a workflow instance costs the worker. Each saved case history of the current
generation (``tests/workflows/histories``) is replayed from its first event — the work of a new
case's first task, and of a case evicted from the cache and rebuilt at its next timer or action,
as at a midnight burst — by the worker's runner (the project's modules passed through the
sandbox, ``petitionflow.worker.workflow_runner``) and by the SDK's default sandbox (the modules
re-imported into every instance: the baseline), alternating round by round in one process. CPU
seconds of this process per replayed case; nothing else runs in it."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bench.params import BenchParams
from petitionflow.temporal import DATA_CONVERTER
from petitionflow.worker import PASSED_THROUGH, workflow_runner
from workflows.petition import PetitionWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "tests/workflows/histories/v6-inline-clocks"


def histories() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(f"petition-{path.stem}", path.read_text())
        for path in sorted(HISTORIES.glob("*.json"))
    ]


async def _each(cases: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for case in cases:
        yield case


async def _round(replayer: Replayer, cases: list[WorkflowHistory]) -> float:
    """CPU milliseconds per case of one replay of every history."""
    start = time.process_time()
    results = await replayer.replay_workflows(_each(cases), raise_on_replay_failure=True)
    assert not results.replay_failures
    return (time.process_time() - start) * 1000 / len(cases)


async def run(params: BenchParams) -> dict[str, Any]:
    cases = histories()
    runners = {
        "passed_through": Replayer(
            workflows=[PetitionWorkflow],
            data_converter=DATA_CONVERTER,
            workflow_runner=workflow_runner(),
        ),
        "sandboxed": Replayer(
            workflows=[PetitionWorkflow],
            data_converter=DATA_CONVERTER,
            workflow_runner=workflow_runner(strict=True),
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for replayer in runners.values():  # a first round each, not counted (imports, caches)
        await _round(replayer, cases)
    for _ in range(params.sandbox_rounds):
        for name, replayer in runners.items():
            samples[name].append(await _round(replayer, cases))
    figures = {
        name: {
            "rounds": len(values),
            "p50_ms": round(statistics.median(values), 2),
            "min_ms": round(min(values), 2),
        }
        for name, values in samples.items()
    }
    ours, baseline = figures["passed_through"]["p50_ms"], figures["sandboxed"]["p50_ms"]
    return {
        "histories": len(cases),
        "events": sum(len(c.events) for c in cases),
        "passed_through_modules": list(PASSED_THROUGH),
        **figures,
        "ratio": round(ours / baseline, 3) if baseline else None,
    }
