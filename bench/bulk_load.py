"""Loading the synthetic history into PostgreSQL: the cases with COPY (psycopg 3 ``cursor.copy``),
their timelines derived from them in SQL, and the statistics' facts from the timelines (the
projection's backfill, ``activities/stat_facts.py``).

The indexes and constraints the migrations made are taken off the three tables first and put back
afterwards, exactly as they were (their definitions are read from the catalog): building an index
once is much faster than growing it a row at a time. Then ``VACUUM ANALYZE``, as autovacuum would
eventually, so the planner and index-only scans see a settled table."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import psycopg

from bench import bulk_timelines
from bench.bulk_cases import CASE_COLUMNS, CaseHistory
from bench.units import UnitTree
from petitionflow import audit
from petitionflow.db import make_engine

TABLES = ("cases", "case_events", "stat_facts")
CHUNK = 5_000  # cases per COPY write


def _plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _schema_objects(cur: psycopg.Cursor[Any], table: str) -> tuple[list[str], list[str]]:
    """(ALTER TABLE … ADD CONSTRAINT statements, CREATE INDEX statements) of ``table``."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        (table,),
    )
    constraints = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d in cur.fetchall()]
    cur.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    )
    return constraints, [row[0] for row in cur.fetchall()]


def _drop(cur: psycopg.Cursor[Any], table: str) -> None:
    cur.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        (table,),
    )
    for (name,) in cur.fetchall():
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,))
    for (name,) in cur.fetchall():
        cur.execute(f'DROP INDEX "{name}"')


def load(database_url: str, tree: UnitTree, count: int, *, now: datetime) -> dict[str, Any]:
    """COPY ``count`` cases with their timelines; returns what was loaded and how long it took."""
    history = CaseHistory(tree, now=now)
    timings: dict[str, float] = {}
    with psycopg.connect(_plain_url(database_url), autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET synchronous_commit = off")  # the loader's own session only
        saved = {table: _schema_objects(cur, table) for table in TABLES}
        for table in TABLES:
            _drop(cur, table)

        started = time.perf_counter()
        with conn.transaction():
            with cur.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                lines: list[str] = []
                for line in history.rows(count):
                    lines.append(line)
                    if len(lines) >= CHUNK:
                        copy.write("\n".join(lines) + "\n")
                        lines.clear()
                if lines:
                    copy.write("\n".join(lines) + "\n")
            timings["copy_cases_s"] = time.perf_counter() - started
            mark = time.perf_counter()
            events = bulk_timelines.derive(cur)
            timings["derive_events_s"] = time.perf_counter() - mark
            mark = time.perf_counter()
            facts = bulk_timelines.derive_facts(cur)
            timings["derive_facts_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        for table in TABLES:
            constraints, indexes = saved[table]
            for statement in constraints + indexes:
                cur.execute(statement)  # catalog text
        timings["indexes_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    engine = make_engine(database_url)
    try:  # chained as the projection would have written them: `audit verify` passes on them
        audit.chain_all(engine)
    finally:
        engine.dispose()
    timings["chain_events_s"] = time.perf_counter() - mark
    with psycopg.connect(_plain_url(database_url), autocommit=True) as conn, conn.cursor() as cur:
        mark = time.perf_counter()
        # Chaining rewrote every event row: compact the table (and its indexes) again, or the
        # reads would be measured on a table twice its size.
        cur.execute("VACUUM FULL case_events")
        for table in TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum_analyze_s"] = time.perf_counter() - mark
        cur.execute(
            "SELECT pg_total_relation_size('cases'), pg_total_relation_size('case_events'), "
            "pg_total_relation_size('stat_facts'), "
            "(SELECT avg(octet_length(snapshot::text)) FROM (SELECT snapshot FROM cases "
            "TABLESAMPLE SYSTEM (1)) s)"
        )
        cases_bytes, events_bytes, facts_bytes, snapshot_bytes = cur.fetchone() or (0, 0, 0, 0)
    return {
        "cases": count,
        "events": events,
        "stat_facts": facts,
        "cases_table_mb": round(cases_bytes / 2**20),
        "events_table_mb": round(events_bytes / 2**20),
        "stat_facts_table_mb": round(facts_bytes / 2**20),
        "avg_snapshot_bytes": round(float(snapshot_bytes or 0)),
        "total_s": round(sum(timings.values()), 1),
        **{k: round(v, 1) for k, v in timings.items()},
    }
