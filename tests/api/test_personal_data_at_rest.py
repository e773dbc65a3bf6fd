"""The projection database holds no petitioner's personal data in plain text: the SQLite file and
a PostgreSQL dump are scanned after registering cases; reveal still reads it for a supervisor; a
value moved to another row does not decrypt; keys rotate under load, resumably."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import CasePetitionerRow, CaseRow
from petitionflow.cli import main
from petitionflow.codec import new_key_spec, parse_keys
from petitionflow.field_crypto import ENCRYPTED_COLUMNS, FieldCipher, key_id_of
from petitionflow.keys import remaining, rotate
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id
from tests.conftest import CODEC_KEYS


def petitioner(i: int) -> dict[str, str]:
    tag = uuid.uuid4().int
    return {
        "name": f"欧阳{'锦绣明月清风'[i % 6]}{'春夏秋冬'[tag % 4]}",
        "id_number": resident_id(),
        "phone": f"139{tag % 10**8:08d}",
        "address": f"当湖街道梧桐巷{100 + i}号{tag % 1000}室",
    }


async def register_all(api: Stack, count: int) -> dict[str, dict[str, str]]:
    people: dict[str, dict[str, str]] = {}
    for i in range(count):
        person = petitioner(i)
        r = await api.register(**{f"petitioner_{k}": v for k, v in person.items()})
        assert r.status_code == 201, r.text
        people[r.json()["case_id"]] = person
    for case_id in people:
        await wait_listed(api, case_id, "registered")
    return people


def stored_bytes(engine: Engine) -> bytes:
    """What a copy of the database holds: the SQLite files, or a pg_dump of the database."""
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    url = engine.url
    dump = subprocess.run(
        [
            *("pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
            *("-U", url.username or "postgres", "--no-owner", url.database or ""),
        ],
        capture_output=True,
        check=True,
        env=os.environ | {"PGPASSWORD": url.password or ""},
    )
    return dump.stdout


def escapes(value: str) -> set[bytes]:
    """A value as a JSON column holds it (``\\uXXXX``), and as a dump's COPY writes that."""
    escaped = json.dumps(value)[1:-1]
    return {escaped.encode(), escaped.replace("\\", "\\\\").encode()}


def needles(person: dict[str, str]) -> set[bytes]:
    return {v.encode() for v in person.values()}.union(*(escapes(v) for v in person.values()))


