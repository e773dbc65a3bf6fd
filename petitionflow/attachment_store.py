"""Where case attachments are kept: one interface, two stores, chosen by
``PETITIONFLOW_ATTACHMENTS_STORE`` — the data directory's disk for the embedded default, or an
S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS/COS S3 endpoints) in production.

Stores hold opaque bytes under keys the service makes (``<case id>/<attachment id>``); what they
hold is already encrypted (``petitionflow/blob_crypto.py``), so neither the disk nor the bucket
ever sees a scan in plain text. The database row is written after the object and removed never
before it, so a row always has its file (an interrupted upload may leave an orphan object).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

from petitionflow.files import FILE_MODE, private_dir

KEY = re.compile(r"^[A-Za-z0-9_-]{1,100}(/[A-Za-z0-9_-]{1,100}){0,3}$")


class StoredFileMissing(LookupError):
    """The store has no object under the key."""


class StoreUnavailable(OSError):
    """The store did not answer as it should (disk error, object store down or refusing):
    worth a retry, unlike a missing file."""


class AttachmentStore(Protocol):
    kind: str  # "local" or "s3", for messages and /readyz

    def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key`` (whole, or not at all); ``StoreUnavailable`` if it
        cannot."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``StoredFileMissing`` when there are none,
        ``StoreUnavailable`` when the store cannot say."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...


def fresh_key(case_id: str, attachment_id: str) -> str:
    """A new object's key: never one in use, so neither a lost race between two uploads nor a
    key rotation overwrites an object that a row names."""
    return f"{case_id}/{attachment_id}-{secrets.token_hex(4)}"


def checked(key: str) -> str:
    """Keys are ids joined by slashes: never a path that could leave the store's root."""
    if not KEY.match(key):
        raise ValueError(f"not a store key: {key!r}")
    return key


class LocalStore:
    """Files under a directory of the data dir, owner-only (0700 directories, 0600 files),
    written whole or not at all (a temporary file renamed into place)."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = private_dir(root)

    def _path(self, key: str) -> Path:
        return self.root / checked(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            for parent in reversed(path.relative_to(self.root).parents):
                private_dir(self.root / parent)
            fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except OSError as err:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise StoreUnavailable(f"local store: {err.strerror}") from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StoredFileMissing(key) from None
        except OSError as err:
            raise StoreUnavailable(f"local store: {err.strerror}") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """Objects in one bucket under a prefix, through boto3 (any S3-compatible endpoint).
    Credentials: the settings' access key if given, else boto3's own chain (``AWS_*``
    variables, a shared credentials file, an instance or pod role)."""

    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        import boto3  # only a deployment that uses S3 pays for the import
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                s3={"addressing_style": addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _key(self, key: str) -> str:
        return self.prefix + checked(key)

    def put(self, key: str, data: bytes) -> None:
        with self._answering():
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType="application/octet-stream",  # ciphertext, whatever the file was
            )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        with self._answering():
            try:
                answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                    raise StoredFileMissing(key) from None
                raise
            body: bytes = answer["Body"].read()
            return body

    def delete(self, key: str) -> None:
        with self._answering():
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """botocore's errors (refusals, timeouts, connection failures) as ``StoreUnavailable``,
        naming the error's code only: never the request, its URL or credentials."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "error")
            raise StoreUnavailable(f"object store: {code}") from None
        except BotoCoreError as err:
            raise StoreUnavailable(f"object store: {type(err).__name__}") from None
