"""Documents and delivery (送达) in the pure model: numbering, the machine's checks of ``deliver``,
and what a delivery does to the clocks."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.case import PetitionCase
from models.clock_plan import ClockPlan, plan_clocks
from models.documents import document_number
from models.errors import InvalidParams
from models.lifecycle import Petition
from models.vocabulary import DocumentKind, Level

ZONE = ZoneInfo("Asia/Shanghai")
ISSUED = datetime(2026, 3, 2, 10, 0, tzinfo=ZONE)


def test_numbers_name_the_unit_kind_year_and_serial() -> None:
    assert (
        document_number("东门社区", DocumentKind.acceptance_notice, 2026, 12)
        == "东信受〔2026〕12号"
    )
    assert (
        document_number("当湖街道", DocumentKind.review_opinion, 2027, 1) == "当信复查〔2027〕1号"
    )


def replied() -> Petition:
    case = PetitionCase(unit_id="v", level=Level.village, state="replied")
    case.issue_document(DocumentKind.handling_opinion, event_seq=7, at=ISSUED)
    return Petition(case)


def deliver(p: Petition, on: str, doc: str = "doc-7", now: datetime = ISSUED) -> None:
    params = {"document_id": doc, "method": "mail", "delivered_on": on}
    p.act("deliver", role="officer", at=now, params=params, zone=ZONE)


@pytest.mark.parametrize(
    ("doc", "on", "field"),
    [
        ("doc-7", "2026-03-03", "delivered_on"),
        ("doc-7", "2026-03-01", "delivered_on"),
        ("doc-8", "2026-03-02", "document_id"),
    ],
)
def test_delivery_is_checked_and_refusals_change_nothing(doc: str, on: str, field: str) -> None:
    p = replied()
    before = p.case.model_dump()
    with pytest.raises(InvalidParams) as err:
        deliver(p, on, doc)
    assert [e["field"] for e in err.value.errors] == [field]
    assert p.case.model_dump() == before


def test_a_document_is_delivered_once() -> None:
    p = replied()
    deliver(p, "2026-03-02", now=datetime(2026, 3, 5, tzinfo=ZONE))
    assert p.case.documents[0].delivered_on == date(2026, 3, 2)
    assert "deliver" not in p.allowed_actions("officer")
    with pytest.raises(InvalidParams):  # delivered already (the validator names the field)
        deliver(p, "2026-03-02")


def test_delivering_the_reply_starts_the_review_window_from_that_day() -> None:
    plan = plan_clocks(
        "deliver", "replied", "replied", {"opens": "review_window", "delivered_on": "2026-03-04"}
    )
    assert plan == ClockPlan(
        stop=frozenset({"delivery", "review_window"}),
        start=("review_window",),
        since_day=date(2026, 3, 4),
    )
    # a notice that opens no window, or the reply once the case moved on: no clock changes
    assert plan_clocks("deliver", "handling", "handling", {"opens": None}) == ClockPlan()
    late = {"opens": "review_window", "delivered_on": "2026-03-04"}
    assert plan_clocks("deliver", "under_review", "under_review", late) == ClockPlan()


def test_the_reply_waits_for_delivery() -> None:
    plan = plan_clocks("reply", "handling", "replied", {})
    assert plan.awaits_delivery()
    assert plan.until_delivered().start == ("delivery",)
    leaving = plan_clocks("request_review", "replied", "under_review", {}, delivery_running=True)
    assert "delivery" in leaving.stop
