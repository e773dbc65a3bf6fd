from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.auth import hash_token
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
