"""``petitionflow open311 keys create|list|revoke``, registered on a fresh parser as
``build_parser`` will."""

from __future__ import annotations

import argparse

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.auth import hash_token
from api.open311.cli import add_commands
from api.open311.keys import caller_for_key
from models.tables import Open311KeyRow
from petitionflow.settings import Settings


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="petitionflow")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.run(args, Settings()))


def test_keys_create_list_revoke(engine: Engine, sqlite_url: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", sqlite_url)
    assert run(["open311", "keys", "create", "--unit", "pinghu.danghu", "--name", "12345热线"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    with Session(engine) as session:
        [row] = session.exec(select(Open311KeyRow)).all()
        assert (row.unit_id, row.name, row.revoked_at) == ("pinghu.danghu", "12345热线", None)
        assert row.key_hash == hash_token(key) != key
        caller = caller_for_key(session, key)
        assert caller is not None and caller.unit_id == "pinghu.danghu"
        assert caller.id == f"open311:{row.id}"

    assert run(["open311", "keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert row.id in listed and "active" in listed and key not in listed

    assert run(["open311", "keys", "revoke", row.id]) == 0
    with Session(engine) as session:
        assert caller_for_key(session, key) is None
    assert run(["open311", "keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out

    assert run(["open311", "keys", "create", "--unit", "nowhere"]) == 2
    assert "unknown unit" in capsys.readouterr().err
    assert run(["open311", "keys", "revoke", "k-nope"]) == 2
