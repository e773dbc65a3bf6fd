"""Attachments behind the routes: who may add and read them, what is accepted, and how a file
goes to and comes back from the store.

Who: anyone who may read the case lists and downloads its attachments; adding one is case work,
so it is for those who act on the case — the caller's scope must hold the unit responsible for
it now (an officer of that unit, a supervisor above it, an admin). Uploading is not a step of
the lifecycle: it changes no state and is not on the timeline (the machine has no say in it);
its record is the attachment's row, with who, when and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api import pii
from api.attachments import content
from api.attachments.repository import AttachmentRepository
from api.attachments.schemas import AttachmentOut
from api.auth import Caller
from api.cases.repository import CaseRepository
from api.cases.service import CaseService
from api.problems import ProblemError
from models.tables import AttachmentRow
from models.vocabulary import ATTACHMENT_KIND_LABELS, AttachmentKind, PiiAccessKind
from petitionflow.attachment_store import StoredFileMissing, StoreUnavailable, fresh_key
from petitionflow.blob_crypto import BlobCryptoError, attachment_owner, attachment_row
from petitionflow.field_crypto import FieldCryptoError
from petitionflow.settings import Settings

log = logging.getLogger(__name__)
NOT_FOUND = "附件不存在 / no such attachment"
# The session is synchronous, and so are the stores: their work runs in the thread pool, one
# step at a time per request, never on the event loop.
db = run_in_threadpool


@dataclass(frozen=True)
class Upload:
    """A file as the request brought it."""

    file: BinaryIO
    file_name: str | None
    content_type: str | None
    kind: AttachmentKind
    description: str


@dataclass(frozen=True)
class Download:
    file_name: str
    content_type: str
    sha256: str
    data: bytes


def too_large(detail: str, limit: int) -> ProblemError:
    return ProblemError(413, detail, type="/problems/AttachmentTooLarge", limit=limit)


def unsupported(detail: str) -> ProblemError:
    return ProblemError(415, detail, type="/problems/UnsupportedAttachmentType")


def store_unavailable(err: StoreUnavailable) -> ProblemError:
    log.warning("attachment store unavailable: %s", err)
    return ProblemError(
        503,
        "附件存储暂不可用，请稍后重试 / the attachment store is unavailable; retry later",
        headers={"Retry-After": "5"},
    )


@dataclass(frozen=True)
class CaseRef:
    """What attachments need of a case: the unit responsible for it now, whether it was
    purged."""

    unit_id: str
    purged: bool


class AttachmentService:
    def __init__(self, *, session: Session, settings: Settings, client: Client) -> None:
        self.session, self.settings, self.client = session, settings, client
        self.rows = AttachmentRepository(session)
        self.cases = CaseRepository(session)
        self.store = settings.attachment_store
        self.blobs = settings.blob_cipher
        self.fields = settings.field_cipher

    # -- scope --------------------------------------------------------------------------------
    async def _readable(self, case_id: str, caller: Caller) -> CaseRef:
        """The case, if the caller may read it (the cases' own rule; 404 otherwise). One
        registered a moment ago and not projected yet is asked of its workflow, as the
        timeline does."""
        if await db(self.cases.get, case_id) is None:
            cases = CaseService(session=self.session, client=self.client, settings=self.settings)
            snapshot = await cases.snapshot(case_id=case_id, caller=caller)
            return CaseRef(unit_id=snapshot.unit_id, purged=False)
        row = await db(self.cases.case_row, case_id, caller)
        return CaseRef(unit_id=row.unit_id, purged=row.purged_at is not None)

    async def _actionable(self, case_id: str, caller: Caller) -> None:
        case = await self._readable(case_id, caller)
        if not caller.sees(case.unit_id):  # may read it (it passed through), not act on it
            raise ProblemError(
                403,
                "只有当前承办单位可以上传附件 / only the unit responsible for the case now may "
                "add attachments",
            )
        if case.purged:
            raise ProblemError(
                409,
                "案件的个人信息已按保存期限清除，不能再上传附件 / the case's personal data was "
                "purged under the retention policy; no attachments can be added",
            )

    # -- upload -------------------------------------------------------------------------------
    async def upload(
        self, *, case_id: str, caller: Caller, upload: Upload, key: str | None
    ) -> tuple[int, AttachmentOut]:
        """Check, encrypt, store, record. 201 with the new attachment; 200 with the first one
        for a retry with the same Idempotency-Key and file."""
        await self._actionable(case_id, caller)
        return await db(self._store, case_id, caller, upload, key)

    def _store(
        self, case_id: str, caller: Caller, upload: Upload, key: str | None
    ) -> tuple[int, AttachmentOut]:
        limit = self.settings.attachments_max_bytes
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            raise too_large(f"文件超过 {limit} 字节 / the file is larger than {limit} bytes", limit)
        if not data:
            raise ProblemError(
                422,
                "file: 文件为空 / the file is empty",
                errors=[{"field": "file", "message": "empty file"}],
            )
        file_type, file_name = self._accepted(data, upload)
        digest = hashlib.sha256(data).hexdigest()
        attachment_id = self._id(caller, case_id, key)
        earlier = self.rows.get(case_id, attachment_id) if key else None
        if earlier is not None:
            return 200, self._again(earlier, digest)
        files, size = self.rows.usage(case_id)
        if not self._fits(files + 1, size + len(data)):
            raise self._full(size + len(data))
        where = attachment_row(case_id, attachment_id)
        row = AttachmentRow(
            id=attachment_id,
            case_id=case_id,
            kind=upload.kind,
            file_name_enc=self.fields.encrypt(file_name, row=where, field="file_name"),
            description_enc=self.fields.encrypt(upload.description, row=where, field="description"),
            content_type=file_type.media_type,
            size=len(data),
            sha256=digest,
            storage_key=fresh_key(case_id, attachment_id),
            key_id=self.blobs.active,
            uploaded_by=caller.id,
            uploaded_at=datetime.now(UTC),
        )
        owner = attachment_owner(case_id, attachment_id)
        self.session.commit()  # the reads' transaction ends: no connection waits on the store
        try:
            self.store.put(row.storage_key, self.blobs.encrypt(data, owner=owner))
        except StoreUnavailable as err:
            raise store_unavailable(err) from None
        try:
            added = self.rows.add_within(
                row,
                max_files=self.settings.attachments_case_max_files,
                max_bytes=self.settings.attachments_case_max_bytes,
            )
        except IntegrityError:  # the same Idempotency-Key, at the same moment
            self.session.rollback()
            self._discard(row.storage_key)
            first = self.rows.get(case_id, attachment_id)
            if first is None:
                raise
            return 200, self._again(first, digest)
        except BaseException:
            self._discard(row.storage_key)
            raise
        if not added:  # another upload to the case came first and took the room
            self._discard(row.storage_key)
            _, size = self.rows.usage(case_id)
            raise self._full(size + row.size)
        return 201, self._out(row, self.rows.uploader_name(row.uploaded_by))

    def _discard(self, key: str) -> None:
        """Remove the object of an upload that was not recorded. If the store cannot, the
        object stays, unreachable (no row names it): logged by key, which names no one."""
        try:
            self.store.delete(key)
        except StoreUnavailable as err:
            log.warning("attachment object %s left in the store: %s", key, err)

    def _accepted(self, data: bytes, upload: Upload) -> tuple[content.FileType, str]:
        """The file's type by its content, and its name for display; 415 when the content is
        not an allowed type, or the client's type or the name's extension says another."""
        sniffed = content.sniff(data)
        if sniffed is None:
            raise unsupported(
                f"只接受 {content.ALLOWED_LABELS} 文件（按文件内容判断） / only "
                f"{', '.join(content.ALLOWED)} files are accepted, judged by their content"
            )
        file_type = content.ALLOWED[sniffed]
        declared = content.declared_type(upload.content_type)
        if declared is not None and declared != sniffed:
            raise unsupported(
                f"声明的类型 {declared} 与文件内容（{file_type.label}）不符 / the declared type "
                f"{declared} does not match the content ({sniffed})"
            )
        file_name = content.named_for(content.clean_name(upload.file_name), file_type)
        if file_name is None:
            raise unsupported(
                f"文件名的扩展名与文件内容（{file_type.label}）不符 / the file name's extension "
                f"does not match the content ({sniffed})"
            )
        return file_type, file_name

    def _fits(self, files: int, size: int) -> bool:
        return (
            files <= self.settings.attachments_case_max_files
            and size <= self.settings.attachments_case_max_bytes
        )

    def _full(self, size: int) -> ProblemError:
        """The refusal for a case that has no room left: its bytes if over, else its count."""
        most_files = self.settings.attachments_case_max_files
        most_bytes = self.settings.attachments_case_max_bytes
        if size > most_bytes:
            return too_large(
                f"案件附件合计将超过 {most_bytes} 字节 / the case's attachments would exceed "
                f"{most_bytes} bytes",
                most_bytes,
            )
        return too_large(
            f"每个案件最多 {most_files} 个附件 / a case holds at most {most_files} attachments",
            most_files,
        )

    def _id(self, caller: Caller, case_id: str, key: str | None) -> str:
        """A new id; for an Idempotency-Key, one derived from the caller, case and key, so a
        retry finds the first upload."""
        if not key:
            return uuid.uuid4().hex
        parts = "\x1f".join(("attachment", caller.id, case_id, key)).encode()
        return hmac.new(self.settings.secret(), parts, hashlib.sha256).hexdigest()[:32]

    def _again(self, first: AttachmentRow, digest: str) -> AttachmentOut:
        if first.sha256 != digest:
            raise ProblemError(
                422,
                "Idempotency-Key 已用于另一个文件 / this Idempotency-Key was used with another "
                "file",
                errors=[{"field": "Idempotency-Key", "message": "reused with a different file"}],
            )
        return self._out(first, self.rows.uploader_name(first.uploaded_by))

    # -- reads --------------------------------------------------------------------------------
    async def listed(self, *, case_id: str, caller: Caller) -> list[AttachmentOut]:
        await self._readable(case_id, caller)
        rows = await db(self.rows.listed, case_id)
        return [self._out(row, name) for row, name in rows]

    async def download(self, *, case_id: str, attachment_id: str, caller: Caller) -> Download:
        """The file, decrypted and checked against its SHA-256 — after the reading is on the
        access log (scans carry personal data)."""
        await self._readable(case_id, caller)
        return await db(self._fetch, case_id, attachment_id, caller)

    def _fetch(self, case_id: str, attachment_id: str, caller: Caller) -> Download:
        row = self.rows.get(case_id, attachment_id)
        if row is None:
            raise ProblemError(404, NOT_FOUND)
        pii.record_access(
            self.session, caller, case_id, PiiAccessKind.attachment, f"下载附件 {row.id}"
        )
        try:
            data = self.blobs.decrypt(
                self.store.get(row.storage_key), owner=attachment_owner(row.case_id, row.id)
            )
        except StoreUnavailable as err:
            raise store_unavailable(err) from None
        except (StoredFileMissing, BlobCryptoError):
            raise ProblemError(
                500,
                "附件文件缺失或无法解密（密钥缺失或文件被改动） / the attachment's file is "
                "missing, or does not decrypt: its key is not configured, or it was altered",
            ) from None
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise ProblemError(
                500, "附件文件与登记的校验值不符 / the file does not match its recorded SHA-256"
            )
        return Download(
            file_name=self._open(row, "file_name", row.file_name_enc),
            content_type=row.content_type,
            sha256=row.sha256,
            data=data,
        )

    def _open(self, row: AttachmentRow, field: str, stored: str) -> str:
        try:
            where = attachment_row(row.case_id, row.id)
            return self.fields.decrypt(stored, row=where, field=field)
        except FieldCryptoError:
            raise ProblemError(
                500,
                "附件信息无法解密（密钥缺失或记录被改动） / the attachment's record cannot be "
                "decrypted: its key is not configured, or the row was altered",
            ) from None

    def _out(self, row: AttachmentRow, uploader: str | None) -> AttachmentOut:
        kind = AttachmentKind(row.kind)
        return AttachmentOut(
            id=row.id,
            case_id=row.case_id,
            kind=kind,
            kind_label=ATTACHMENT_KIND_LABELS[kind][0],
            description=self._open(row, "description", row.description_enc),
            file_name=self._open(row, "file_name", row.file_name_enc),
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            uploaded_by=row.uploaded_by,
            uploaded_by_name=uploader or "",
            uploaded_at=row.uploaded_at,
            download_url=f"/api/v1/cases/{row.case_id}/attachments/{row.id}",
        )
