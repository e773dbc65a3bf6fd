"""Portable SQL building blocks for the statistics: the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Subquery


class seconds_between(FunctionElement[float]):  # lower case: an SQL function
    """Seconds from ``start`` to ``end``, two ``UtcDateTime`` columns.

    There is no portable timestamp difference: SQLite keeps the instants as UTC text, which
    ``julianday()`` reads; PostgreSQL subtracts ``timestamptz`` values into an interval.
    """

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between)
def _seconds_other(element: seconds_between, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"seconds_between is not written for {compiler.dialect.name}")


def interval_index(column: ColumnElement[Any], starts: Sequence[datetime]) -> ColumnElement[int]:
    """The index ``i`` of the interval ``[starts[i], starts[i + 1])`` that holds ``column``
    (0 below ``starts[1]``; the caller filters to the whole span).

    Comparisons with bound instants rather than date functions: the databases truncate to weeks
    differently, and neither knows the policy's time zone, whose Monday 00:00 starts a week.
    """
    whens = [(column >= start, index) for index, start in reversed(list(enumerate(starts)))]
    return case(*whens[:-1], else_=0) if len(whens) > 1 else literal(0)


def nearest_rank_percentiles(
    conn: Connection, durations: Subquery, percents: Sequence[int]
) -> tuple[int, list[float | None]]:
    """How many durations there are, and the nearest-rank ``percents`` of them.

    Computed in the database with window functions: ``ROW_NUMBER() OVER (ORDER BY seconds)``
    ranks each duration r = 1..n and ``COUNT(*) OVER ()`` gives n; the p-th percentile is the
    duration at rank ⌈p·n/100⌉, picked by the integer test (r − 1)·100 < p·n ≤ r·100 because
    neither ``CEIL`` nor ``PERCENTILE_DISC`` exists on both databases (stock SQLite has neither).
    Chosen over fetching the ordered durations: one row leaves the database however many cases
    there are. Ties rank arbitrarily but have equal durations, so the answer is the same.
    ``durations`` must have one column, ``seconds``.
    """
    seconds = durations.c.seconds
    ranked = select(
        seconds.label("seconds"),
        func.row_number().over(order_by=seconds).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked")
    rank, n = ranked.c.rank, ranked.c.n
    picks = [
        func.max(case((((rank - 1) * 100 < p * n) & (p * n <= rank * 100), ranked.c.seconds)))
        for p in percents
    ]
    row = conn.execute(select(func.count(), *picks).select_from(ranked)).one()
    count, values = int(row[0]), row[1:]
    return count, [None if v is None else float(v) for v in values]
