"""The embedded stack a benchmark run starts and stops: the Temporal dev server, a fresh
database, the real worker (``petitionflow worker``) and the real API (uvicorn) as processes of
their own, and the bare baseline's worker beside them on the same server."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.auth import create_user
from bench import bulk_load, sql_log
from bench.bare import BARE_TASK_QUEUE
from bench.bulk_cases import utc_now
from bench.params import BenchParams
from bench.units import UnitTree, bench_tree
from models.daycount import WorkCalendar, YearSchedule, statutory_holidays
from petitionflow.calendar import render_schedules
from petitionflow.db import make_engine, migrate, normalize_url
from petitionflow.devserver import EAGER_ACTIVITIES, binary
from petitionflow.settings import Settings
from petitionflow.temporal import data_converter
from petitionflow.unit_tree import import_units
from workflows import search_attributes

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "petitionflow_bench"
TASK_QUEUE = "petitionflow-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_postgres(server_url: str, name: str) -> None:
    admin = create_engine(normalize_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def recreate_postgres(server_url: str, name: str) -> str:
    """Drop and create the benchmark's own database; returns its URL."""
    drop_postgres(server_url, name)
    admin = create_engine(normalize_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server_url}/{name}"


@dataclass
class Users:
    """Bearer tokens: one officer per village that registers live cases, supervisors, an admin."""

    officers: dict[str, str] = field(default_factory=dict)  # village id → token
    county_supervisor: str = ""
    town_supervisor: str = ""
    admin: str = ""
    lag_village: str = ""  # a village of its own for the projection-lag cases
    lag_officer: str = ""


@dataclass
class Workers:
    """The service's worker processes on the task queue, as many as asked (``--workers N``; the
    sweep changes the count between its runs)."""

    values: dict[str, str]  # the service's settings
    env: dict[str, str]
    run_dir: Path
    metrics_url: str
    spawned: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    generation: int = 0

    def start(self, count: int) -> None:
        self.generation += 1
        python = sys.executable
        for n in range(1, count + 1):
            name = "worker" if n == 1 else f"worker_{n}"
            # More worker processes on the same task queue share the cases, as `docker compose
            # up --scale worker=N` runs them (the first one's metrics are the ones read).
            env = self.env if n == 1 else service_env(self.values | {"worker_metrics_address": ""})
            log = self.run_dir / f"{name}.{self.generation}.log"
            self.spawned[name] = _spawn([python, "-m", "petitionflow.cli", "worker"], env, log)

    async def ready(self) -> None:
        log = self.run_dir / f"worker.{self.generation}.log"
        await _wait_http(self.metrics_url, self.spawned["worker"], log)

    def stop(self) -> None:
        _stop(self.spawned.values())
        self.spawned.clear()

    def processes(self) -> dict[str, psutil.Process]:
        return {name: psutil.Process(p.pid) for name, p in self.spawned.items()}


def _stop(processes: Any) -> None:
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]
    database_url: str
    engine: Engine
    tree: UnitTree
    users: Users
    client: Client  # the service's data converter (pydantic + AES-GCM codec)
    bare_client: Client  # the SDK's default converter
    api_url: str
    worker_metrics_url: str
    processes: dict[str, psutil.Process]
    run_dir: Path
    workers: Workers
    notes: dict[str, str] = field(default_factory=dict)
    bulk: dict[str, Any] = field(default_factory=dict)  # what the bulk load put in

    @property
    def live_villages(self) -> list[str]:
        return list(self.users.officers)

    async def restart_workers(self, count: int) -> None:
        """``count`` fresh worker processes in place of the running ones (their cached
        workflows are rebuilt by replay, as after a deploy)."""
        self.workers.stop()
        self.workers.start(count)
        await self.workers.ready()
        for name in [n for n in self.processes if n.startswith("worker")]:
            del self.processes[name]
        self.processes |= self.workers.processes()


def service_env(settings_values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITIONFLOW_")}
    env.update({f"PETITIONFLOW_{k.upper()}": v for k, v in settings_values.items()})
    return env


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path.cwd())


async def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(240):
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited; see {log}")
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{url} did not answer; see {log}")


def _dev_server_process() -> psutil.Process:
    for child in psutil.Process().children(recursive=True):
        if child.name().startswith("temporal"):
            return child
    raise RuntimeError("the Temporal dev server process was not found")


def stand_in_schedules(path: Path, this_year: int) -> list[int]:
    """This year and the next, where the installed ``chinese-calendar`` has no published schedule:
    the statutory holidays without 调休, in the override file, as an office applies a published
    year with ``petitionflow calendar apply``. Otherwise each period reaching such a year would be
    counted by the fallback activity, and the run would measure the calendar's age, not the
    service. Returns the years given a stand-in."""
    official = WorkCalendar()
    years = [y for y in (this_year, this_year + 1) if not official.covers(date(y, 1, 1))]
    schedules = {
        y: YearSchedule(holidays=frozenset(d for d in statutory_holidays(y) if d.weekday() < 5))
        for y in years
    }
    if schedules:
        path.write_text(render_schedules(schedules), encoding="utf-8")
    return years


