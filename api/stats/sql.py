"""Portable SQL building blocks for the statistics: the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, case, func, literal
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


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


def const(value: str) -> ColumnElement[str]:
    """A string constant written into the SQL text rather than bound: a partial index's predicate
    (``state IN (...)``, ``action = 'breach'``) is matched against the query's own constants, and
    a bound parameter — which a reused, generically planned statement keeps unknown — never
    matches it."""
    return literal(value, String(), literal_execute=True)


def const_in(column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    return column.in_([const(v) for v in values])


class json_text(FunctionElement[str]):  # lower case: an SQL function
    """The text value of a JSON object's top-level ``key`` (a constant identifier), written the
    way an expression index or a partial index's predicate on PostgreSQL spells it:
    ``(params ->> 'clock')``; ``json_extract`` on SQLite."""

    type = String()
    inherit_cache = True
    name = "json_text"

    def __init__(self, column: ColumnElement[Any], key: str) -> None:
        if not key.isidentifier():
            raise ValueError(f"not a plain JSON key: {key!r}")
        self.key = key
        super().__init__(column)


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    (column,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"json_extract({column}, '$.{element.key}')"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    (column,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"({column} ->> '{element.key}')"


@compiles(json_text)
def _json_text_other(element: json_text, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"json_text is not written for {compiler.dialect.name}")


def rank_picks(
    rank: ColumnElement[int],
    n: ColumnElement[int],
    value: ColumnElement[Any],
    percents: Sequence[int],
) -> list[ColumnElement[Any]]:
    """``max(...)`` aggregates picking, for each of ``percents``, the value at the nearest rank
    ⌈p·n/100⌉ (the p-th percentile): ``rank`` is the value's ``ROW_NUMBER()`` and
    ``n`` the ``COUNT(*)`` of its window. Null where no row of the group holds that rank."""
    return [
        func.max(case((((rank - 1) * 100 < p * n) & (p * n <= rank * 100), value)))
        for p in percents
    ]


class duration_between(FunctionElement[Any]):  # lower case: an SQL function
    """``end − start`` as a value that sorts like the seconds between them, cheap to compute on
    every row: the interval itself on PostgreSQL (``seconds_between``'s numeric ``EXTRACT`` is
    costly over a hundred thousand rows), the seconds on SQLite. ``duration_seconds`` turns a
    picked one into seconds."""

    inherit_cache = True
    name = "duration_between"


@compiles(duration_between, "sqlite")
def _duration_sqlite(element: duration_between, compiler: Any, **kw: Any) -> str:
    return _seconds_sqlite(element, compiler, **kw)  # type: ignore[arg-type]


@compiles(duration_between, "postgresql")
def _duration_postgresql(element: duration_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"


@compiles(duration_between)
def _duration_other(element: duration_between, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"duration_between is not written for {compiler.dialect.name}")


class duration_seconds(FunctionElement[float]):  # lower case: an SQL function
    """The seconds of a ``duration_between`` value, exactly as ``seconds_between`` gives them."""

    type = Float()
    inherit_cache = True
    name = "duration_seconds"


@compiles(duration_seconds, "sqlite")
def _duration_seconds_sqlite(element: duration_seconds, compiler: Any, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return str(value)


@compiles(duration_seconds, "postgresql")
def _duration_seconds_postgresql(element: duration_seconds, compiler: Any, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM {value})"


@compiles(duration_seconds)
def _duration_seconds_other(element: duration_seconds, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"duration_seconds is not written for {compiler.dialect.name}")
