"""Texts to the petitioner (短信告知): which events of a case are texted, and their templates.

Pure: the sending activity fills them in. A text never holds the ID number, the name or the
matter's words — only the tracking code, the unit, dates and the link to the tracking page.
A Chinese text is billed in segments of 70 characters (67 each once it is longer): every
template fits one segment with its longest values, except the registration's, whose link
makes two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, Field

SmsKind = Literal[
    "registered",
    "accepted",
    "declined",
    "extended",
    "replied",
    "review_opinion",
    "re_review_opinion",
    "otp",
]

# The timeline event whose projection sends each notice (a one-time code is sent on request).
NOTICE_EVENTS: dict[str, SmsKind] = {
    "register": "registered",
    "accept": "accepted",
    "decline": "declined",
    "extend": "extended",
    "reply": "replied",
    "review_opinion": "review_opinion",
    "re_review_opinion": "re_review_opinion",
}

SEGMENT = 70  # characters of a text sent in one piece
LONG_SEGMENT = 67  # characters per piece of a longer text (the rest carries the join header)
UNIT_NAME_MAX = 10  # a longer unit name is shortened in texts

TEMPLATES: dict[SmsKind, str] = {
    "registered": "【{sign}】您的信访事项已登记，查询码{code}。查看进度：{link}",
    "accepted": "【{sign}】您的信访事项{code}已由{unit}受理，将于{due}前书面答复。",
    "declined": "【{sign}】您的信访事项{code}经{unit}审查不予受理，告知书将送达您。",
    "extended": "【{sign}】您的信访事项{code}办理期限延长{days}日，至{due}。",
    "replied": "【{sign}】您的信访事项{code}已作出书面答复意见，将送达您，可上网评价。",
    "review_opinion": "【{sign}】您的信访事项{code}已作出复查意见，将送达您，请注意查收。",
    "re_review_opinion": "【{sign}】您的信访事项{code}已作出复核意见，将送达您，请注意查收。",
    "otp": "【{sign}】验证码{otp}，{minutes}分钟内有效，用于信访事项{code}的网上评价或申请复查。",
}


def segments(text: str) -> int:
    """The segments a text is billed as."""
    if len(text) <= SEGMENT:
        return 1
    return math.ceil(len(text) / LONG_SEGMENT)


def short_unit(name: str) -> str:
    return name if len(name) <= UNIT_NAME_MAX else name[: UNIT_NAME_MAX - 1] + "…"


def day_text(instant: datetime | str | None, zone: tzinfo) -> str:
    """A due instant as the petitioner reads it: the local day (periods end at 24:00)."""
    if instant is None:
        return "法定期限内"
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    local = moment.astimezone(zone)
    if local.hour == 0 and local.minute == 0:  # 24:00 of the day before
        local -= timedelta(seconds=1)
    return f"{local.year}年{local.month}月{local.day}日"


def tracking_link(public_url: str, tracking_code: str) -> str:
    return f"{public_url.rstrip('/')}/track/{tracking_code}"


def clock_due(snapshot: dict[str, Any], clock: str) -> str | None:
    """The due instant of the case's live ``clock`` in a (JSON) snapshot."""
    for view in reversed(snapshot.get("deadlines", [])):
        if view.get("clock") == clock and view.get("status") in {"running", "paused"}:
            return str(view["due_at"])
    return None


def render(kind: SmsKind, *, sign: str, code: str, **values: Any) -> str:
    """The text of ``kind`` (every placeholder of its template is required)."""
    if "unit" in values:
        values["unit"] = short_unit(str(values["unit"]))
    return TEMPLATES[kind].format(sign=sign, code=code, **values)


class SmsDispatch(BaseModel):
    """Input of the workflow that texts the petitioner once (``workflows/sms.py``)."""

    message_id: str  # the event id (case:seq) of a notice; otp:<code id> for a one-time code
    case_id: str
    kind: SmsKind
    params: dict[str, Any] = Field(default_factory=dict)  # of the event (days of an extension)
    otp_id: str | None = None


def notice_dispatch(event_id: str, case_id: str, action: str, params: dict[str, Any]):
    """The text an event sends, if it sends one."""
    kind = NOTICE_EVENTS.get(action)
    if kind is None:
        return None
    kept = {k: params[k] for k in ("days",) if k in params}
    return SmsDispatch(message_id=event_id, case_id=case_id, kind=kind, params=kept)


@dataclass(frozen=True)
class SmsGateway:
    """Where texts go and how they are signed and worded (from the settings)."""

    url: str | None = None  # unset: nothing is texted
    key: str = ""  # HMAC key the gateway checks the body with
    sign_name: str = "信访"  # 短信签名, in 【】 at the start of every text
    public_url: str = "http://127.0.0.1:8000"  # the tracking page's links
    timezone: str = "Asia/Shanghai"
    timeout_seconds: float = 10.0
    otp_secret: bytes = b""  # derives one-time codes (``petitionflow/one_time_codes.py``)
    otp_minutes: int = 10
