"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when asked) and the
demo unit tree.

The PostgreSQL server the tests make their databases on is, in this order:
``PETITIONFLOW_TEST_DATABASE_URL`` if set; a testcontainers PostgreSQL container when
``PETITIONFLOW_TEST_CONTAINERS=1`` asks for one and a Docker engine answers (the image is
``PETITIONFLOW_TEST_POSTGRES_IMAGE``, by default the official ``postgres`` image that
docker-compose.yml names); else the local server at 127.0.0.1:5432, as on the project's machines.
``make test-containers`` builds a local image from Debian's packages and runs the database-backed
tests against it."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from models.tables import UnitRow
from petitionflow.codec import parse_keys
from petitionflow.db import make_engine, migrate, normalize_url
from petitionflow.field_crypto import FieldCipher

LOCAL_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The server named by the environment, or the local one; a container's URL is known only once the
# session-scoped ``pg_server`` fixture has started it, so tests take that fixture, not this name.
PG_URL = os.environ.get("PETITIONFLOW_TEST_DATABASE_URL", LOCAL_PG_URL)
DEFAULT_POSTGRES_IMAGE = "postgres:16.4"  # the image docker-compose.yml runs

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
    # The columns every revision has (a test may stop the migrations before units.kind).
    with engine.begin() as conn:
        for unit in UNITS:
            values = {
                "id": unit.id,
                "name": unit.name,
                "level": unit.level,
                "parent": unit.parent_id,
            }
            if conn.execute(text("SELECT 1 FROM units WHERE id = :id"), values).first() is None:
                conn.execute(
                    text(
                        "INSERT INTO units (id, name, level, parent_id) "
                        "VALUES (:id, :name, :level, :parent)"
                    ),
                    values,
                )


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


def containers_wanted() -> bool:
    return os.environ.get("PETITIONFLOW_TEST_CONTAINERS", "").lower() in {"1", "true", "yes"}


def docker_answers() -> bool:
    """Whether a Docker engine answers (``DOCKER_HOST`` or the default socket)."""
    try:
        import docker  # testcontainers' own client
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def say(line: str) -> None:
    """A line on the terminal whatever pytest captures (containers started, their images)."""
    line = f"[pg_server] {line}"
    print(line, file=sys.__stderr__, flush=True)  # lost under xdist: workers' stderr is not shown
    log = os.environ.get("PETITIONFLOW_TEST_CONTAINERS_LOG")  # `make test-containers` shows it
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(line + "\n")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL (of its ``test`` or default database) of the PostgreSQL server the tests create
    their own databases on: see the module's docstring for the order it is chosen in."""
    if "PETITIONFLOW_TEST_DATABASE_URL" in os.environ:
        yield PG_URL
        return
    if not containers_wanted():
        yield LOCAL_PG_URL
        return
    if not docker_answers():
        say(f"PETITIONFLOW_TEST_CONTAINERS is set, no Docker engine answers: using {LOCAL_PG_URL}")
        yield LOCAL_PG_URL
        return
    from testcontainers.community.postgres import PostgresContainer

    image = os.environ.get("PETITIONFLOW_TEST_POSTGRES_IMAGE") or DEFAULT_POSTGRES_IMAGE
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    started = time.monotonic()
    container = PostgresContainer(
        image, username="postgres", password="postgres", dbname="test", driver="psycopg"
    )
    with container:
        url = container.get_connection_url()
        inner = container.get_wrapped_container()
        say(
            f"{worker}: started container {inner.short_id} ({inner.name}) from image {image} "
            f"in {time.monotonic() - started:.1f}s, reachable at "
            f"{container.get_container_host_ip()}:{container.get_exposed_port(5432)}"
        )
        yield url
        say(f"{worker}: stopping container {inner.short_id} ({image})")


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database built by the real migrations, dropped afterwards."""
    admin = create_engine(normalize_url(pg_server), isolation_level="AUTOCOMMIT")
    name = f"pf_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL at {pg_server} is not usable: {exc}")
    url = normalize_url(pg_server).rsplit("/", 1)[0] + f"/{name}"
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


# Tests that reach PostgreSQL, marked ``postgres`` so that ``make test-containers`` can pick them:
# those that take a PostgreSQL fixture, or a parameter that names one (``stack`` and friends).
PG_FIXTURES = {"pg_server", "pg_url", "pg_engine"}
PG_PARAMS = {"postgresql", "pg_engine"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        values = set(map(str, params.params.values())) if params else set()
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())) or PG_PARAMS & values:
            item.add_marker(pytest.mark.postgres)
