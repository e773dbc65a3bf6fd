"""The case's documents as the database holds them; reading one back from the store. Also what
the petitioners' tracking page uses: :func:`documents_delivered_online` and :func:`read_pdf`."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select

from models.tables import CaseDocumentRow
from models.vocabulary import DeliveryMethod
from petitionflow.attachment_store import AttachmentStore
from petitionflow.blob_crypto import BlobCipher
from petitionflow.documents.issue import document_owner


class DocumentFileError(Exception):
    """The stored file is gone (purged), missing, does not decrypt or does not match its
    SHA-256."""


def case_documents(session: Session, case_id: str) -> list[CaseDocumentRow]:
    """The case's documents, oldest first."""
    return list(
        session.exec(
            select(CaseDocumentRow)
            .where(CaseDocumentRow.case_id == case_id)
            .order_by(col(CaseDocumentRow.issued_at), col(CaseDocumentRow.id))
        )
    )


def case_document(session: Session, case_id: str, doc_id: str) -> CaseDocumentRow | None:
    return session.get(CaseDocumentRow, (case_id, doc_id))


def documents_delivered_online(session: Session, case_id: str) -> list[CaseDocumentRow]:
    """The documents of a case delivered ``online`` (网上送达) whose file is still kept: the ones
    the petitioners' tracking page offers, oldest first. Personal data is in the PDFs, not in
    these rows; serve a file with :func:`read_pdf` only after the petitioner proved the code."""
    return [
        row
        for row in case_documents(session, case_id)
        if row.delivery_method == DeliveryMethod.online and row.storage_key
    ]


def read_pdf(row: CaseDocumentRow, store: AttachmentStore, blobs: BlobCipher) -> bytes:
    """The document's PDF, decrypted and checked against its recorded SHA-256. Raises
    ``StoreUnavailable`` (retry later) or :class:`DocumentFileError`."""
    from petitionflow.attachment_store import StoredFileMissing
    from petitionflow.blob_crypto import BlobCryptoError

    if not row.storage_key:
        raise DocumentFileError("purged")
    try:
        data = blobs.decrypt(store.get(row.storage_key), owner=document_owner(row.case_id, row.id))
    except (StoredFileMissing, BlobCryptoError):
        raise DocumentFileError("missing or does not decrypt") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise DocumentFileError("does not match its SHA-256")
    return data
