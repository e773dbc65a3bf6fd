"""What the documents' endpoints answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from models.vocabulary import DeliveryMethod, DocumentKind


class DocumentOut(BaseModel):
    id: str
    case_id: str
    kind: DocumentKind
    kind_label: str  # 受理告知书, 信访事项处理意见书…
    number: str  # 文号, e.g. 东信受〔2026〕12号
    unit_id: str  # the issuing unit
    issued_at: datetime
    event_id: str  # the timeline event that issued it (its params hold the same SHA-256)
    sha256: str  # of the PDF
    size: int
    delivered_on: date | None
    delivery_method: DeliveryMethod | None
    available: bool  # False once retention removed the file (the record stays)
    download_url: str
