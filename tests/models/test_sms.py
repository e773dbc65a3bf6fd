"""The texts' templates: one 70-character segment each with their longest values (the
registration's link makes two), nothing personal, periods' last days as the law counts them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from models.sms import (
    NOTICE_EVENTS,
    SEGMENT,
    TEMPLATES,
    day_text,
    notice_dispatch,
    render,
    segments,
    tracking_link,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONGEST = {
    "code": "ABCDEFGH23456789",
    "unit": "平湖市当湖街道东门社区居民委员会",
    "due": "2026年12月31日",
    "days": 30,
    "otp": "123456",
    "minutes": 10,
    "link": tracking_link("https://xf.pinghu.gov.cn", "ABCDEFGH23456789"),
}


def test_every_text_fits_its_segments() -> None:
    for kind in TEMPLATES:
        text = render(kind, sign="平湖信访", **LONGEST)
        if kind == "registered":
            assert segments(text) == 2, text
        else:
            assert len(text) <= SEGMENT, (kind, len(text), text)
        assert "{" not in text


def test_a_long_unit_name_is_shortened() -> None:
    text = render("accepted", sign="信访", **LONGEST)
    assert "平湖市当湖街道东门…" in text


def test_a_period_ending_at_24_00_is_its_last_day() -> None:
    assert day_text("2026-12-31T16:00:00+00:00", SHANGHAI) == "2026年12月31日"
    assert day_text("2026-12-31T08:00:00+00:00", SHANGHAI) == "2026年12月31日"
    assert day_text(None, SHANGHAI) == "法定期限内"


def test_which_events_text_the_petitioner() -> None:
    assert set(NOTICE_EVENTS) == {
        "register",
        "accept",
        "decline",
        "extend",
        "reply",
        "review_opinion",
        "re_review_opinion",
    }
    assert notice_dispatch("c:5", "c", "assess", {}) is None
    extended = notice_dispatch("c:5", "c", "extend", {"days": 10, "reason": "需协调"})
    assert extended is not None and extended.params == {"days": 10}  # not the reason's words
    assert segments("字" * 70) == 1 and segments("字" * 71) == 2 and segments("字" * 135) == 3
