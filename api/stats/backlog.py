"""积案 (backlog): the one rule the statistics count and the case list filters by
(``GET /cases?backlog=true``) — an open case overdue now whose first statutory breach is at least
``BACKLOG_OVERDUE_DAYS`` days old, or one the petitioner has raised ``BACKLOG_VISITS`` or more
times (``api/stats/schemas.py`` defines the figures)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from api.stats.queries import OPEN_STATES, statutory_breaches
from api.stats.schemas import BACKLOG_OVERDUE_DAYS, BACKLOG_VISITS
from api.stats.sql import const_in


def overdue_now(c: Any, now: datetime) -> ColumnElement[bool]:
    """超期 as lists and tiles read it: the flag, or a projected due time that has passed."""
    return or_(c.overdue, c.next_due_at <= now)


def is_backlog(c: Any, now: datetime) -> ColumnElement[bool]:
    """Whether a ``cases`` row (its columns ``c``) is 积案 at ``now``."""
    breaches = statutory_breaches("breaches")
    long_overdue = c.case_id.in_(
        select(breaches.c.case_id).where(
            breaches.c.at <= now - timedelta(days=BACKLOG_OVERDUE_DAYS)
        )
    )
    # The visit count first: the breach lookup only for the cases it can still decide.
    return and_(
        const_in(c.state, OPEN_STATES),
        or_(c.visit_count >= BACKLOG_VISITS, and_(overdue_now(c, now), long_overdue)),
    )
