"""What a stats request asks for: the period. Bad input answers 422, as for cases (the units
asked for are resolved by ``api/stats/repository.py``: outside the scope, 404)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.instants import in_range
from api.problems import ProblemError
from models.messages import Message, of_exception

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=731)  # two years: bounds the weekly series (one CASE branch a week)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _invalid(field: str, message: Message) -> ProblemError:
    return ProblemError(
        422,
        message.prefixed(field),
        type="/problems/InvalidParams",
        errors=[{"field": field, "message": message}],
    )


def _instant(field: str, value: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """An RFC 3339 date-time (with its offset), or a date: a whole day in the policy's zone —
    from its 00:00 as ``from``, up to the next day's 00:00 as ``to`` (the day is included)."""
    value = value.strip()
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _invalid(field, Message("不是有效的日期", "not a valid date")) from None
        try:
            return in_range(datetime.combine(day, time(0), tzinfo=zone)) + timedelta(
                days=1 if end else 0
            )
        except ValueError as exc:
            raise _invalid(field, of_exception(exc)) from None
    if not _DATE_TIME.match(value):
        raise _invalid(
            field,
            Message(
                "须为日期（2026-03-01）或带时区偏移的时间（RFC 3339）",
                "expected an RFC 3339 date (2026-03-01) or date-time with offset",
            ),
        )
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(field, Message("不是有效的时间", "not a valid date-time")) from None
    try:
        return in_range(moment)
    except ValueError as exc:
        raise _invalid(field, of_exception(exc)) from None


def period_bounds(
    start: str | None, end: str | None, *, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """[from, to) in the policy's zone: by default the 30 days up to now (or up to ``to``)."""
    ends_at = _instant("to", end, zone, end=True) if end is not None else now
    starts_at = (
        _instant("from", start, zone, end=False) if start is not None else ends_at - DEFAULT_PERIOD
    )
    if starts_at >= ends_at:
        raise _invalid("from", Message("须早于 to", "must be before to"))
    if ends_at - starts_at > MAX_PERIOD:
        raise _invalid(
            "to",
            Message(
                f"统计区间至多 {MAX_PERIOD.days} 天",
                f"the period may span at most {MAX_PERIOD.days} days",
            ),
        )
    return starts_at.astimezone(zone), ends_at.astimezone(zone)  # answered in local time
