"""The ``petitionflow`` console script. Each command reads the same settings as the service."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import subprocess
import sys
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import ValidationError

from models.daycount import CalendarFile, compute_deadline
from models.errors import CalendarError, PolicyError
from models.policy import Span
from models.units import UnitTreeError
from petitionflow.codec import CodecKeyError
from petitionflow.field_crypto import FieldCryptoError
from petitionflow.observability import configure_logging
from petitionflow.settings import Settings

log = logging.getLogger("petitionflow")


def _instant(text: str) -> datetime:
    """An RFC 3339 time with its offset (argparse type)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an RFC 3339 time") from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC offset, e.g. 2026-09-20T10:00:00+08:00")
    return at


def _deadline(args: argparse.Namespace, settings: Settings) -> int:
    policy = settings.sla_policy
    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        raise SystemExit(f"--start: {args.start!r} is not an RFC 3339 time") from None
    if start.tzinfo is None:
        raise SystemExit("--start: give a UTC offset, e.g. 2026-09-20T10:00:00+08:00")
    try:
        span = Span.model_validate(args.duration)
    except ValidationError as exc:
        raise SystemExit(f"--duration: {exc.errors()[0]['msg']}") from None
    result = compute_deadline(
        start,
        span,
        mode=args.mode or policy.calendar.mode,
        zone=policy.zone,
        calendar=settings.work_calendar,
    )
    print(result.explanation)
    print(result.due_at.isoformat())
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.db import migrate

    migrate(settings.resolved_database_url, field_cipher=settings.field_cipher)
    print("database schema is up to date")
    return 0


