"""文号 under concurrency: every issue of one series takes the next serial in its own transaction,
so concurrent issues never share a number and a rolled-back one leaves no gap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.vocabulary import DocumentKind
from petitionflow.documents.issue import DocumentIssuer


def take(engine: Engine, *, commit: bool = True) -> int:
    with Session(engine) as session, session.begin():
        serial = DocumentIssuer._next_serial(
            session, "pinghu.danghu", 2026, DocumentKind.handling_opinion
        )
        if not commit:
            session.rollback()
        return serial


@pytest.mark.parametrize("db", ["engine", "pg_engine"])
def test_concurrent_issues_take_distinct_serials_without_gaps(
    db: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(db)
    assert take(engine) == 1  # the series' first row
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = sorted(pool.map(lambda _: take(engine), range(16)))
    assert taken == list(range(2, 18))
    take(engine, commit=False)  # a failed attempt (its transaction rolled back) uses no number
    assert take(engine) == 18
