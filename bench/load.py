"""A closed-loop load driver: ``n`` calls, at most ``concurrency`` in flight, each timed; and the
percentile summaries every section reports."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest rank: the value at rank ⌈p·n/100⌉ of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered) / 100))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99/max in milliseconds."""

    def ms(p: float) -> float | None:
        value = percentile(seconds, p)
        return None if value is None else round(value * 1000, 2)

    return {
        "n": len(seconds),
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ms(100),
    }


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful calls only
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    results: list[Any] = field(default_factory=list)  # in call order (None for a failure)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def merged(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.elapsed + other.elapsed,
            self.results + other.results,
        )

    def figures(self) -> dict[str, Any]:
        return {
            "per_second": round(self.per_second, 2),
            "elapsed_s": round(self.elapsed, 3),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            **summary_ms(self.latencies),
        }


async def drive(
    n: int,
    concurrency: int,
    call: Callable[[int], Awaitable[Any]],
    *,
    time_limit: float | None = None,
) -> LoadResult:
    """Run ``call(0..n-1)`` with ``concurrency`` workers pulling the next index; after
    ``time_limit`` seconds no new call starts (the rest are skipped, not failed)."""
    result = LoadResult(results=[None] * n)
    next_index = iter(range(n))
    stop_at = None if time_limit is None else time.perf_counter() + time_limit

    async def worker() -> None:
        for i in next_index:
            if stop_at is not None and time.perf_counter() > stop_at:
                return
            started = time.perf_counter()
            try:
                value = await call(i)
            except Exception as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            result.latencies.append(time.perf_counter() - started)
            result.results[i] = value

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result
