"""The attachment stores keep the same promises (the local disk and an S3-compatible server,
moto's, over HTTP), and the file cipher binds each file to its owner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from petitionflow.attachment_store import (
    AttachmentStore,
    LocalStore,
    S3Store,
    StoredFileMissing,
    StoreUnavailable,
)
from petitionflow.blob_crypto import BlobCipher, BlobCryptoError, key_id_of
from petitionflow.codec import parse_keys
from petitionflow.settings import Settings
from tests.conftest import CODEC_KEYS
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_server

__all__ = ["s3_server"]  # the fixture, used by name


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AttachmentStore:
    if request.param == "local":
        return LocalStore(tmp_path / "attachments")
    server: S3Server = request.getfixturevalue("s3_server")
    return S3Store(
        bucket=server.new_bucket(),
        prefix="attachments/",
        endpoint_url=server.endpoint_url,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )


def test_put_get_replace_delete(store: AttachmentStore) -> None:
    data = os.urandom(3000)
    store.put("case1/att1", data)
    assert store.get("case1/att1") == data
    store.put("case1/att1", b"other")  # replaced whole
    assert store.get("case1/att1") == b"other"
    store.delete("case1/att1")
    with pytest.raises(StoredFileMissing):
        store.get("case1/att1")
    store.delete("case1/att1")  # deleting what is gone is no error
    with pytest.raises(StoredFileMissing):
        store.get("case1/never")


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a/../../b", "a/b.c", "", "a//b"])
def test_keys_cannot_leave_the_store(store: AttachmentStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_the_local_store_is_the_owners_alone(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "attachments")
    store.put("case1/att1", b"data")
    assert (tmp_path / "attachments").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "attachments" / "case1").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "attachments" / "case1" / "att1").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (tmp_path / "attachments" / "case1").iterdir()) == ["att1"]


def test_the_s3_objects_are_under_the_prefix(s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    store = S3Store(
        bucket=bucket,
        prefix="pf/",
        endpoint_url=s3_server.endpoint_url,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        addressing_style="path",
    )
    store.put("c/a", b"abc")
    assert s3_server.objects(bucket) == {"pf/c/a": b"abc"}


def test_settings_choose_the_store(tmp_path: Path) -> None:
    local = Settings(env="test", data_dir=tmp_path)
    assert isinstance(local.attachment_store, LocalStore)
    assert local.attachment_store.root == tmp_path / "attachments"
    s3 = Settings(
        env="test",
        data_dir=tmp_path,
        attachments_store="s3",
        attachments_s3_bucket="b-1",
        attachments_s3_prefix="x/",
    )
    assert isinstance(s3.attachment_store, S3Store) and s3.attachment_store.prefix == "x/"
    with pytest.raises(ValueError, match="ATTACHMENTS_S3_BUCKET"):
        Settings(env="test", data_dir=tmp_path, attachments_store="s3")
    with pytest.raises(ValueError, match="CASE_MAX_BYTES"):
        Settings(
            env="test",
            data_dir=tmp_path,
            attachments_max_bytes=4096,
            attachments_case_max_bytes=2048,
        )


def test_a_file_decrypts_only_as_its_owners_and_with_its_key() -> None:
    keys = parse_keys(CODEC_KEYS)
    old = BlobCipher(keys, "k1")
    stored = old.encrypt(b"scan", owner="attachment:c1:a1")
    assert key_id_of(stored) == "k1" and b"scan" not in stored
    assert old.decrypt(stored, owner="attachment:c1:a1") == b"scan"
    with pytest.raises(BlobCryptoError):
        old.decrypt(stored, owner="attachment:c2:a1")  # moved to another case
    with pytest.raises(BlobCryptoError):
        old.decrypt(stored[:-1] + bytes([stored[-1] ^ 1]), owner="attachment:c1:a1")
    with pytest.raises(BlobCryptoError):
        old.decrypt(b"%PDF-1.4 plain", owner="attachment:c1:a1")
    # a new active key: new files under it, old ones still read while their key is in the ring
    ring = keys | {"k2": bytes(range(32))}
    rotated = BlobCipher(ring, "k2")
    assert key_id_of(rotated.encrypt(b"x", owner="o")) == "k2"
    assert rotated.decrypt(stored, owner="attachment:c1:a1") == b"scan"
    with pytest.raises(BlobCryptoError, match="unknown key"):
        BlobCipher({"k2": bytes(range(32))}, "k2").decrypt(stored, owner="attachment:c1:a1")


def test_a_store_that_cannot_answer_says_so(tmp_path: Path) -> None:
    from tests.test_dev_command import free_port

    nobody = S3Store(
        bucket="pf-test",
        endpoint_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    with pytest.raises(StoreUnavailable, match="object store: EndpointConnectionError"):
        nobody.get("c/a")
    local = LocalStore(tmp_path / "attachments")
    (tmp_path / "attachments" / "c").write_bytes(b"a file where a folder should be")
    with pytest.raises(StoreUnavailable, match="local store"):
        local.put("c/a", b"x")
