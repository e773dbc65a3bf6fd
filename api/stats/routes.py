"""``GET /api/v1/stats``: thin — parameters in, the statistics service, the figures out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import AppSettings, CurrentCaller, DbSession
from api.problems import responses
from api.stats import hand_overs as hand_overs_doc
from api.stats import schemas as definitions
from api.stats import supervision as supervision_doc
from api.stats.hand_overs import HandOverStats, hand_over_stats
from api.stats.queries import StatsScope
from api.stats.schemas import Assessment, Stats
from api.stats.service import assessment, statistics, stats_scope
from api.stats.supervision import SupervisionQueries, SupervisionStats

router = APIRouter(prefix="/api/v1", tags=["statistics"])


def current_time() -> datetime:
    """The instant the workload is counted at (tests override this dependency)."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(current_time)]
FROM = (
    "start, inclusive: an RFC 3339 date-time with offset, or a date (its 00:00 in the policy's "
    "time zone); default: 30 days before `to`"
)
TO = (
    "end, exclusive: an RFC 3339 date-time with offset, or a date (that whole day is included); "
    "default: now"
)


# Parsed by `period_bounds` (a date is a whole local day); documented as the formats they are.
DAY_OR_INSTANT: dict[str, Any] = {
    "max_length": 40,
    "json_schema_extra": {
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            {"type": "null"},
        ]
    },
}


def asked_scope(
    caller: CurrentCaller,
    session: DbSession,
    settings: AppSettings,
    now: Now,
    unit_id: Annotated[
        str | None,
        Query(max_length=200, description="the subtree to count; default the caller's unit"),
    ] = None,
    from_: Annotated[str | None, Query(alias="from", description=FROM, **DAY_OR_INSTANT)] = None,
    to: Annotated[str | None, Query(description=TO, **DAY_OR_INSTANT)] = None,
) -> StatsScope:
    """The subtree and period a statistics request asks for (404 outside the scope, 422)."""
    return stats_scope(
        session, caller=caller, settings=settings, now=now, unit_id=unit_id, start=from_, end=to
    )


Scope = Annotated[StatsScope, Depends(asked_scope)]


@router.get(
    "/stats",
    response_model=Stats,
    responses=responses(401, 404, 422),
    summary="Statistics of a unit subtree: the open workload now, and a period",
    description=definitions.__doc__ or "",  # the definitions, for whoever reads /docs
)
def get_stats(session: DbSession, scope: Scope) -> Stats:
    return statistics(session, scope)


@router.get(
    "/stats/assessment",
    response_model=Assessment,
    responses=responses(401, 404, 422),
    summary="The 考核 figures of a unit subtree for a period, and the ranking of its units",
    description=definitions.__doc__ or "",
)
def get_assessment(session: DbSession, scope: Scope) -> Assessment:
    return assessment(session, scope)


# -- 交办/会办 ----------------------------------------------------------------------------------
@router.get(
    "/stats/hand-overs",
    response_model=HandOverStats,
    responses=responses(401, 404, 422),
    summary="Hand-overs (交办/会办) of a unit subtree for a period, and their lateness per unit",
    description=hand_overs_doc.__doc__ or "",
)
def get_hand_over_stats(session: DbSession, scope: Scope) -> HandOverStats:
    return hand_over_stats(session, scope)


@router.get(
    "/stats/supervision",
    response_model=SupervisionStats,
    responses=responses(401, 404, 422),
    summary="督办单 and 领导包案 figures of a unit subtree for a period",
    description=supervision_doc.__doc__ or "",
)
def get_supervision_stats(session: DbSession, scope: Scope) -> SupervisionStats:
    return SupervisionQueries(session.connection(), scope).figures()