def seed(engine: Engine, tree: UnitTree, live_villages: int) -> Users:
    import_units(engine, tree.specs)
    users = Users()
    for village in tree.villages[:live_villages]:
        users.officers[village] = create_user(
            engine, role="officer", unit_id=village, name="办理员", user_id=f"bench-{village}"
        )[1]
    users.lag_village = tree.villages[-1]
    users.lag_officer = create_user(engine, role="officer", unit_id=users.lag_village)[1]
    users.county_supervisor = create_user(engine, role="supervisor", unit_id=tree.specs[0].id)[1]
    users.town_supervisor = create_user(engine, role="supervisor", unit_id=tree.towns[0])[1]
    users.admin = create_user(engine, role="admin", unit_id=tree.specs[0].id)[1]
    return users


@asynccontextmanager
async def running_stack(
    params: BenchParams,
    *,
    database: str,
    pg_server: str = PG_SERVER,
    pg_database: str = PG_DATABASE,
    temporal_file: bool = False,
    keep: bool = False,
    workers: int = 1,
) -> AsyncIterator[Stack]:
    """``database``: postgresql (the benchmark's own database on 127.0.0.1:5432) or sqlite.
    The dev server keeps its state in memory unless ``temporal_file`` (as ``make dev`` does):
    on a shared disk its fsyncs would dominate both our figures and the baseline's. The
    PostgreSQL database is dropped afterwards unless ``keep`` (so is the run's directory)."""
    run_dir = Path(tempfile.mkdtemp(prefix="petitionflow-bench-"))
    if database == "postgresql":
        database_url = recreate_postgres(pg_server, pg_database)
    else:
        database_url = f"sqlite:///{run_dir / 'petitionflow.db'}"
    migrate(database_url)
    engine = make_engine(database_url)
    tree = bench_tree(params.towns, params.villages_per_town)
    users = seed(engine, tree, live_villages=min(params.concurrency, len(tree.villages)))
    bulk: dict[str, Any] = {}
    if database == "postgresql" and params.bulk_cases:
        # Before any service runs: the load takes both cores.
        bulk = bulk_load.load(database_url, tree, params.bulk_cases, now=utc_now())

    stand_ins = stand_in_schedules(run_dir / "calendar.toml", utc_now().year)
    temporal_port, api_port, metrics_port = free_port(), free_port(), free_port()
    values = {
        "env": "test",
        "data_dir": str(run_dir),
        "database_url": database_url,
        "temporal_address": f"127.0.0.1:{temporal_port}",
        "task_queue": TASK_QUEUE,
        "secret_key": secrets.token_urlsafe(48),
        "codec_keys": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "api_host": "127.0.0.1",
        "api_port": str(api_port),
        "worker_metrics_address": f"127.0.0.1:{metrics_port}",
        "public_url": f"http://127.0.0.1:{api_port}",
        "webhook_allow": "127.0.0.1",  # the burst section's webhook receiver
    }
    env = service_env(values) | {sql_log.ENV: str(run_dir)}
    settings = Settings(**values)  # type: ignore[arg-type]
    temporal = await WorkflowEnvironment.start_local(
        port=temporal_port,
        data_converter=data_converter(settings),
        dev_server_existing_path=binary("temporal"),
        dev_server_database_filename=str(run_dir / "temporal.db") if temporal_file else None,
        dev_server_log_level="error",
        dev_server_extra_args=list(EAGER_ACTIVITIES),  # as `make dev` runs it
        search_attributes=search_attributes.ALL,
    )
    spawned: dict[str, subprocess.Popen[bytes]] = {}
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    worker_set = Workers(values=values, env=env, run_dir=run_dir, metrics_url=metrics_url)
    try:
        python = sys.executable
        worker_set.start(workers)
        spawned["api"] = _spawn([python, "-m", "bench.api_server"], env, run_dir / "api.log")
        spawned["bare_worker"] = _spawn(
            [python, "-m", "bench.bare", values["temporal_address"], BARE_TASK_QUEUE],
            env,
            run_dir / "bare_worker.log",
        )
        api_url = f"http://127.0.0.1:{api_port}"
        await _wait_http(f"{api_url}/healthz", spawned["api"], run_dir / "api.log")
        await worker_set.ready()
        bare_client = await Client.connect(values["temporal_address"])
        processes = {name: psutil.Process(p.pid) for name, p in spawned.items()}
        processes |= worker_set.processes()
        processes["dev_server"] = _dev_server_process()
        stats_line = (run_dir / "api.log").read_text(errors="replace").splitlines()
        stack = Stack(
            settings=settings,
            env=env,
            database_url=database_url,
            engine=engine,
            tree=tree,
            users=users,
            client=temporal.client,
            bare_client=bare_client,
            api_url=api_url,
            worker_metrics_url=metrics_url,
            processes=processes,
            run_dir=run_dir,
            workers=worker_set,
            bulk=bulk,
            notes={
                "stats_route": next(
                    (s.split(": ", 1)[1] for s in stats_line if s.startswith("stats route:")),
                    "unknown",
                ),
                "calendar": ", ".join(map(str, stand_ins)),
            },
        )
        yield stack
    finally:
        worker_set.stop()
        _stop(spawned.values())
        await temporal.shutdown()
        engine.dispose()
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
            if database == "postgresql":
                drop_postgres(pg_server, pg_database)
