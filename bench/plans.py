"""The query plans behind the supervisor reads: the statements the API process ran for a request
(recorded by ``sql_log``), each explained on the same database — ``EXPLAIN (ANALYZE, BUFFERS)``
when it ran quickly, the estimated plan beside its measured duration when running it again would
cost too much of the benchmark's ten minutes."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

PROJECTION_TABLES = (
    "FROM cases",
    "JOIN cases",
    "FROM case_events",
    "JOIN case_events",
    "FROM stat_facts",
)
ANALYZE_UNDER_MS = 2000.0
# A unit list of a county (211 ids) makes plans unreadable: keep the first few.
_LONG_ARRAY = re.compile(r"'\{([^{}']{200,})\}'")
_LONG_IN = re.compile(r"(%\(\w+?_\d+\)s::VARCHAR, ){5,}%\(\w+?_\d+\)s::VARCHAR")


def compact(text: str) -> str:
    def array(match: re.Match[str]) -> str:
        items = match.group(1).split(",")
        return "'{" + ",".join(items[:3]) + f",… {len(items)} in all" + "}'"

    def in_list(match: re.Match[str]) -> str:
        return f"{match.group(0)[:60]}… ({match.group(0).count('%(')} parameters)"

    return _LONG_IN.sub(in_list, _LONG_ARRAY.sub(array, text))


def _run(engine: Engine, sql: str, params: Any, timeout_ms: int | None = None) -> str:
    with engine.connect() as conn, conn.begin():
        if timeout_ms:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms}")
        rows = conn.exec_driver_sql(sql, params)
        return "\n".join(str(row[0]) for row in rows)


def explain(engine: Engine, statement: dict[str, Any]) -> dict[str, Any]:
    sql, params, took = statement["sql"], statement["params"], statement["ms"]
    analyzed = took <= ANALYZE_UNDER_MS
    plan = None
    if analyzed:
        try:
            plan = _run(
                engine, f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params, int(max(took * 3, 3000))
            )
        except OperationalError:  # slower this time (a busy machine): the estimate will do
            analyzed = False
    if plan is None:
        plan = _run(engine, f"EXPLAIN {sql}", params)
    return {
        "sql": compact(" ".join(sql.split())),
        "measured_ms": took,
        "analyzed": analyzed,
        "plan": compact(plan),
        "execution_ms": _execution_ms(plan) if analyzed else None,
    }


def explain_all(engine: Engine, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plans of the statements that read the projection, in the order they ran."""
    return [
        explain(engine, s)
        for s in statements
        if any(table in s["sql"] for table in PROJECTION_TABLES)
    ]


def _execution_ms(plan: str) -> float | None:
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":", 1)[1].strip().split()[0])
    return None
