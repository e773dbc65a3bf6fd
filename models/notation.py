"""How instants are written for people: local time (Asia/Shanghai by policy) in one notation,
``YYYY-MM-DD HH:MM``; a period that ends at midnight ends at ``YYYY-MM-DD 24:00`` of its last
day, as the law counts it (民法典 第二百零一条), never 00:00 of the day after. Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def due_time(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    """A due time: midnight is the end (24:00) of the day before."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    if local.time() == time(0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return local_time(local, zone)