async def test_database_copy_holds_no_personal_data(api: Stack) -> None:
    people = await register_all(api, 4)
    case_id = next(iter(people))
    await api.act(case_id, "accept")
    await wait_listed(api, case_id, "handling")
    raw = stored_bytes(api.engine)
    # the scan sees what is stored: the title, as a column and escaped in the snapshot's JSON
    title = "小区物业费争议"
    assert title.encode() in raw and any(e in raw for e in escapes(title))
    for person in people.values():
        for needle in needles(person):
            assert needle not in raw, needle.decode()

    # what is stored: ciphertexts under the active key, and the masked forms
    with Session(api.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        person = people[case_id]
        for field, column in ENCRYPTED_COLUMNS.items():
            assert key_id_of(getattr(row, column)) == "k1", field
        assert row.petitioner_name_masked == person["name"][0] + "***"
        assert (
            row.petitioner_id_number_masked
            == person["id_number"][:6] + "*" * 8 + (person["id_number"][-4:])
        )
        assert row.petitioner_phone_masked == person["phone"][:3] + "****" + person["phone"][-4:]

    # a supervisor still reads them, on record
    for case_id, person in people.items():
        r = await api.get(f"/api/v1/cases/{case_id}", "supervisor", reveal="pii", reason="核实身份")
        assert r.status_code == 200, r.text
        assert r.json()["petitioner_revealed"] == person


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_a_value_moved_to_another_row_does_not_decrypt(api: Stack) -> None:
    people = await register_all(api, 2)
    first, second = people
    with Session(api.engine) as session, session.begin():
        source = session.get(CaseRow, first)
        assert source is not None
        session.execute(
            update(CaseRow)
            .where(CaseRow.case_id == second)  # type: ignore[arg-type]
            .values(petitioner_name_enc=source.petitioner_name_enc)
        )
    r = await api.get(f"/api/v1/cases/{second}", "supervisor", reveal="pii", reason="核实身份")
    assert r.status_code == 500
    assert "无法解密" in r.json()["detail"]
    assert people[first]["name"] not in r.text
    ok = await api.get(f"/api/v1/cases/{first}", "supervisor", reveal="pii", reason="核实身份")
    assert ok.json()["petitioner_revealed"]["name"] == people[first]["name"]


async def test_keys_rotate_under_load_and_resume(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    people = await register_all(api, 6)
    # Every process lists the new key (last: the active one) before the rotation runs. The
    # worker here keeps writing under k1 (a process not restarted yet): the next run takes those.
    spec = f"{CODEC_KEYS},{new_key_spec('k2')}"
    ring = FieldCipher(parse_keys(spec), "k2")
    api.settings.__dict__["field_cipher"] = ring

    # interrupted after its first batch: what it did stays done, the rest is left
    class Stop(Exception):
        pass

    def stop(_: object) -> None:
        raise Stop

    with pytest.raises(Stop):
        rotate(api.engine, ring, batch_size=2, progress=stop)
    assert remaining(api.engine, ring) == 4

    # under load: registrations and reveals while it runs, none fails
    failures: list[str] = []

    async def load() -> None:
        for i in range(6):
            person = petitioner(10 + i)
            r = await api.register(**{f"petitioner_{k}": v for k, v in person.items()})
            if r.status_code != 201:
                failures.append(r.text)
            else:
                people[r.json()["case_id"]] = person
            for case_id in list(people)[:6]:
                got = await api.get(
                    f"/api/v1/cases/{case_id}", "supervisor", reveal="pii", reason="核实身份"
                )
                if got.status_code != 200 or got.json()["petitioner_revealed"] != people[case_id]:
                    failures.append(got.text)

    await asyncio.gather(
        load(), asyncio.to_thread(rotate, api.engine, ring, batch_size=1, progress=None)
    )
    assert failures == []
    for case_id in people:
        await wait_listed(api, case_id, "registered")

    # the command line, as an operator runs it, catches what was written meanwhile
    url = api.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", url)
    monkeypatch.setenv("PETITIONFLOW_CODEC_KEYS", spec)
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    assert main(["keys", "rotate", "--batch-size", "3"]) == 0
    assert "0 case(s) left under other keys" in capsys.readouterr().out
    assert main(["keys", "rotate"]) == 0  # again: nothing to do
    assert "0 value(s) of 0 case(s)" in capsys.readouterr().out

    with Session(api.engine) as session:
        for case_id in people:
            row = session.get(CaseRow, case_id)
            assert row is not None
            assert {key_id_of(getattr(row, c)) for c in ENCRYPTED_COLUMNS.values()} == {"k2"}
        # every petitioner's row too (case_petitioners, 集体访)
        petitioners = session.exec(select(CasePetitionerRow)).all()
        assert len(petitioners) == len(people)
        stored = {key_id_of(getattr(r, c)) for r in petitioners for c in ENCRYPTED_COLUMNS.values()}
        assert stored == {"k2"}
    # k1 can go from the ring (once Temporal's retention has passed for payloads)
    api.settings.__dict__["field_cipher"] = FieldCipher(parse_keys(spec.split(",")[1]), "k2")
    for case_id, person in people.items():
        r = await api.get(f"/api/v1/cases/{case_id}", "supervisor", reveal="pii", reason="核实身份")
        assert r.status_code == 200 and r.json()["petitioner_revealed"] == person


def test_field_cipher_binds_row_and_field() -> None:
    ring = FieldCipher(parse_keys(CODEC_KEYS), "k1")
    stored = ring.encrypt("王五", row="c-1", field="name")
    assert stored.startswith("pf1:k1:") and "王五" not in stored
    assert base64.urlsafe_b64encode("王五".encode()).decode() not in stored
    assert ring.decrypt(stored, row="c-1", field="name") == "王五"
    assert ring.encrypt("王五", row="c-1", field="name") != stored  # a fresh nonce each time
    for row, field in (("c-2", "name"), ("c-1", "address")):
        with pytest.raises(ValueError, match="does not decrypt"):
            ring.decrypt(stored, row=row, field=field)
    other = FieldCipher(parse_keys(new_key_spec("k9")), "k9")
    with pytest.raises(ValueError, match="unknown key 'k1'"):
        other.decrypt(stored, row="c-1", field="name")
    assert ring.encrypt("", row="c-1", field="phone") == ""
