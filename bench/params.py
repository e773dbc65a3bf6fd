"""How much each section does: the defaults fit 10 minutes on a 2-core machine, ``--scale N``
multiplies the counts, ``--smoke`` shrinks everything to check that the benchmark runs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BenchParams:
    concurrency: int = 16  # in-flight requests of the registration and action sections
    registrations: int = 240  # through the API: the actions' cases; the bare baseline as many
    actions: int = 160  # per action kind through the API; the bare baseline as many updates
    serial_actions: int = 30  # `accept` one at a time (concurrency 1), on cases not yet acted on
    lag_samples: int = 40  # actions whose projection lag is measured
    lag_concurrency: int = 4
    lag_poll_seconds: float = 0.01
    clock_cases: int = 1_000  # open cases whose acceptance clock falls due within seconds
    clock_window_seconds: int = 5  # their acceptance window, at least (see sec_clocks.py)
    clock_grace_seconds: float = 60  # how long after the last due time a clock may still fire
    burst_cases: int = 1_000  # open cases whose clocks all fall due at one instant (sec_burst)
    burst_actions: int = 20  # officer actions sent through the API while the burst is worked off
    burst_create_seconds: float = 40.0  # registering the burst's cases, at least (or as a
    # probe of the machine's registration rate says they need: sec_burst.py)
    burst_grace_seconds: float = 90  # how long after the instant a breach may still be recorded
    sweep_registrations: int = 96  # per worker count of the --workers sweep (sec_sweep)
    sweep_burst_cases: int = 300  # the sweep's burst, per worker count
    open_cases: int = 20_000  # open cases in total when the footprint is measured
    seed_concurrency: int = 32  # in-flight starts when open cases are created for volume
    bulk_cases: int = 1_000_000  # projected cases COPY'd into PostgreSQL for the reads
    towns: int = 10
    villages_per_town: int = 20
    read_samples: int = 30  # per list filter / stats scope / timeline
    read_concurrency: int = 1  # reads measure latency, not queueing
    # Time caps, so that a slow machine still finishes (a capped figure says how many it got).
    read_seconds: float = 3.0  # per list filter / stats scope / timeline
    clock_create_seconds: float = 30.0  # creating the clock cases
    footprint_create_seconds: float = 30.0  # creating the open cases for the footprint
    settle_seconds: float = 3.0  # before each footprint sample
    sandbox_rounds: int = 20  # replays of every saved history per runner (sec_sandbox)
    smoke: bool = False

    def scaled(self, factor: float) -> BenchParams:
        """Every count times ``factor`` (the bulk load included, not the unit tree); the time
        caps grow with it, never shrink."""
        if factor == 1:
            return self
        counts = (
            "registrations",
            "actions",
            "serial_actions",
            "lag_samples",
            "clock_cases",
            "burst_cases",
            "open_cases",
            "sweep_registrations",
            "sweep_burst_cases",
            "bulk_cases",
            "read_samples",
            "sandbox_rounds",
        )
        caps = (
            "read_seconds",
            "clock_create_seconds",
            "burst_create_seconds",
            "footprint_create_seconds",
        )
        values: dict[str, Any] = {
            name: max(1, int(getattr(self, name) * factor)) for name in counts
        }
        values |= {name: getattr(self, name) * max(1.0, factor) for name in caps}
        return dataclasses.replace(self, **values)


def smoke_params() -> BenchParams:
    """Tiny: every section runs and writes its figures, in well under a minute."""
    return BenchParams(
        registrations=20,
        actions=16,
        serial_actions=4,
        lag_samples=4,
        clock_cases=20,
        clock_window_seconds=2,
        clock_create_seconds=2.0,
        clock_grace_seconds=20,
        burst_cases=20,
        burst_actions=2,
        burst_create_seconds=3.0,
        burst_grace_seconds=20,
        open_cases=100,
        sweep_registrations=4,
        sweep_burst_cases=5,
        bulk_cases=3_000,
        towns=2,
        villages_per_town=3,
        read_samples=3,
        settle_seconds=0.2,
        sandbox_rounds=1,
        smoke=True,
    )
