"""Thin routes: a multipart upload, the list, and the download of one file."""

from __future__ import annotations

from base64 import b64encode
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Path, Response, UploadFile

from api.attachments.content import ALLOWED, content_disposition
from api.attachments.schemas import AttachmentOut
from api.attachments.service import AttachmentService, Upload
from api.deps import AppSettings, CurrentCaller, DbSession, Temporal
from api.problems import responses
from models.text import TEXT_PATTERN
from models.vocabulary import AttachmentKind

router = APIRouter(prefix="/api/v1/cases/{case_id}/attachments", tags=["attachments"])
PATH = r"^/api/v1/cases/[^/]+/attachments$"  # the upload: multipart, its own size limit
CaseId = Annotated[str, Path(max_length=64)]
AttachmentId = Annotated[str, Path(max_length=64)]
DOWNLOAD_TYPES = {media: {"schema": {"type": "string", "format": "binary"}} for media in ALLOWED}


def service(session: DbSession, settings: AppSettings, client: Temporal) -> AttachmentService:
    return AttachmentService(session=session, settings=settings, client=client)


@router.post(
    "",
    status_code=201,
    response_model=AttachmentOut,
    responses={
        200: {"model": AttachmentOut, "description": "a retry with the same Idempotency-Key"},
        **responses(401, 403, 404, 409, 413, 415, 422, 503),
    },
)
async def upload_attachment(
    case_id: CaseId,
    file: Annotated[UploadFile, File(description="JPEG, PNG, PDF, TIFF or WebP")],
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    client: Temporal,
    response: Response,
    kind: Annotated[AttachmentKind, Form()] = AttachmentKind.other,
    description: Annotated[str, Form(max_length=200, pattern=TEXT_PATTERN)] = "",
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> AttachmentOut:
    """Attach a file (multipart/form-data: ``file``, ``kind``, ``description``). Its type is
    judged by its content; the case's responsible unit (or a supervisor above it) may upload."""
    upload = Upload(
        file=file.file,
        file_name=file.filename,
        content_type=file.content_type,
        kind=kind,
        description=description.strip(),
    )
    status, attachment = await service(session, settings, client).upload(
        case_id=case_id, caller=caller, upload=upload, key=idempotency_key
    )
    response.status_code = status
    response.headers["Location"] = attachment.download_url
    return attachment


@router.get("", response_model=list[AttachmentOut], responses=responses(401, 404, 422))
async def list_attachments(
    case_id: CaseId,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    client: Temporal,
) -> list[AttachmentOut]:
    """The case's attachments, newest first: for anyone who may read the case."""
    return await service(session, settings, client).listed(case_id=case_id, caller=caller)


@router.get(
    "/{attachment_id}",
    response_class=Response,
    responses={
        200: {"description": "the file, as uploaded", "content": DOWNLOAD_TYPES},
        **responses(401, 404, 422, 500, 503),
    },
)
async def download_attachment(
    case_id: CaseId,
    attachment_id: AttachmentId,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    client: Temporal,
) -> Response:
    """The file, always as a download (never shown inline), on the access log."""
    got = await service(session, settings, client).download(
        case_id=case_id, attachment_id=attachment_id, caller=caller
    )
    return Response(
        got.data,
        media_type=got.content_type,
        headers={
            "Content-Disposition": content_disposition(got.file_name),
            "X-Content-Type-Options": "nosniff",
            # opened by itself (a PDF's scripts, a crafted image), it gets no origin and no rights
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "Repr-Digest": f"sha-256=:{b64encode(bytes.fromhex(got.sha256)).decode()}:",
        },
    )
