from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.auth import authenticate, create_user, hash_token
from models.tables import UserRow
from petitionflow.cli import main


def test_users_create_prints_the_token_once(engine: Engine, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", sqlite_url)
    args = [
        "users",
        "create",
        "--role",
        "supervisor",
        "--unit",
        "pinghu.danghu",
        "--name",
        "李督办",
    ]
    code = main(args)
    assert code == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with Session(engine) as session:
        users = session.query(UserRow).all()
    assert [(u.role, u.unit_id, u.name) for u in users] == [
        ("supervisor", "pinghu.danghu", "李督办")
    ]
    assert users[0].token_hash == hash_token(token) != token
    assert main(["users", "create", "--role", "officer", "--unit", "nowhere"]) == 2


def test_users_list_and_revoke(engine: Engine, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", sqlite_url)
    chen, token = create_user(engine, role="officer", unit_id="pinghu.danghu.dongmen", name="陈静")
    li = create_user(engine, role="supervisor", unit_id="pinghu.danghu", name="李督办")[0]
    capsys.readouterr()

    assert main(["users", "list"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        [li.id, "supervisor", "pinghu.danghu", "当湖街道", "李督办", "active"],
        [chen.id, "officer", "pinghu.danghu.dongmen", "东门社区", "陈静", "active"],
    ]
    assert main(["users", "list", "--unit", "pinghu.danghu.dongmen"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == [chen.id]

    assert main(["users", "revoke", chen.id]) == 0
    assert "revoked" in capsys.readouterr().out
    with Session(engine) as session:
        assert authenticate(session, token) is None
        row = session.get(UserRow, chen.id)
        assert row is not None and row.revoked_at is not None
    assert main(["users", "list", "--unit", "pinghu.danghu.dongmen"]) == 0
    assert capsys.readouterr().out.split("\t")[-1].strip() == "revoked"
    assert main(["users", "revoke", "u-nobody"]) == 2
    assert "unknown user" in capsys.readouterr().err