def _calendar_apply(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.calendar import merge_schedule, signal_provisional_cases
    from petitionflow.temporal import connect

    years = merge_schedule(settings.calendar_path, Path(args.file))
    print(f"calendar: {', '.join(map(str, years))} written to {settings.calendar_path}")

    async def signal() -> int:
        return await signal_provisional_cases(await connect(settings))

    count = asyncio.run(signal())
    print(f"{count} running case(s) with provisional due times asked to count again")
    return 0


def _units_import(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.db import make_engine
    from petitionflow.unit_tree import import_file

    added, updated = import_file(make_engine(settings.resolved_database_url), Path(args.file))
    print(f"units: {added} added, {updated} renamed")
    return 0


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    from api.auth import create_user
    from petitionflow.db import make_engine

    try:
        user, token = create_user(
            make_engine(settings.resolved_database_url),
            role=args.role,
            unit_id=args.unit,
            name=args.name or "",
        )
    except ValueError as exc:
        print(f"petitionflow: {exc}", file=sys.stderr)
        return 2
    print(f"user {user.id} ({user.role} of {user.unit_id}) created; the token is shown once:")
    print(token)
    return 0


def _users_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from api.users.repository import directory
    from petitionflow.db import make_engine

    with Session(make_engine(settings.resolved_database_url)) as session:
        rows = directory(session, [args.unit] if args.unit else None, include_revoked=True)
    for user, unit_name in rows:
        status = "revoked" if user.revoked_at else "active"
        print("\t".join([user.id, user.role, user.unit_id, unit_name, user.name or "-", status]))
    return 0


def _users_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from api.users.repository import revoke
    from petitionflow.db import make_engine

    with Session(make_engine(settings.resolved_database_url)) as session:
        user = revoke(session, args.user_id)
        if user is None:
            print(f"petitionflow: unknown user {args.user_id!r}", file=sys.stderr)
            return 2
        print(f"user {user.id} revoked; its token no longer works (its name stays on records)")
    return 0


def _keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.attachment_keys import files_remaining, rotate_files
    from petitionflow.db import make_engine
    from petitionflow.documents.keys import documents_remaining, rotate_documents
    from petitionflow.keys import remaining, rotate
    from petitionflow.party_keys import parties_remaining, rotate_parties
    from petitionflow.petitioners import petitioners_remaining, rotate_petitioners

    cipher = settings.field_cipher
    engine = make_engine(settings.resolved_database_url)
    try:
        done = rotate(
            engine,
            cipher,
            batch_size=args.batch_size,
            progress=lambda d: print(f"  {d.cases} case(s) re-encrypted so far", flush=True),
        )
        left = remaining(engine, cipher)
        files = rotate_files(
            engine,
            settings.attachment_store,
            settings.blob_cipher,
            cipher,
            batch_size=args.batch_size,
            progress=lambda d: print(f"  {d.files} attachment(s) re-encrypted so far", flush=True),
        )
        files_left = files_remaining(engine, settings.blob_cipher)
        people = rotate_petitioners(engine, cipher, batch_size=args.batch_size)
        people_left = petitioners_remaining(engine, cipher)
        documents = rotate_documents(
            engine, settings.attachment_store, settings.blob_cipher, batch_size=args.batch_size
        )
        documents_left = documents_remaining(engine, settings.blob_cipher)
        parties = rotate_parties(engine, cipher, batch_size=args.batch_size)
        parties_left = parties_remaining(engine, cipher)
    finally:
        engine.dispose()
    print(
        f"keys: {people} petitioner(s) of collective petitions re-encrypted; {people_left} "
        "petitioner(s) left under other keys"
    )
    left += people_left
    moved = ", ".join(f"{n} from {k}" for k, n in sorted(done.before.items())) or "none"
    print(
        f"keys: {done.values} value(s) of {done.cases} case(s) re-encrypted under key "
        f"{cipher.active!r} ({moved}); {left} case(s) left under other keys"
    )
    moved = ", ".join(f"{n} from {k}" for k, n in sorted(files.before.items())) or "none"
    print(
        f"keys: {files.files} attachment(s) re-encrypted ({moved}); {files_left} attachment(s) "
        "left under other keys"
    )
    print(
        f"keys: {documents} document(s) re-encrypted; {documents_left} document(s) left under "
        "other keys"
    )
    print(
        f"keys: {parties} mediation party name(s) re-encrypted; {parties_left} party name(s) "
        "left under other keys"
    )
    return 0 if left == 0 and files_left == 0 and documents_left == 0 and parties_left == 0 else 1


def _retention_run(args: argparse.Namespace, settings: Settings) -> int:
    """The daily Schedule's purge, run now against the database (or only listed: --dry-run)."""
    from petitionflow import retention
    from petitionflow.attachment_retention import purge_files
    from petitionflow.db import make_engine
    from petitionflow.documents.retention import purge_documents

    policy = settings.retention_policy()
    files = 0
    as_of = args.as_of or datetime.now(UTC)
    zone = settings.sla_policy.zone
    engine = make_engine(settings.resolved_database_url)
    try:
        if args.dry_run:
            due = retention.expired(engine, policy, as_of)
            for case in due:
                closed = case.closed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                print(f"  {case.case_id}  {case.state:<13} closed {closed}")
            verb, count, left = "would purge", len(due), 0
        else:
            done = retention.purge(engine, policy, as_of, batch_size=args.batch_size)
            verb, count, left = "purged", done.cases, done.raced
            files = purge_files(engine, settings.attachment_store, batch_size=args.batch_size)
            documents = purge_documents(
                engine, settings.attachment_store, batch_size=args.batch_size
            )
    finally:
        engine.dispose()
    cutoff = policy.closed_before(as_of).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    print(
        f"retention: {verb} the personal data of {count} case(s) closed before {cutoff} "
        f"({policy.iso} after closure)" + (f"; {left} changed meanwhile, left" if left else "")
    )
    if not args.dry_run:
        print(f"retention: {files} attachment(s) of purged cases removed")
        print(f"retention: {documents} document file(s) of purged cases removed")
    return 0


def _keys_fill_search(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.db import make_engine
    from petitionflow.keys import fill_search_keys

    engine = make_engine(settings.resolved_database_url)
    try:
        filled = fill_search_keys(
            engine,
            settings.field_cipher,
            settings.person_keys,
            batch_size=args.batch_size,
            progress=lambda n: print(f"  {n} case(s) made searchable so far", flush=True),
        )
    finally:
        engine.dispose()
    print(f"keys: {filled} case(s) given the person-search hashes of their name and phone")
    return 0


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from petitionflow.audit import verify
    from petitionflow.db import make_engine

    engine = make_engine(settings.resolved_database_url)
    try:
        result = verify(engine, args.case)
    finally:
        engine.dispose()
    for broken in result.broken:
        print(broken)
    if args.case and result.cases == 0:
        print(f"audit: case {args.case} has no events", file=sys.stderr)
        return 2
    print(
        f"audit: {result.cases} case(s), {result.events} event(s) checked; "
        f"{len(result.broken)} broken chain(s)"
    )
    return 1 if result.broken else 0


def api_server(settings: Settings) -> uvicorn.Server:
    from api.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        access_log=False,  # URLs carry no personal data, but keep logs lean
        # The app reads X-Forwarded-For itself, and only from PETITIONFLOW_TRUSTED_PROXIES:
        # uvicorn's own default believes any proxy header sent from 127.0.0.1.
        proxy_headers=False,
        forwarded_allow_ips="",
    )
    return uvicorn.Server(config)


def _api(args: argparse.Namespace, settings: Settings) -> int:
    api_server(settings).run()
    return 0


async def run_worker(settings: Settings) -> None:
    from temporalio.runtime import Runtime

    from petitionflow.db import make_engine
    from petitionflow.observability import publish_open_cases, worker_runtime
    from petitionflow.schedules import (
        ALERT_SWEEP_SCHEDULE_ID,
        RETENTION_SCHEDULE_ID,
        ensure_alert_sweep_schedule,
        ensure_retention_schedule,
    )
    from petitionflow.temporal import connect, register_search_attributes
    from petitionflow.worker import build_worker

    settings.sla_policy  # noqa: B018  (fail at start-up on a bad policy, not at the first case)
    settings.retention_policy()
    settings.risk_policy()  # 预测预警's thresholds: a bad key stops the worker at start-up
    runtime = worker_runtime(settings)
    client = await connect(settings, runtime=runtime)
    # A search attribute the namespace lacks would fail every workflow task that sets it.
    added = await register_search_attributes(client, settings.temporal_namespace)
    if added:
        log.info("search attributes registered", extra={"added": added})
    schedule = await ensure_retention_schedule(
        client, task_queue=settings.task_queue, time_zone=settings.sla_policy.calendar.timezone
    )
    log.info("retention schedule " + schedule, extra={"schedule": RETENTION_SCHEDULE_ID})
    schedule = await ensure_alert_sweep_schedule(client, task_queue=settings.task_queue)
    log.info("alert sweep schedule " + schedule, extra={"schedule": ALERT_SWEEP_SCHEDULE_ID})
    engine = make_engine(settings.resolved_database_url)
    settings.document_issuer.warm()  # the notices' rendering processes, before the first notice
    meter_runtime = runtime or Runtime.default()
    gauges = asyncio.create_task(publish_open_cases(engine, meter_runtime))
    with ThreadPoolExecutor(max_workers=settings.worker_max_concurrent_activities) as executor:
        worker = build_worker(
            client,
            task_queue=settings.task_queue,
            engine=engine,
            calendar=settings.work_calendar,
            calendar_file=CalendarFile(settings.calendar_path),
            executor=executor,
            delivery=settings.delivery(),
            webhook_guard=settings.webhook_guard(),
            channel_max_failures=settings.channel_max_failures,
            max_cached_workflows=settings.worker_max_cached_workflows,
            sticky_schedule_to_start=timedelta(
                seconds=settings.worker_sticky_schedule_to_start_seconds
            ),
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            field_cipher=settings.field_cipher,
            retention_policy=settings.retention_policy,
            risk_policy=settings.risk_policy,
            attachment_store=settings.attachment_store,
            documents=settings.document_issuer,
            sms=settings.sms_gateway(),
        )
        log.info(
            "worker polling",
            extra={"task_queue": settings.task_queue, "metrics": settings.worker_metrics_address},
        )
        try:
            await worker.run()
        finally:
            gauges.cancel()


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(run_worker(settings))
    return 0


DEMO_USERS = [
    ("demo-officer", "officer", "pinghu.danghu.dongmen", "东门社区办理员"),
    ("demo-supervisor", "supervisor", "pinghu.danghu", "当湖街道督办"),
    ("demo-admin", "admin", "pinghu", "平湖市管理员"),
]


class ComponentFailed(Exception):
    """A part of the embedded default stopped on its own: what and why."""


async def _component(name: str, work: Coroutine[Any, Any, None]) -> None:
    """Run a part of ``petitionflow dev``; its failure names it (uvicorn exits on a bind error)."""
    try:
        await work
    except asyncio.CancelledError:
        raise
    except SystemExit as exc:
        raise ComponentFailed(f"{name} exited (status {exc.code})") from None
    except Exception as exc:
        raise ComponentFailed(f"{name} failed: {type(exc).__name__}: {exc}") from exc


async def _exited(server: subprocess.Popen[bytes], log: Path) -> None:
    while server.poll() is None:
        await asyncio.sleep(0.5)
    raise ComponentFailed(f"the Temporal dev server exited (status {server.returncode}); see {log}")


async def run_dev(settings: Settings) -> None:
    """The embedded default: dev server (unless one is already up), schema, demo units and
    users, the worker and the API in one process. Ctrl-C stops all of it; so does any part
    that stops on its own, naming it (exit status 1)."""
    from api.auth import create_user
    from petitionflow.db import make_engine, migrate
    from petitionflow.devserver import check_ports, reachable, start_dev_server
    from petitionflow.temporal import connect, register_search_attributes
    from petitionflow.unit_tree import DEMO_UNITS, import_file

    if settings.env == "dev" and settings.api_host in ("127.0.0.1", "localhost", "::1"):
        # the dev server's Web UI decodes payloads through /codec without a token to send
        settings = settings.model_copy(update={"codec_dev_loopback": True})
    temporal_up = await reachable(settings)
    check_ports(settings, temporal=not temporal_up)  # before anything starts
    migrate(settings.resolved_database_url, field_cipher=settings.field_cipher)
    engine = make_engine(settings.resolved_database_url)
    import_file(engine, DEMO_UNITS)
    tokens = [
        (role, unit, create_user(engine, role=role, unit_id=unit, name=name, user_id=uid)[1])
        for uid, role, unit, name in DEMO_USERS
    ]
    engine.dispose()
    server = None if temporal_up else await start_dev_server(settings)
    api = api_server(settings)
    parts: list[asyncio.Task[None]] = []
    failure: str | None = None
    try:
        await register_search_attributes(await connect(settings), settings.temporal_namespace)
        serving = asyncio.create_task(_component("the API", api.serve()))
        parts += [serving, asyncio.create_task(_component("the worker", run_worker(settings)))]
        if server is not None:
            parts.append(asyncio.create_task(_exited(server, settings.data_dir / "temporal.log")))
        base = f"http://{settings.api_host}:{settings.api_port}"
        print(f"API                {base}/api/v1   (docs {base}/docs)")
        print(f"Dashboard          {base}/dashboard")
        print(f"Temporal frontend  {settings.temporal_address}")
        print(f"Temporal Web UI    http://127.0.0.1:{settings.temporal_ui_port}")
        print(f"Database           {settings.resolved_database_url}")
        print("Demo tokens (dev only, new on every start):")
        for role, unit, token in tokens:
            print(f"  {role:<10} {unit:<24} {token}")
        sys.stdout.flush()
        done, _ = await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
        for part in done:  # the API returns on Ctrl-C / SIGTERM; any other end is a failure
            error = part.exception()
            if error is not None:
                failure = str(error)
            elif part is not serving:
                failure = "a component stopped on its own"
    finally:
        api.should_exit = True
        for part in reversed(parts):
            if part is not parts[0]:
                part.cancel()
            with contextlib.suppress(BaseException):
                await part
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    if failure is not None:
        raise SystemExit(f"petitionflow dev: {failure}; stopped everything")


def _dev(args: argparse.Namespace, settings: Settings) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_dev(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="petitionflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("dev", help="run the embedded default stack").set_defaults(run=_dev)
    commands.add_parser("worker", help="run a worker").set_defaults(run=_worker)
    commands.add_parser("api", help="run the API").set_defaults(run=_api)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=_migrate
    )

    units = commands.add_parser("units", help="manage the unit tree").add_subparsers(
        dest="units_command", required=True
    )
    units_import = units.add_parser("import", help="import a unit tree file (YAML or JSON)")
    units_import.add_argument("file")
    units_import.set_defaults(run=_units_import)

    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    users_create = users.add_parser("create", help="create a user and print its token once")
    users_create.add_argument("--role", required=True, choices=["officer", "supervisor", "admin"])
    users_create.add_argument("--unit", required=True)
    users_create.add_argument("--name", default="")
    users_create.set_defaults(run=_users_create)
    users_list = users.add_parser(
        "list", help="list users (id, role, unit, unit name, name, active|revoked), tab-separated"
    )
    users_list.add_argument("--unit", default=None, help="only this unit's users")
    users_list.set_defaults(run=_users_list)
    users_revoke = users.add_parser("revoke", help="revoke a user's token (the user stays named)")
    users_revoke.add_argument("user_id")
    users_revoke.set_defaults(run=_users_revoke)

    calendar = commands.add_parser("calendar", help="holiday schedules").add_subparsers(
        dest="calendar_command", required=True
    )
    calendar_apply = calendar.add_parser(
        "apply",
        help="load a published schedule (TOML, one table per year) and recount the provisional "
        "due times of running cases",
    )
    calendar_apply.add_argument("file")
    calendar_apply.set_defaults(run=_calendar_apply)

    keys = commands.add_parser("keys", help="encryption keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys_rotate = keys.add_parser(
        "rotate",
        help="re-encrypt the stored personal data and attachments under the active key "
        "(PETITIONFLOW_CODEC_KEYS); in batches, safe while the service runs, resumable",
    )
    keys_rotate.add_argument("--batch-size", type=int, default=200)
    keys_rotate.set_defaults(run=_keys_rotate)
    keys_fill = keys.add_parser(
        "fill-search",
        help="store the person-search hashes (name, phone) of cases registered before they "
        "existed (decrypts with the key ring)",
    )
    keys_fill.add_argument("--batch-size", type=int, default=200)
    keys_fill.set_defaults(run=_keys_fill_search)

    audit = commands.add_parser("audit", help="the record's integrity").add_subparsers(
        dest="audit_command", required=True
    )
    audit_verify = audit.add_parser(
        "verify",
        help="recompute the timeline's hash chains and name the first broken link of each case",
    )
    audit_verify.add_argument("--case", default=None, help="one case id (default: every case)")
    audit_verify.set_defaults(run=_audit_verify)

    retention_cmd = commands.add_parser(
        "retention", help="personal data kept no longer than the policy says"
    ).add_subparsers(dest="retention_command", required=True)
    retention_run = retention_cmd.add_parser(
        "run",
        help="purge the personal data of cases closed longer ago than [retention] personal_data "
        "(what the daily Schedule does)",
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="list the cases it would purge; change nothing"
    )
    retention_run.add_argument(
        "--as-of", type=_instant, default=None, help="RFC 3339 time to judge by (default: now)"
    )
    retention_run.add_argument("--batch-size", type=int, default=200)
    retention_run.set_defaults(run=_retention_run)

    deadline = commands.add_parser(
        "deadline", help="print the due time the service would compute for a period"
    )
    deadline.add_argument("--start", required=True, help="RFC 3339 time of the event")
    deadline.add_argument("--duration", required=True, help="ISO 8601 duration, e.g. P15D")
    deadline.add_argument("--mode", choices=["natural", "working"], default=None)
    deadline.set_defaults(run=_deadline)

    from api.open311.cli import add_commands as add_open311_commands

    add_open311_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        configure_logging(settings)
        return int(args.run(args, settings))
    except (PolicyError, CalendarError, UnitTreeError, CodecKeyError, FieldCryptoError) as exc:
        print(f"petitionflow: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
