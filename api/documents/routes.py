"""Thin routes: the case's notices (受理告知书, 处理意见书…) and the download of one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import AppSettings, CurrentCaller, DbSession
from api.documents.responses import PDF_RESPONSES, pdf_response
from api.documents.schemas import DocumentOut
from api.documents.service import DocumentService
from api.problems import responses

router = APIRouter(prefix="/api/v1/cases/{case_id}/documents", tags=["documents"])
CaseId = Annotated[str, Path(max_length=64)]
DocId = Annotated[str, Path(max_length=64)]


@router.get("", response_model=list[DocumentOut], responses=responses(401, 404, 422))
async def list_documents(
    case_id: CaseId, caller: CurrentCaller, session: DbSession, settings: AppSettings
) -> list[DocumentOut]:
    """The notices the case issued, oldest first, with their 文号, SHA-256 and delivery: for
    anyone who may read the case."""
    return await DocumentService(session=session, settings=settings).listed(
        case_id=case_id, caller=caller
    )


@router.get(
    "/{doc_id}",
    response_class=Response,
    responses={
        **PDF_RESPONSES,
        **responses(401, 404, 410, 422, 500, 503),
    },
)
async def download_document(
    case_id: CaseId,
    doc_id: DocId,
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    """The notice as a PDF, on the access log (it names the petitioner)."""
    pdf = await DocumentService(session=session, settings=settings).download(
        case_id=case_id, doc_id=doc_id, caller=caller
    )
    return pdf_response(pdf)
