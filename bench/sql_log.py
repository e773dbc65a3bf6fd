"""The SQL an endpoint really ran, recorded inside the API process: while a flag file exists, every
statement (with its parameters and duration) is appended to a JSON-lines log. The reads section
turns the flag on for one request and then explains exactly those statements — no second run of
a slow query just to see its plan."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

ENV = "BENCH_SQL_LOG_DIR"
FLAG, LOG = "sql-recording", "sql-log.jsonl"


def install(directory: Path) -> None:
    """In the API process: record every engine's statements while ``directory/FLAG`` exists."""
    flag, log = directory / FLAG, directory / LOG

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not flag.exists():
            return
        took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        line = {"sql": statement, "params": parameters, "ms": round(took * 1000, 2)}
        with log.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)


@contextmanager
def recording(directory: Path) -> Iterator[list[dict[str, Any]]]:
    """In the benchmark: the statements the API ran inside the block."""
    flag, log = directory / FLAG, directory / LOG
    log.unlink(missing_ok=True)
    flag.touch()
    statements: list[dict[str, Any]] = []
    try:
        yield statements
    finally:
        flag.unlink(missing_ok=True)
        if log.exists():
            statements += [json.loads(line) for line in log.read_text().splitlines() if line]
            log.unlink()
