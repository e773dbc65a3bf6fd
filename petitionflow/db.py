"""Database engine and migrations: one small place everything else receives them from."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from petitionflow.field_crypto import FieldCipher
from petitionflow.files import private_dir, private_file

MIGRATIONS = Path(__file__).with_name("migrations")


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_timeout: float = 30
) -> Engine:
    """The engine, with its pool's sizes (the API passes ``PETITIONFLOW_DB_POOL_*``)."""
    url = normalize_url(url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            # the SQLite file (and its -wal/-shm, which SQLite gives the same mode) 0600
            private_file(private_dir(Path(path).parent) / Path(path).name)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
            )
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):
            # WAL lets the API read while the worker writes; foreign keys are off by default.
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def alembic_config(url: str, *, field_cipher: FieldCipher | None = None) -> Config:
    """The migrations' configuration; ``field_cipher`` is the key ring for migrations that
    encrypt stored data (read from the settings when absent and needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    if field_cipher is not None:
        config.attributes["field_cipher"] = field_cipher
    return config


def migrate(url: str, *, field_cipher: FieldCipher | None = None, revision: str = "head") -> None:
    """Bring the schema to the newest revision (what ``petitionflow migrate`` runs)."""
    if url.startswith("sqlite"):
        make_engine(url).dispose()  # creates the directory
    command.upgrade(alembic_config(url, field_cipher=field_cipher), revision)
