"""``GET /api/v1/stats``: the period and the units asked for, then the figures."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api.auth import Caller
from api.stats.params import period_bounds
from api.stats.queries import StatsScope
from api.stats.repository import compute_stats, scoped_units
from api.stats.schemas import Stats
from petitionflow.settings import Settings


def statistics(
    session: Session,
    *,
    caller: Caller,
    settings: Settings,
    now: datetime,
    unit_id: str | None,
    start: str | None,
    end: str | None,
) -> Stats:
    """One unit subtree (default the caller's unit) within the caller's scope, one period (dates
    in the policy's time zone)."""
    zone = settings.sla_policy.zone
    starts_at, ends_at = period_bounds(start, end, now=now, zone=zone)
    unit, units = scoped_units(session, caller, unit_id or caller.unit_id)
    scope = StatsScope(
        unit_id=unit.id,
        unit_name=unit.name,
        units=units,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now.astimezone(zone),
        zone=zone,
    )
    return compute_stats(session, scope)
