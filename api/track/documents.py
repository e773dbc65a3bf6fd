"""The documents delivered online (网上送达) on the petitioners' tracking page: listed with their
kind, 文号 and dates (nothing personal), and served — after the one-time code — with each download
on the access log, the petitioner as the reader (the PDF names them)."""

from __future__ import annotations

from datetime import tzinfo

from sqlmodel import Session

from api import pii
from api.attachments.service import store_unavailable
from api.auth import Caller
from api.documents.repository import DocumentFileError, documents_delivered_online, read_pdf
from api.documents.service import Pdf
from api.problems import ProblemError
from api.public.schemas import TrackedDocument
from models.messages import Message
from models.tables import CaseRow
from models.vocabulary import PiiAccessKind, Role
from petitionflow.attachment_store import StoreUnavailable
from petitionflow.settings import Settings

PETITIONER = "petitioner"  # the reader the access log records (as the timeline's actor)
NOT_OFFERED = Message("没有此网上送达的文书", "no such document was delivered online")
FILE_BROKEN = Message(
    "文书文件缺失、无法解密或与登记的校验值不符",
    "the document's file is missing, does not decrypt, or does not match its recorded SHA-256",
)


def tracked_documents(session: Session, row: CaseRow, zone: tzinfo) -> list[TrackedDocument]:
    return [
        TrackedDocument.of(doc, tracking_code=row.tracking_code, zone=zone)
        for doc in documents_delivered_online(session, row.case_id)
    ]


def petitioner_reader(row: CaseRow) -> Caller:
    """The petitioner as the access log names a reader: no user, the role ``petitioner``."""
    return Caller(
        id=PETITIONER, name="信访人", role=Role.petitioner, unit_id=row.unit_id, units=frozenset()
    )


def online_pdf(session: Session, settings: Settings, row: CaseRow, doc_id: str) -> Pdf:
    """A document delivered online, for a petitioner who proved the code: on the access log
    (committed) before the bytes go out. 404 for any document the page does not offer."""
    offered = documents_delivered_online(session, row.case_id)
    doc = next((d for d in offered if d.id == doc_id), None)
    if doc is None:
        raise ProblemError(404, NOT_OFFERED)
    pii.record_access(
        session,
        petitioner_reader(row),
        row.case_id,
        PiiAccessKind.document,
        f"信访人网上下载文书 {doc.number}",
    )
    try:
        data = read_pdf(doc, settings.attachment_store, settings.blob_cipher)
    except StoreUnavailable as err:
        raise store_unavailable(err) from None
    except DocumentFileError:
        raise ProblemError(500, FILE_BROKEN) from None
    return Pdf(file_name=f"{doc.id}.pdf", sha256=doc.sha256, data=data)
