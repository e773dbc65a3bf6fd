"""The notices a case issues to its petitioner and their delivery (送达): which action issues
which document, how documents are numbered, and which request window a delivery opens. Pure: the
PDF is rendered and stored by the projection (``petitionflow/documents/``), never by the workflow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from models.vocabulary import DeliveryMethod, DocumentKind

# The actions that speak to the petitioner in writing, and the notice each issues.
ACTION_DOCUMENTS: dict[str, DocumentKind] = {
    "accept": DocumentKind.acceptance_notice,
    "decline": DocumentKind.non_acceptance_notice,
    "extend": DocumentKind.extension_notice,
    "reply": DocumentKind.handling_opinion,
    "review_opinion": DocumentKind.review_opinion,
    "re_review_opinion": DocumentKind.re_review_opinion,
    "deliver": DocumentKind.delivery_receipt,
}
# Issued only with some parameters: a mediation closed with an agreement (调解协议书, 人民调解法
# 第二十八至三十三条); a failed or withdrawn one issues nothing.
AGREEMENT_OUTCOME = "agreement"


def issued_document(action: str, params: dict[str, Any]) -> DocumentKind | None:
    """The document ``action`` with ``params`` issues, if any: the one place that says so."""
    if action == "close_mediation":
        agreed = params.get("outcome") == AGREEMENT_OUTCOME
        return DocumentKind.mediation_agreement if agreed else None
    return ACTION_DOCUMENTS.get(action)


# What a delivery produces is its own record (送达回证), never delivered in turn.
UNDELIVERED_KINDS: frozenset[DocumentKind] = frozenset({DocumentKind.delivery_receipt})

# 文号: the unit's first character, 信, the kind's mark, 〔year〕, serial, 号
# (e.g. 东信受〔2026〕12号); one series per issuing unit, year and kind.
NUMBER_MARKS: dict[DocumentKind, str] = {
    DocumentKind.acceptance_notice: "受",
    DocumentKind.non_acceptance_notice: "不受",
    DocumentKind.extension_notice: "延",
    DocumentKind.handling_opinion: "处",
    DocumentKind.review_opinion: "复查",
    DocumentKind.re_review_opinion: "复核",
    DocumentKind.delivery_receipt: "送",
    DocumentKind.mediation_agreement: "调",
}

# The petitioner's request window that runs from the delivery of a document (信访工作条例 第三十五、
# 三十六条: 自收到书面答复之日起30日内), and the state that window belongs to.
OPENS_WINDOW: dict[DocumentKind, str] = {
    DocumentKind.handling_opinion: "review_window",
    DocumentKind.review_opinion: "re_review_window",
}


def document_number(unit_name: str, kind: DocumentKind, year: int, serial: int) -> str:
    """The document's 文号, from the issuing unit's name (its first character)."""
    short = (unit_name.strip() or "信")[0]
    return f"{short}信{NUMBER_MARKS[kind]}〔{year}〕{serial}号"


def document_id(event_seq: int) -> str:
    """A document's id within its case: the timeline event that issued it."""
    return f"doc-{event_seq}"


class IssuedDocument(BaseModel):
    """A notice as the case knows it: what the ``deliver`` action checks against."""

    id: str
    kind: DocumentKind
    event_seq: int
    issued_at: datetime
    delivered_on: date | None = None
    method: DeliveryMethod | None = None

    @property
    def awaits_delivery(self) -> bool:
        return self.delivered_on is None and self.kind not in UNDELIVERED_KINDS
