"""``petitionflow keys rotate``, for attachments: every file under an older key re-encrypted under
the active one (with its row's encrypted name and description), one file at a time, so it can
run while the service runs and be run again after an interruption.

Each file is written as a new object and the row switched to it by compare-and-set on the old
object's key; the old object is removed only after the switch. A download meanwhile reads
whichever object its row named; an upload meanwhile is already under the active key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine, Row

from models.tables import AttachmentRow
from petitionflow.attachment_store import AttachmentStore, fresh_key
from petitionflow.blob_crypto import BlobCipher, attachment_owner, attachment_row
from petitionflow.field_crypto import FieldCipher

ATTACHMENTS = AttachmentRow.__table__  # type: ignore[attr-defined]


@dataclass
class FileRotation:
    files: int = 0  # files re-encrypted
    before: Counter[str] = field(default_factory=Counter)  # files found under each older key


def rotate_files(
    engine: Engine,
    store: AttachmentStore,
    blobs: BlobCipher,
    fields: FieldCipher,
    *,
    batch_size: int = 50,
    progress: Callable[[FileRotation], None] | None = None,
) -> FileRotation:
    done = FileRotation()
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(ATTACHMENTS)
                .where(ATTACHMENTS.c.key_id != blobs.active, ATTACHMENTS.c.id > after)
                .order_by(ATTACHMENTS.c.id)
                .limit(batch_size)
            ).all()
        if not rows:
            return done
        for row in rows:
            if _rotate_one(engine, store, blobs, fields, row):
                done.files += 1
                done.before[row.key_id] += 1
        after = rows[-1].id
        if progress is not None:
            progress(done)


def _rotate_one(
    engine: Engine, store: AttachmentStore, blobs: BlobCipher, fields: FieldCipher, row: Row[Any]
) -> bool:
    case_id, attachment_id, old_key = row.case_id, row.id, row.storage_key
    owner = attachment_owner(case_id, attachment_id)
    data = blobs.decrypt(store.get(old_key), owner=owner)
    new_key = fresh_key(case_id, attachment_id)
    store.put(new_key, blobs.encrypt(data, owner=owner))
    where = attachment_row(case_id, attachment_id)
    with engine.begin() as conn:
        switched = conn.execute(
            update(ATTACHMENTS)
            .where(ATTACHMENTS.c.id == attachment_id, ATTACHMENTS.c.storage_key == old_key)
            .values(
                storage_key=new_key,
                key_id=blobs.active,
                file_name_enc=fields.reencrypt(row.file_name_enc, row=where, field="file_name"),
                description_enc=fields.reencrypt(
                    row.description_enc, row=where, field="description"
                ),
            )
        ).rowcount
    store.delete(old_key if switched else new_key)  # the object no row names
    return bool(switched)


def files_remaining(engine: Engine, blobs: BlobCipher) -> int:
    """Attachments whose file is still under another key."""
    with engine.connect() as conn:
        query = select(func.count()).select_from(ATTACHMENTS)
        return int(conn.execute(query.where(ATTACHMENTS.c.key_id != blobs.active)).scalar_one())
