"""Attachments through the HTTP API, on SQLite and PostgreSQL: upload, list, download (on the
access log), the type and size refusals (which change nothing), scope, and the files at rest."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import Session, select

from models.tables import AttachmentRow, CaseRow
from petitionflow.attachment_keys import files_remaining, rotate_files
from petitionflow.blob_crypto import BlobCipher
from petitionflow.cli import main
from petitionflow.codec import new_key_spec, parse_keys
from petitionflow.field_crypto import FieldCipher
from tests.api.attachments.files import EXE, HTML, SVG, jpeg, pdf, png
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack
from tests.conftest import CODEC_KEYS

BOTH = pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def upload(
    api: Stack,
    case_id: str,
    data: bytes,
    name: str = "scan.pdf",
    content_type: str = "application/pdf",
    who: str = "officer",
    key: str | None = None,
    **form: str,
) -> httpx.Response:
    headers = api.auth(who) | ({"Idempotency-Key": key} if key else {})
    return await api.http.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": (name, data, content_type)},
        data=form,
        headers=headers,
    )


async def listed(api: Stack, case_id: str, who: str = "officer") -> list[dict[str, Any]]:
    r = await api.get(f"/api/v1/cases/{case_id}/attachments", who)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()
    return items


async def new_case(api: Stack, **changes: Any) -> str:
    r = await api.register(**changes)
    assert r.status_code == 201, r.text
    case_id: str = r.json()["case_id"]
    await wait_listed(api, case_id, "registered", who="admin")
    return case_id


def stored_files(api: Stack) -> list[Path]:
    root = api.settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file())


@BOTH
async def test_upload_list_download_with_the_download_on_the_access_log(api: Stack) -> None:
    case_id = await new_case(api)
    letter = pdf("Wang Wu's letter")
    r = await upload(
        api, case_id, letter, name="王五来信.pdf", kind="letter_scan", description="来信第一页"
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["case_id"] == case_id
    assert made["file_name"] == "王五来信.pdf"
    assert made["kind"] == "letter_scan" and made["kind_label"] == "信件扫描件"
    assert made["description"] == "来信第一页"
    assert made["content_type"] == "application/pdf"
    assert made["size"] == len(letter)
    assert made["sha256"] == hashlib.sha256(letter).hexdigest()
    assert made["uploaded_by"] == "u-officer"
    assert r.headers["location"] == made["download_url"]

    photo = png()
    r = await upload(api, case_id, photo, name="现场.PNG", content_type="image/png", kind="photo")
    assert r.status_code == 201, r.text
    second = r.json()

    # newest first, for the officer and the supervisor above the unit alike
    for who in ("officer", "supervisor", "admin"):
        assert [a["id"] for a in await listed(api, case_id, who)] == [second["id"], made["id"]]

    r = await api.get(made["download_url"], "supervisor")
    assert r.status_code == 200, r.text
    assert r.content == letter
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''" + quote("王五来信.pdf")
    )
    assert "sandbox" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "private, no-store"

    log = await api.get("/api/v1/pii-access-log", "admin", case_id=case_id, kind="attachment")
    assert log.status_code == 200, log.text
    assert [(e["user_id"], e["kind"], e["reason"]) for e in log.json()] == [
        ("u-supervisor", "attachment", f"下载附件 {made['id']}")
    ]
    # listing shows metadata only: not a reading of the file, not on the log
    everything = await api.get("/api/v1/pii-access-log", "admin", case_id=case_id)
    assert len(everything.json()) == 1


@BOTH
async def test_files_and_names_are_encrypted_at_rest(api: Stack) -> None:
    case_id = await new_case(api)
    letter = pdf("SECRET-LETTER-TEXT")
    r = await upload(api, case_id, letter, name="王五身份证.pdf", description="身份证复印件")
    assert r.status_code == 201, r.text
    (stored,) = stored_files(api)
    at_rest = stored.read_bytes()
    assert b"SECRET-LETTER-TEXT" not in at_rest and b"%PDF" not in at_rest
    assert stored.stat().st_mode & 0o077 == 0  # the owner's alone
    with Session(api.engine) as session:
        row = session.exec(select(AttachmentRow)).one()
    assert "王五" not in row.file_name_enc and "身份证" not in row.description_enc
    assert row.key_id == "k1" and row.sha256 == hashlib.sha256(letter).hexdigest()

    # an altered file is refused, not handed out
    stored.write_bytes(at_rest[:-1] + bytes([at_rest[-1] ^ 1]))
    r = await api.get(f"/api/v1/cases/{case_id}/attachments/{row.id}", "officer")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"


@BOTH
async def test_refusals_change_nothing(api: Stack) -> None:
    case_id = await new_case(api)
    kept = await upload(api, case_id, jpeg(), name="photo.jpg", content_type="image/jpeg")
    assert kept.status_code == 201, kept.text

    async def refused(status: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
        r = await upload(api, case_id, *args, **kwargs)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"
        body: dict[str, Any] = r.json()
        return body

    # the content decides, whatever the name and the declared type say
    for content in (HTML, SVG, EXE, b"plain text"):
        body = await refused(415, content, name="letter.pdf", content_type="application/pdf")
        assert body["type"] == "/problems/UnsupportedAttachmentType"
    body = await refused(415, png(), name="scan.pdf", content_type="application/octet-stream")
    assert "扩展名" in body["detail"]  # problems answer in Chinese unless asked otherwise
    body = await refused(415, png(), name="scan.png", content_type="application/pdf")
    assert "声明的类型" in body["detail"]
    body = await refused(422, b"", name="empty.pdf")
    assert body["errors"][0]["field"] == "file"
    body = await refused(422, pdf(), kind="selfie")
    assert body["errors"][0]["field"] == "kind"
    body = await refused(422, pdf(), description="bad\x00text")
    assert body["errors"][0]["field"] == "description"

    # a JSON body is not an upload
    r = await api.http.post(
        f"/api/v1/cases/{case_id}/attachments", json={"file": "x"}, headers=api.auth("officer")
    )
    assert r.status_code == 415, r.text

    # sizes: one file, then the case's count and bytes
    api.settings.attachments_max_bytes = 2048
    body = await refused(413, pdf("x" * 3000))
    assert body["type"] == "/problems/AttachmentTooLarge" and body["limit"] == 2048
    api.settings.attachments_case_max_files = 2
    assert (await upload(api, case_id, pdf())).status_code == 201
    body = await refused(413, pdf())
    assert "最多 2 个附件" in body["detail"]
    api.settings.attachments_case_max_files = 50
    api.settings.attachments_case_max_bytes = sum(a["size"] for a in await listed(api, case_id))
    body = await refused(413, pdf())
    assert body["limit"] == api.settings.attachments_case_max_bytes

    assert len(await listed(api, case_id)) == 2
    assert len(stored_files(api)) == 2  # no file left behind by a refusal


@SQLITE
async def test_a_body_over_the_upload_limit_is_refused_unread(api: Stack) -> None:
    case_id = await new_case(api)
    huge = b"%PDF-1.4\n" + b"0" * (api.settings.attachments_max_bytes + 128 * 1024)
    r = await upload(api, case_id, huge)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert await listed(api, case_id) == [] and stored_files(api) == []


@BOTH
async def test_out_of_scope_is_404_and_only_the_responsible_unit_uploads(api: Stack) -> None:
    case_id = await new_case(api)
    first = await upload(api, case_id, pdf())
    assert first.status_code == 201, first.text
    url = first.json()["download_url"]
    # another town's officer and supervisor: as if there were no such case
    for who in ("officer_zhapu", "supervisor_zhapu"):
        assert (await api.get(f"/api/v1/cases/{case_id}/attachments", who)).status_code == 404
        assert (await api.get(url, who)).status_code == 404
        assert (await upload(api, case_id, pdf(), who=who)).status_code == 404
    assert (await api.get(url.replace(first.json()["id"], "0" * 32), "officer")).status_code == 404

    # the case moves up to the town: its officer may now add files; the village officer, who
    # no longer acts on it, may not (403 where the village still reads the case, else 404)
    for action, who, params in (("accept", "officer", {}), ("escalate", "officer", {})):
        r = await api.act(case_id, action, who=who, **params)
        assert r.status_code == 200, r.text
    await wait_listed(api, case_id, "handling", who="officer_town")  # projected at the town
    assert (await upload(api, case_id, png(), "照片.png", "image/png", "officer_town")).is_success
    village_reads = await api.get(f"/api/v1/cases/{case_id}/attachments", "officer")
    refused = await upload(api, case_id, pdf(), who="officer")
    assert refused.status_code == (403 if village_reads.status_code == 200 else 404)
    assert len(await listed(api, case_id, "officer_town")) == 2
    # nothing was logged for the refused readings
    log = await api.get("/api/v1/pii-access-log", "admin", case_id=case_id)
    assert log.json() == []


@SQLITE
async def test_an_idempotency_key_makes_a_retry_harmless(api: Stack) -> None:
    case_id = await new_case(api)
    photo = png()
    first = await upload(api, case_id, photo, "a.png", "image/png", key="k-1")
    again = await upload(api, case_id, photo, "a.png", "image/png", key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await upload(api, case_id, png(), "a.png", "image/png", key="k-1")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(await listed(api, case_id)) == 1 and len(stored_files(api)) == 1


@SQLITE
async def test_a_case_just_registered_takes_files_before_it_is_projected(api: Stack) -> None:
    r = await api.register()
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    # straight away: the workflow vouches for the case until the projection has it
    assert (await api.get(f"/api/v1/cases/{case_id}/attachments", "officer")).status_code == 200
    made = await upload(api, case_id, pdf())
    assert made.status_code == 201, made.text
    assert (
        await api.get(f"/api/v1/cases/{case_id}/attachments", "officer_zhapu")
    ).status_code == 404
    assert [a["id"] for a in await listed(api, case_id)] == [made.json()["id"]]
    assert (await api.get("/api/v1/cases/nosuchcase/attachments", "admin")).status_code == 404


@BOTH
async def test_keys_rotate_reencrypts_the_files_resumably(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await new_case(api)
    files = {}
    for number in range(3):
        data = pdf(f"letter {number}")
        r = await upload(api, case_id, data, name=f"第{number}页.pdf", description=f"第{number}页")
        assert r.status_code == 201, r.text
        files[r.json()["id"]] = data
    spec = f"{CODEC_KEYS},{new_key_spec('k2')}"
    keys = parse_keys(spec)
    ring = (BlobCipher(keys, "k2"), FieldCipher(keys, "k2"))

    class Stop(Exception):
        pass

    def stop(_: object) -> None:
        raise Stop

    with pytest.raises(Stop):  # interrupted after its first file: that one stays done
        rotate_files(api.engine, api.settings.attachment_store, *ring, batch_size=1, progress=stop)
    assert files_remaining(api.engine, ring[0]) == 2

    # the command line, as an operator runs it, does the rest
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_CODEC_KEYS", spec)
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    assert main(["keys", "rotate"]) == 0
    assert (
        "2 attachment(s) re-encrypted (2 from k1); 0 attachment(s) left" in capsys.readouterr().out
    )
    assert len(stored_files(api)) == 3  # the old objects are gone

    # k1 leaves the ring: every file, name and description still reads
    only_k2 = parse_keys(spec.split(",")[1])
    api.settings.__dict__["blob_cipher"] = BlobCipher(only_k2, "k2")
    api.settings.__dict__["field_cipher"] = FieldCipher(only_k2, "k2")
    listing = await listed(api, case_id)
    assert sorted(a["description"] for a in listing) == ["第0页", "第1页", "第2页"]
    for attachment_id, data in files.items():
        got = await api.get(f"/api/v1/cases/{case_id}/attachments/{attachment_id}", "officer")
        assert got.status_code == 200 and got.content == data


@SQLITE
async def test_a_purged_case_takes_no_more_files(api: Stack) -> None:
    case_id = await new_case(api)
    assert (await upload(api, case_id, pdf())).status_code == 201
    with Session(api.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        row.purged_at = datetime.now(UTC)
        session.add(row)
        session.commit()
    r = await upload(api, case_id, pdf())
    assert r.status_code == 409 and "保存期限" in r.json()["detail"]
    assert len(await listed(api, case_id)) == 1


@BOTH
async def test_retention_removes_the_files_of_purged_cases(
    api: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expiring, kept = await new_case(api), await new_case(api)
    for case_id in (expiring, expiring, kept):
        assert (await upload(api, case_id, pdf())).status_code == 201
    assert (await api.act(expiring, "withdraw", note="信访人撤回")).status_code == 200
    await wait_listed(api, expiring, "withdrawn")

    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", api.engine.url.render_as_string(False))
    monkeypatch.setenv("PETITIONFLOW_CODEC_KEYS", CODEC_KEYS)
    monkeypatch.setenv("PETITIONFLOW_ENV", "test")
    monkeypatch.setenv("PETITIONFLOW_DATA_DIR", str(api.settings.data_dir))
    assert main(["retention", "run"]) == 0  # closed just now: nothing is due
    assert "0 attachment(s) of purged cases removed" in capsys.readouterr().out
    assert len(stored_files(api)) == 3

    years_later = (datetime.now(UTC) + timedelta(days=4 * 366)).isoformat()
    assert main(["retention", "run", "--as-of", years_later]) == 0
    out = capsys.readouterr().out
    assert "purged the personal data of 1 case(s)" in out
    assert "2 attachment(s) of purged cases removed" in out
    assert await listed(api, expiring, "admin") == []
    assert len(await listed(api, kept)) == 1
    assert len(stored_files(api)) == 1  # the open case's file alone
    assert main(["retention", "run", "--as-of", years_later]) == 0  # again: nothing left
    assert "0 attachment(s) of purged cases removed" in capsys.readouterr().out
