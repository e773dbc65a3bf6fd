"""``GET /api/v1/stats`` and ``/stats/assessment``: the period and the units asked for, then the
figures."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api.auth import Caller
from api.stats.assessment import AssessmentQueries, Tally, ranking
from api.stats.params import period_bounds
from api.stats.queries import StatsScope
from api.stats.repository import compute_stats, ranked_units, scoped_units
from api.stats.schemas import Assessment, Stats
from petitionflow.settings import Settings


def stats_scope(
    session: Session,
    *,
    caller: Caller,
    settings: Settings,
    now: datetime,
    unit_id: str | None,
    start: str | None,
    end: str | None,
) -> StatsScope:
    """One unit subtree (default the caller's unit) within the caller's scope, one period (dates
    in the policy's time zone)."""
    zone = settings.sla_policy.zone
    starts_at, ends_at = period_bounds(start, end, now=now, zone=zone)
    unit, units = scoped_units(session, caller, unit_id or caller.unit_id)
    return StatsScope(
        unit_id=unit.id,
        unit_name=unit.name,
        units=units,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now.astimezone(zone),
        zone=zone,
    )


def statistics(session: Session, scope: StatsScope) -> Stats:
    return compute_stats(session, scope)


def assessment(session: Session, scope: StatsScope) -> Assessment:
    """The 考核 figures of the subtree, and of each unit directly below it, ranked."""
    tallies = AssessmentQueries(session.connection(), scope).by_unit()
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    return Assessment(
        unit_id=scope.unit_id,
        unit_name=scope.unit_name,
        generated_at=scope.now,
        timezone=scope.zone.key,
        starts_at=scope.starts_at,
        ends_at=scope.ends_at,
        total=total.kpi(),
        ranking=ranking(tallies, ranked_units(session, scope)),
    )
