"""Instants a client sends (query parameters, cursors): with an offset, and within years the
database and ``datetime`` arithmetic can hold — ``0001-01-01T00:00:00+14:00`` is a year-0 instant
in UTC, and a window's default start before 0001 does not exist."""

from __future__ import annotations

from datetime import UTC, datetime

from models.messages import invalid

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
RANGE = "1900–9000"


def in_range(moment: datetime) -> datetime:
    """The instant as given; ValueError when it has no offset or lies outside ``RANGE``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise invalid("须带时区偏移", "needs an offset, e.g. 2026-03-01T08:00:00+08:00")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise invalid(f"超出 {RANGE} 年的范围", f"outside the years {RANGE}")
    return moment
