"""1. Registrations: cases/s through ``POST /api/v1/cases`` at the same concurrency as a bare
update-with-start of a no-op workflow on the same server → ratio (the issue's fair baseline: a
registration, too, answers from the workflow's first task, so the bare side does worker work as
well). A bare ``start_workflow`` — answered once the server recorded the start, no worker on the
path — is reported beside it.

The three alternate in rounds (bare start, bare update-with-start, API; twice) so that drift of a
shared machine falls on all. A registration answers once the case is registered with its first
clocks running (the workflow's ``registration`` update, started with it)."""

from __future__ import annotations

import random
import uuid
from typing import Any

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.api_client import ApiClient
from bench.bare import BARE_TASK_QUEUE, NoopWorkflow
from bench.load import LoadResult, drive
from bench.params import BenchParams
from bench.stack import Stack
from bench.workload import next_serial, registration

ROUNDS = 2


async def register_cases(
    stack: Stack, api: ApiClient, n: int, concurrency: int, *, seed: int
) -> LoadResult:
    """Register ``n`` minor petitions, each by the officer of one of the live villages."""
    rng = random.Random(seed)
    villages = stack.live_villages

    async def one(i: int) -> dict[str, Any]:
        village = villages[i % len(villages)]
        snapshot = await api.register(
            stack.users.officers[village], registration(rng, next_serial(), village)
        )
        return {"case_id": snapshot["case_id"], "village": village, "snapshot": snapshot}

    return await drive(n, concurrency, one)


async def start_bare(stack: Stack, n: int, concurrency: int) -> LoadResult:
    async def one(i: int) -> str:
        workflow_id = f"bare-{uuid.uuid4().hex[:16]}"
        await stack.bare_client.start_workflow(
            NoopWorkflow.run, "noop", id=workflow_id, task_queue=BARE_TASK_QUEUE
        )
        return workflow_id

    return await drive(n, concurrency, one)


async def start_bare_with_update(stack: Stack, n: int, concurrency: int) -> LoadResult:
    async def one(i: int) -> str:
        workflow_id = f"bare-uws-{uuid.uuid4().hex[:16]}"
        start = WithStartWorkflowOperation(
            NoopWorkflow.run,
            "noop",
            id=workflow_id,
            task_queue=BARE_TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        await stack.bare_client.execute_update_with_start_workflow(
            NoopWorkflow.register, "registered", start_workflow_operation=start
        )
        return workflow_id

    return await drive(n, concurrency, one)


async def run(stack: Stack, api: ApiClient, params: BenchParams) -> dict[str, Any]:
    c = params.concurrency
    await register_cases(stack, api, c, c, seed=0)  # warm-up: connections, caches, imports
    await start_bare(stack, c, c)
    await start_bare_with_update(stack, c, c)
    ours, bare, bare_start = LoadResult(), LoadResult(), LoadResult()
    per_round = max(1, params.registrations // ROUNDS)
    for r in range(ROUNDS):
        bare_start = bare_start.merged(await start_bare(stack, per_round, c))
        bare = bare.merged(await start_bare_with_update(stack, per_round, c))
        ours = ours.merged(await register_cases(stack, api, per_round, c, seed=r + 1))
    ratio = ours.per_second / bare.per_second if bare.per_second else None
    start_ratio = ours.per_second / bare_start.per_second if bare_start.per_second else None
    return {
        "concurrency": c,
        "count": per_round * ROUNDS,
        "api": ours.figures(),
        "bare": bare.figures(),
        "bare_start": bare_start.figures(),
        "ratio": None if ratio is None else round(ratio, 3),
        "start_ratio": None if start_ratio is None else round(start_ratio, 3),
        "target": "≥ 0.5 × bare update-with-start",
        "met": ratio is not None and ratio >= 0.5,
        "_cases": [x for x in ours.results if x],
        "_bare_workflows": [x for x in bare_start.results if x],
    }
