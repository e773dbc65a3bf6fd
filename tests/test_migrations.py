"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.tables import POSTGRESQL_ONLY_INDEXES


@pytest.mark.parametrize("fixture", ["engine", "pg_engine"])
def test_migrations_match_the_models(fixture: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(fixture)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, *_: name not in POSTGRESQL_ONLY_INDEXES}
        )
        diff = compare_metadata(context, SQLModel.metadata)
        found = {
            index["name"]
            for table in ("cases", "case_events")
            for index in inspect(conn).get_indexes(table)
        }
    assert diff == [], f"models changed without a migration: {diff}"
    # declared as SQL (INCLUDE, partial): present exactly on PostgreSQL
    expected = set(POSTGRESQL_ONLY_INDEXES) if engine.dialect.name == "postgresql" else set()
    assert found & set(POSTGRESQL_ONLY_INDEXES) == expected
