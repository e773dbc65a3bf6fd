"""Tracking for petitioners, the unit tree, and health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from limits.strategies import MovingWindowRateLimiter

from api.cases.schemas import Instant
from api.client_address import client_address
from api.deps import AppSettings, CurrentCaller, DbSession, Temporal
from api.pii import PiiAccess, access_log
from api.problems import responses
from api.public.schemas import Tracking, UnitOut
from api.public.service import PublicService
from models.vocabulary import PiiAccessKind

router = APIRouter()


@router.get(
    "/api/v1/track/{tracking_code}",
    response_model=Tracking,
    responses=responses(404, 429),
    tags=["public"],
)
def track(
    tracking_code: Annotated[str, Path(max_length=64)],
    session: DbSession,
    request: Request,
    settings: AppSettings,
) -> Tracking:
    """No authentication and no personal data: state and dates, and the documents delivered
    online (kind, 文号, dates). Rate-limited per client address."""
    limiter: MovingWindowRateLimiter = request.app.state.tracking_limiter
    return PublicService(session).track(
        tracking_code=tracking_code,
        client=client_address(request),
        limiter=limiter,
        zone=settings.sla_policy.zone,
    )


@router.get("/api/v1/units", response_model=list[UnitOut], responses=responses(401), tags=["units"])
def units(caller: CurrentCaller, session: DbSession) -> list[UnitOut]:
    return PublicService(session).units(caller=caller)


@router.get(
    "/api/v1/pii-access-log",
    response_model=list[PiiAccess],
    responses=responses(401, 403, 422),
    tags=["operations"],
)
def pii_access_log(
    caller: CurrentCaller,
    session: DbSession,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    user_id: Annotated[str | None, Query(max_length=64, description="who read")] = None,
    kind: Annotated[PiiAccessKind | None, Query(description="what was read")] = None,
    since: Annotated[
        Instant | None, Query(alias="from", description="readings at or after (RFC 3339)")
    ] = None,
    until: Annotated[
        Instant | None, Query(alias="to", description="readings before (RFC 3339)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PiiAccess]:
    """Who read personal data, when, on which case, how and why (admins only), newest first;
    filtered by case, by user, by kind of reading and by period ``[from, to)``."""
    return access_log(
        session, caller, case_id, limit, user_id=user_id, kind=kind, since=since, until=until
    )


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"], responses=responses(503))
async def readyz(session: DbSession, client: Temporal, settings: AppSettings) -> dict[str, str]:
    """Ready when the database and Temporal answer and a worker polls the task queue."""
    return await PublicService(session).readiness(client=client, settings=settings)
