"""The attachments' rows (``case_attachments``): the only SQL behind the attachment routes."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.tables import AttachmentRow, CaseRow, UserRow


class AttachmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def listed(self, case_id: str) -> list[tuple[AttachmentRow, str | None]]:
        """The case's attachments, newest first, each with its uploader's name."""
        query = (
            select(AttachmentRow, UserRow.name)
            .join(UserRow, col(UserRow.id) == col(AttachmentRow.uploaded_by), isouter=True)
            .where(AttachmentRow.case_id == case_id)
            .order_by(col(AttachmentRow.uploaded_at).desc(), col(AttachmentRow.id).desc())
        )
        return [(row, name) for row, name in self.session.exec(query).all()]

    def get(self, case_id: str, attachment_id: str) -> AttachmentRow | None:
        row = self.session.get(AttachmentRow, attachment_id)
        return row if row is not None and row.case_id == case_id else None

    def uploader_name(self, user_id: str) -> str | None:
        user = self.session.get(UserRow, user_id)
        return user.name if user is not None else None

    def usage(self, case_id: str) -> tuple[int, int]:
        """How many files the case holds and their bytes."""
        files, size = self.session.exec(
            select(func.count(), func.coalesce(func.sum(AttachmentRow.size), 0)).where(
                AttachmentRow.case_id == case_id
            )
        ).one()
        return int(files), int(size)

    def add_within(self, row: AttachmentRow, *, max_files: int, max_bytes: int) -> bool:
        """Insert the row if the case then holds at most ``max_files`` files of ``max_bytes``;
        False (nothing written) otherwise. Concurrent uploads to one case are counted one after
        the other: PostgreSQL locks the case's row first; on SQLite the insert comes first (it
        takes the database's write lock, and the count after it sees every committed upload)."""
        if self.session.get_bind().dialect.name != "sqlite":
            self.session.exec(
                select(CaseRow.case_id).where(CaseRow.case_id == row.case_id).with_for_update()
            ).first()
        self.session.add(row)
        self.session.flush()
        files, size = self.usage(row.case_id)
        if files > max_files or size > max_bytes:
            self.session.rollback()
            return False
        self.session.commit()
        return True
