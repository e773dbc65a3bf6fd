"""3. Clock exactness: many open cases whose acceptance clock runs out within seconds; for each,
the time its breach alert was raised minus the clock's due time, and how many never fired.

The cases are group petitions (集体访), registered at the county with a policy whose acceptance
window is a few seconds longer than their registration takes (``clock_create_seconds`` / 0.8 + 5 s,
at least ``clock_window_seconds``), so that every case is open — and nothing else runs — when the
first warning (at 80 %) fires; then the clocks fall due at the pace the cases were registered. Each
breach raises a breach and a supervision alert (no escalation above the county: one breach a case).
An alert's time is the workflow's time when the timer's task ran (``alerts.created_at``), its due
time the clock's (``alerts.due_at``); a clock without a breach alert ``clock_grace_seconds`` after
the last due time never fired. The cases are started as the API starts them, straight on Temporal
(``direct.py``), to reach volume in the time."""

from __future__ import annotations

import asyncio
import math
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bench import direct
from bench.load import drive, summary_ms
from bench.params import BenchParams
from bench.sec_footprint import worker_cache
from bench.stack import Stack
from models.policy import SlaPolicy, parse_policy
from models.tables import AlertRow

TARGET_P99_MS = 1000.0


def seconds_policy(window_seconds: int) -> SlaPolicy:
    return parse_policy(f'[clocks]\nacceptance = "PT{window_seconds}S"\n', source="bench")


def _alerts_by_kind(stack: Stack, since: datetime) -> dict[str, int]:
    query = (
        select(AlertRow.kind, func.count())
        .where(col(AlertRow.created_at) >= since)
        .group_by(AlertRow.kind)
    )
    with Session(stack.engine) as session:
        return {kind: int(n) for kind, n in session.exec(query).all()}


def _breach_alerts(stack: Stack, since: datetime) -> dict[str, tuple[datetime, datetime]]:
    """case id → (alert created_at, due_at) of its acceptance breach."""
    query = select(AlertRow.case_id, AlertRow.created_at, AlertRow.due_at).where(
        AlertRow.kind == "breach",
        col(AlertRow.clock_id).startswith("acceptance"),
        col(AlertRow.created_at) >= since,
    )
    with Session(stack.engine) as session:
        rows = session.exec(query).all()
    return {case_id: (created, due) for case_id, created, due in rows if due is not None}


def window_seconds(params: BenchParams) -> int:
    """Long enough that no warning (80 % of it) fires while cases are still being registered."""
    return max(params.clock_window_seconds, math.ceil(params.clock_create_seconds / 0.8) + 5)


async def run(stack: Stack, params: BenchParams) -> dict[str, Any]:
    window_s = window_seconds(params)
    policy = seconds_policy(window_s)
    rng = random.Random(11)
    since = datetime.now(UTC)
    started = time.perf_counter()

    async def one(i: int) -> tuple[str, datetime]:
        return await direct.group_case_at_county(stack, policy, rng)

    created = await drive(
        params.clock_cases, params.seed_concurrency, one, time_limit=params.clock_create_seconds
    )
    expected: dict[str, datetime] = dict(x for x in created.results if x)
    creation_s = time.perf_counter() - started
    first_due = min(expected.values())
    last_due = max(expected.values())
    # Wait for every breach, or until the grace period after the last due time has passed.
    found: dict[str, tuple[datetime, datetime]] = {}
    while True:
        found = _breach_alerts(stack, since)
        if all(case_id in found for case_id in expected):
            break
        if (datetime.now(UTC) - last_due).total_seconds() > params.clock_grace_seconds:
            break
        await asyncio.sleep(1)
    lateness = [
        (found[case_id][0] - due).total_seconds()
        for case_id, due in expected.items()
        if case_id in found
    ]
    mismatched = sum(
        1 for case_id, due in expected.items() if case_id in found and found[case_id][1] != due
    )
    never = sum(1 for case_id in expected if case_id not in found)
    p99 = summary_ms(lateness)["p99_ms"]
    window = timedelta(seconds=window_s)
    # Registered (due − window) by the time the first clock fell due: open at once.
    open_at_first_due = sum(1 for due in expected.values() if due - window <= first_due)
    return {
        "cases": len(expected),
        "capped_by_time": len(expected) + len(created.errors) < params.clock_cases,
        "window_seconds": window_s,
        "creation_s": round(creation_s, 1),
        "creation_per_second": round(len(expected) / creation_s, 1) if creation_s else None,
        "creation_errors": len(created.errors),
        "first_errors": created.errors[:2],
        "due_span_s": round((last_due - first_due).total_seconds(), 1),
        "open_when_first_fell_due": open_at_first_due,
        "lateness": summary_ms(lateness),
        "alerts_raised": _alerts_by_kind(stack, since),
        "worker_cache_after": await worker_cache(stack),
        "never_fired": never,
        "grace_seconds": params.clock_grace_seconds,
        "due_mismatch": mismatched,
        "target": "p99 ≤ 1 s, 0 never fired",
        "met": never == 0 and p99 is not None and p99 <= TARGET_P99_MS,
    }
