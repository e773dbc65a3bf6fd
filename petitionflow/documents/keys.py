"""``petitionflow keys rotate``, for the notices' PDFs: each one under an older key re-encrypted
under the active one, written as a new object and the row switched by compare-and-set on the old
object's key (as attachments, ``petitionflow/attachment_keys.py``); the old object is removed
after the switch. Runs while the service runs; run again after an interruption."""

from __future__ import annotations

import secrets

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import Engine

from models.tables import CaseDocumentRow
from petitionflow.attachment_store import AttachmentStore
from petitionflow.blob_crypto import BlobCipher
from petitionflow.documents.issue import document_owner, storage_key

DOCUMENTS = CaseDocumentRow.__table__  # type: ignore[attr-defined]


def _under_other_keys(blobs: BlobCipher) -> ColumnElement[bool]:
    return (DOCUMENTS.c.key_id != blobs.active) & DOCUMENTS.c.storage_key.is_not(None)


def rotate_documents(
    engine: Engine, store: AttachmentStore, blobs: BlobCipher, *, batch_size: int = 50
) -> int:
    """Re-encrypt every kept PDF under another key; returns how many were."""
    done, after = 0, ("", "")
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(DOCUMENTS.c.case_id, DOCUMENTS.c.id, DOCUMENTS.c.storage_key)
                .where(
                    _under_other_keys(blobs),
                    DOCUMENTS.c.case_id >= after[0],
                )
                .order_by(DOCUMENTS.c.case_id, DOCUMENTS.c.id)
                .limit(batch_size)
            ).all()
        rows = [r for r in rows if (r.case_id, r.id) > after]
        if not rows:
            return done
        for row in rows:
            owner = document_owner(row.case_id, row.id)
            data = blobs.decrypt(store.get(row.storage_key), owner=owner)
            new_key = f"{storage_key(row.case_id, row.id)}-{secrets.token_hex(4)}"
            store.put(new_key, blobs.encrypt(data, owner=owner))
            with engine.begin() as conn:
                switched = conn.execute(
                    update(DOCUMENTS)
                    .where(
                        DOCUMENTS.c.case_id == row.case_id,
                        DOCUMENTS.c.id == row.id,
                        DOCUMENTS.c.storage_key == row.storage_key,
                    )
                    .values(storage_key=new_key, key_id=blobs.active)
                ).rowcount
            store.delete(row.storage_key if switched else new_key)  # the object no row names
            done += bool(switched)
        after = (rows[-1].case_id, rows[-1].id)


def documents_remaining(engine: Engine, blobs: BlobCipher) -> int:
    """Kept PDFs still under another key."""
    with engine.connect() as conn:
        query = select(func.count()).select_from(DOCUMENTS).where(_under_other_keys(blobs))
        return int(conn.execute(query).scalar_one())
