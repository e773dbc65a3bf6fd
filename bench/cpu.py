"""CPU-seconds per process for each section, so every figure has its cost beside it: the
service's worker and API, the Temporal dev server, the bare baseline's worker, PostgreSQL (all its
backends on the machine) and this client process."""

from __future__ import annotations

import os

import psutil


def _own(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
        return float(times.user + times.system + times.children_user + times.children_system)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0


def _seconds(process: psutil.Process) -> float:
    """The process's and its live children's (the worker's notice-rendering processes); ended
    children are in ``children_user``/``children_system`` once waited for."""
    try:
        children = process.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        children = []
    return _own(process) + sum(_own(child) for child in children)


def sample(processes: dict[str, psutil.Process]) -> dict[str, float]:
    """CPU-seconds so far per named process, and ``pid:<name>`` the process's id: a process
    replaced between two samples (the sweep restarts the workers) counts from zero."""
    found = {name: _seconds(p) for name, p in processes.items()}
    found |= {f"pid:{name}": float(p.pid) for name, p in processes.items()}
    found["postgresql"] = sum(
        _own(p)
        for p in psutil.process_iter(["name"])
        if (p.info.get("name") or "").startswith("postgres")
    )
    # This process alone: the service's processes are its children, counted above (and in its
    # ``children_*`` times once they have ended).
    times = psutil.Process(os.getpid()).cpu_times()
    found["client"] = float(times.user + times.system)
    return found


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU-seconds between two samples (a PostgreSQL backend that ended meanwhile is missed; so
    is the rest of a process replaced meanwhile, before it ended)."""
    found = {}
    for name, seconds in after.items():
        if name.startswith("pid:"):
            continue
        same = before.get(f"pid:{name}") == after.get(f"pid:{name}")
        found[name] = round(max(0.0, seconds - (before.get(name, 0.0) if same else 0.0)), 1)
    return found
