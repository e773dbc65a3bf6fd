"""2. Actions: p50/p99 latency and throughput of actions through ``POST …/actions`` against bare
``execute_update`` of a no-op update, each on its own workflow, at the same concurrency → ratio.

Two actions, because they cost differently: ``accept`` starts the handling clock, so its update
waits for the deadline activity before it answers; ``assess`` changes no clock and answers from
the workflow task alone. Rounds alternate (bare, accept, assess; twice). Then ``accept`` one at a
time against the bare update one at a time: the latency a lone officer sees, without queueing."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client

from bench.api_client import ApiClient
from bench.load import LoadResult, drive
from bench.params import BenchParams
from bench.stack import Stack

ROUNDS = 2
BODIES: dict[str, dict[str, Any]] = {
    "accept": {"action": "accept", "note": "受理"},
    "assess": {
        "action": "assess",
        "claim": "reasonable",
        "hardship": False,
        "unlawful_conduct": False,
        "note": "诉求合理",
    },
}


async def act_on(
    stack: Stack, api: ApiClient, cases: list[dict[str, Any]], action: str, concurrency: int
) -> LoadResult:
    async def one(i: int) -> dict[str, Any]:
        case = cases[i]
        token = stack.users.officers[case["village"]]
        return await api.act(token, case["case_id"], BODIES[action])

    return await drive(len(cases), concurrency, one)


async def touch_bare(client: Client, workflow_ids: list[str], concurrency: int) -> LoadResult:
    async def one(i: int) -> str:
        handle = client.get_workflow_handle(workflow_ids[i])
        return await handle.execute_update("touch", "ok", result_type=str)

    return await drive(len(workflow_ids), concurrency, one)


def _ratio(ours: LoadResult, bare: LoadResult, p: str) -> float | None:
    mine, base = ours.figures()[p], bare.figures()[p]
    return round(mine / base, 2) if mine and base else None


async def run(
    stack: Stack,
    api: ApiClient,
    params: BenchParams,
    cases: list[dict[str, Any]],
    bare_workflows: list[str],
) -> dict[str, Any]:
    c = params.concurrency
    n = min(params.actions, len(cases), len(bare_workflows))
    per_round = max(1, n // ROUNDS)
    bare = LoadResult()
    ours = {action: LoadResult() for action in BODIES}
    for r in range(ROUNDS):
        chunk = cases[r * per_round : (r + 1) * per_round]
        bare = bare.merged(
            await touch_bare(
                stack.bare_client, bare_workflows[r * per_round : (r + 1) * per_round], c
            )
        )
        for action in BODIES:  # accept, then assess on the same (now handling) cases
            ours[action] = ours[action].merged(await act_on(stack, api, chunk, action, c))
    result: dict[str, Any] = {"concurrency": c, "count": per_round * ROUNDS, "bare": bare.figures()}
    for action, load in ours.items():
        ratio = _ratio(load, bare, "p50_ms")
        result[action] = {
            **load.figures(),
            "p50_ratio": ratio,
            "p99_ratio": _ratio(load, bare, "p99_ms"),
            "throughput_ratio": round(load.per_second / bare.per_second, 3)
            if bare.per_second
            else None,
            "target": "p50 ≤ 2 × bare",
            "met": ratio is not None and ratio <= 2,
        }
    acted = per_round * ROUNDS
    result["serial"] = await _serial(stack, api, params, cases[acted:], bare_workflows)
    result["_acted"] = cases[:acted]
    return result


async def _serial(
    stack: Stack,
    api: ApiClient,
    params: BenchParams,
    cases: list[dict[str, Any]],
    bare_workflows: list[str],
) -> dict[str, Any]:
    """``accept`` at concurrency 1 on cases not acted on yet, against the bare update at
    concurrency 1, alternating halves."""
    n = min(params.serial_actions, len(cases), len(bare_workflows))
    half = max(1, n // 2)
    ours, bare = LoadResult(), LoadResult()
    for r in range(2):
        part = slice(r * half, (r + 1) * half)
        bare = bare.merged(await touch_bare(stack.bare_client, bare_workflows[part], 1))
        ours = ours.merged(await act_on(stack, api, cases[part], "accept", 1))
    ratio = _ratio(ours, bare, "p50_ms")
    return {
        "count": len(ours.latencies),
        "accept": ours.figures(),
        "bare": bare.figures(),
        "p50_ratio": ratio,
        "p99_ratio": _ratio(ours, bare, "p99_ms"),
        "target": "p50 ≤ 2 × bare (concurrency 1)",
        "met": ratio is not None and ratio <= 2,
    }
