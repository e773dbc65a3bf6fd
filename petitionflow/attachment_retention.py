"""Retention, for attachments: once a case's personal data is purged (``petitionflow/retention.py``
sets ``purged_at``), its scans, photos and agreements go too — the file from the store first,
then its row (with the encrypted name and description). Run after each purge, by the daily
Schedule's activity and by ``petitionflow retention run``; idempotent: a file the store cannot
remove now keeps its row, and the next run tries again.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from models.tables import AttachmentRow, CaseRow
from petitionflow.attachment_store import AttachmentStore, StoreUnavailable

ATTACHMENTS = AttachmentRow.__table__  # type: ignore[attr-defined]
CASES = CaseRow.__table__  # type: ignore[attr-defined]
log = logging.getLogger(__name__)


def purge_files(engine: Engine, store: AttachmentStore, *, batch_size: int = 200) -> int:
    """Remove the attachments of purged cases; returns how many went."""
    removed, after = 0, ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(ATTACHMENTS.c.id, ATTACHMENTS.c.storage_key)
                .join(CASES, CASES.c.case_id == ATTACHMENTS.c.case_id)
                .where(CASES.c.purged_at.is_not(None), ATTACHMENTS.c.id > after)
                .order_by(ATTACHMENTS.c.id)
                .limit(batch_size)
            ).all()
        if not rows:
            return removed
        for row in rows:
            try:
                store.delete(row.storage_key)
            except StoreUnavailable as err:  # kept, with its row, for the next run
                log.warning("attachment %s of a purged case not removed yet: %s", row.id, err)
                continue
            with engine.begin() as conn:
                conn.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.id == row.id))
            removed += 1
        after = rows[-1].id
