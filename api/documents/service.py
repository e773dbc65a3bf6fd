"""The documents behind the routes: anyone who may read the case lists and downloads them (as
its attachments); each download is on the access log, since the PDF names the petitioner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api import pii
from api.attachments.service import store_unavailable
from api.auth import Caller
from api.cases.repository import CaseRepository
from api.documents.repository import DocumentFileError, case_document, case_documents, read_pdf
from api.documents.schemas import DocumentOut
from api.problems import ProblemError
from models.tables import CaseDocumentRow
from models.vocabulary import DOCUMENT_KIND_LABELS, DeliveryMethod, DocumentKind, PiiAccessKind
from petitionflow.attachment_store import StoreUnavailable
from petitionflow.settings import Settings

NOT_FOUND = "文书不存在 / no such document"
db = run_in_threadpool


@dataclass(frozen=True)
class Pdf:
    file_name: str
    sha256: str
    data: bytes


class DocumentService:
    def __init__(self, *, session: Session, settings: Settings) -> None:
        self.session, self.settings = session, settings
        self.cases = CaseRepository(session)

    async def listed(self, *, case_id: str, caller: Caller) -> list[DocumentOut]:
        return await db(self._listed, case_id, caller)

    def _listed(self, case_id: str, caller: Caller) -> list[DocumentOut]:
        self.cases.case_row(case_id, caller)  # 404 outside the caller's scope
        return [out(row) for row in case_documents(self.session, case_id)]

    async def download(self, *, case_id: str, doc_id: str, caller: Caller) -> Pdf:
        return await db(self._download, case_id, doc_id, caller)

    def _download(self, case_id: str, doc_id: str, caller: Caller) -> Pdf:
        self.cases.case_row(case_id, caller)
        row = case_document(self.session, case_id, doc_id)
        if row is None:
            raise ProblemError(404, NOT_FOUND)
        if not row.storage_key:
            raise ProblemError(
                410,
                "文书文件已按保存期限删除 / the document's file was removed under the retention "
                "policy",
            )
        pii.record_access(
            self.session, caller, case_id, PiiAccessKind.document, f"下载文书 {row.number}"
        )
        try:
            data = read_pdf(row, self.settings.attachment_store, self.settings.blob_cipher)
        except StoreUnavailable as err:
            raise store_unavailable(err) from None
        except DocumentFileError:
            raise ProblemError(
                500,
                "文书文件缺失、无法解密或与登记的校验值不符 / the document's file is missing, "
                "does not decrypt, or does not match its recorded SHA-256",
            ) from None
        return Pdf(file_name=f"{row.id}.pdf", sha256=row.sha256, data=data)


def out(row: CaseDocumentRow) -> DocumentOut:
    kind = DocumentKind(row.kind)
    return DocumentOut(
        id=row.id,
        case_id=row.case_id,
        kind=kind,
        kind_label=DOCUMENT_KIND_LABELS[kind][0],
        number=row.number,
        unit_id=row.unit_id,
        issued_at=row.issued_at,
        event_id=row.event_id,
        sha256=row.sha256,
        size=row.size,
        delivered_on=row.delivered_on,
        delivery_method=DeliveryMethod(row.delivery_method) if row.delivery_method else None,
        available=row.storage_key is not None,
        download_url=f"/api/v1/cases/{row.case_id}/documents/{row.id}",
    )
