"""The same API with the S3-compatible store (moto's server over HTTP): the file goes to the
bucket encrypted, comes back whole, and nothing is written to the local disk."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import SecretStr

from petitionflow.attachment_store import S3Store
from tests.api.attachments.files import pdf
from tests.api.attachments.test_attachments import listed, new_case, stored_files, upload
from tests.api.conftest import Stack
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_server

__all__ = ["s3_server"]  # the fixture, used by name


def use_bucket(api: Stack, s3_server: S3Server, bucket: str) -> None:
    settings = api.settings
    settings.attachments_store = "s3"
    settings.attachments_s3_bucket = bucket
    settings.attachments_s3_endpoint_url = s3_server.endpoint_url
    settings.attachments_s3_region = REGION
    settings.attachments_s3_access_key_id = ACCESS_KEY
    settings.attachments_s3_secret_access_key = SecretStr(SECRET_KEY)
    settings.__dict__.pop("attachment_store", None)  # chosen anew from the settings
    assert isinstance(settings.attachment_store, S3Store)


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_s3_round_trip(api: Stack, s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    case_id = await new_case(api)

    # a store that refuses (here: no such bucket) is a 503 to retry, and nothing is recorded
    use_bucket(api, s3_server, "pf-test-no-such-bucket")
    r = await upload(api, case_id, pdf())
    assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
    assert await listed(api, case_id) == []

    use_bucket(api, s3_server, bucket)
    letter = pdf("PLAINTEXT-OF-THE-LETTER")
    r = await upload(api, case_id, letter, name="来信.pdf", kind="letter_scan")
    assert r.status_code == 201, r.text
    made = r.json()

    objects = s3_server.objects(bucket)
    (key,) = objects
    assert key.startswith(f"attachments/{case_id}/{made['id']}-")
    assert b"PLAINTEXT-OF-THE-LETTER" not in objects[key] and objects[key].startswith(b"PFB1")
    assert stored_files(api) == []

    got = await api.get(made["download_url"], "officer")
    assert got.status_code == 200, got.text
    assert got.content == letter and hashlib.sha256(got.content).hexdigest() == made["sha256"]
    assert [a["id"] for a in await listed(api, case_id, "supervisor")] == [made["id"]]
    log = await api.get("/api/v1/pii-access-log", "admin", case_id=case_id, kind="attachment")
    assert [e["user_id"] for e in log.json()] == ["u-officer"]  # the download so far

    use_bucket(api, s3_server, "pf-test-no-such-bucket")
    unavailable = await api.get(made["download_url"], "officer")
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "5"
    use_bucket(api, s3_server, bucket)

    # an object gone from the bucket is an error on download, never an empty file
    s3_server.client().delete_object(Bucket=bucket, Key=key)
    gone = await api.get(made["download_url"], "officer")
    assert gone.status_code == 500 and gone.headers["content-type"] == "application/problem+json"
