"""Retention, for the notices: once a case's personal data is purged (``petitionflow/retention.py``
sets ``purged_at``), the PDFs that name the petitioner leave the store. The document's row stays
(kind, 文号, checksum, delivery: no personal data), so the register of numbers keeps no gap; its
``storage_key`` is cleared. Idempotent: a file the store cannot remove now is tried next run."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from models.tables import CaseDocumentRow, CaseRow
from petitionflow.attachment_store import AttachmentStore, StoreUnavailable

DOCUMENTS = CaseDocumentRow.__table__  # type: ignore[attr-defined]
CASES = CaseRow.__table__  # type: ignore[attr-defined]
log = logging.getLogger(__name__)


def purge_documents(engine: Engine, store: AttachmentStore, *, batch_size: int = 200) -> int:
    """Remove the document files of purged cases; returns how many went."""
    removed = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(DOCUMENTS.c.case_id, DOCUMENTS.c.id, DOCUMENTS.c.storage_key)
                .join(CASES, CASES.c.case_id == DOCUMENTS.c.case_id)
                .where(CASES.c.purged_at.is_not(None), DOCUMENTS.c.storage_key.is_not(None))
                .order_by(DOCUMENTS.c.case_id, DOCUMENTS.c.id)
                .limit(batch_size)
            ).all()
        kept = 0
        for row in rows:
            try:
                store.delete(row.storage_key)
            except StoreUnavailable as err:  # kept, with its key, for the next run
                log.warning("document %s of a purged case not removed yet: %s", row.id, err)
                kept += 1
                continue
            with engine.begin() as conn:
                conn.execute(
                    update(DOCUMENTS)
                    .where(DOCUMENTS.c.case_id == row.case_id, DOCUMENTS.c.id == row.id)
                    .values(storage_key=None)
                )
            removed += 1
        if len(rows) < batch_size or kept == len(rows):
            return removed
