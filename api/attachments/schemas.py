"""Attachments' response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from models.vocabulary import AttachmentKind


class AttachmentOut(BaseModel):
    """One file attached to a case, as lists show it (the file itself is downloaded from
    ``download_url``)."""

    id: str
    case_id: str
    kind: AttachmentKind
    kind_label: str = Field(description="Chinese label of the kind")
    description: str
    file_name: str = Field(description="the uploader's file name, made safe; for display")
    content_type: str = Field(description="from the file's content, not from the client")
    size: int = Field(description="bytes")
    sha256: str = Field(description="hex SHA-256 of the file as uploaded")
    uploaded_by: str
    uploaded_by_name: str
    uploaded_at: datetime
    download_url: str
