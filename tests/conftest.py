"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when asked) and the
demo unit tree."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.tables import UnitRow
from petitionflow.codec import parse_keys
from petitionflow.db import make_engine, migrate, normalize_url
from petitionflow.field_crypto import FieldCipher

PG_URL = os.environ.get(
    "PETITIONFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

CODEC_KEYS = "k1:" + "A" * 43 + "="  # a fixed 32-byte test key
# The key ring of workers whose client does not encrypt payloads (the time-skipping server's).
FIELD_CIPHER = FieldCipher(parse_keys(CODEC_KEYS), "k1")

UNITS = [
    UnitRow(id="pinghu", name="平湖市", level="county"),
    UnitRow(id="pinghu.danghu", name="当湖街道", level="town", parent_id="pinghu"),
    UnitRow(
        id="pinghu.danghu.dongmen", name="东门社区", level="village", parent_id="pinghu.danghu"
    ),
    UnitRow(id="pinghu.zhapu", name="乍浦镇", level="town", parent_id="pinghu"),
    UnitRow(id="pinghu.zhapu.tangshan", name="汤山村", level="village", parent_id="pinghu.zhapu"),
]


def seed_units(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        for unit in UNITS:
            session.merge(UnitRow.model_validate(unit.model_dump()))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'petitionflow.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    migrate(sqlite_url)
    eng = make_engine(sqlite_url)
    seed_units(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database built by the real migrations, dropped afterwards."""
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"pf_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable: {exc}")
    url = normalize_url(PG_URL).rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    seed_units(eng)
    yield eng
    eng.dispose()
