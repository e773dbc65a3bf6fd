"""Tracking for petitioners, the unit tree, and health."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import text
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from api.auth import subtree
from api.deps import CurrentCaller, DbSession, Temporal
from api.pii import PiiAccess, access_log
from api.problems import ProblemError, responses
from api.schemas import Tracking, UnitOut
from models.tables import CaseRow, UnitRow
from models.vocabulary import STATE_LABELS, Level

router = APIRouter()


# Tracking codes are unguessable; the limit makes trying many of them pointless too.
TRACKING_LIMIT = parse_limit("30/minute")


def tracking_limiter() -> MovingWindowRateLimiter:
    """Per process (one per app): behind several replicas the limit is per replica."""
    return MovingWindowRateLimiter(MemoryStorage())


@router.get(
    "/api/v1/track/{tracking_code}",
    response_model=Tracking,
    responses=responses(404, 429),
    tags=["public"],
)
def track(
    tracking_code: Annotated[str, Path(max_length=64)], session: DbSession, request: Request
) -> Tracking:
    """No authentication and no personal data: state and dates only. Rate-limited per client
    address."""
    client = request.client.host if request.client else "unknown"
    limiter: MovingWindowRateLimiter = request.app.state.tracking_limiter
    if not limiter.hit(TRACKING_LIMIT, "track", client):
        reset = limiter.get_window_stats(TRACKING_LIMIT, "track", client).reset_time
        raise ProblemError(
            429,
            "查询过于频繁，请稍后再试 / too many requests",
            headers={"Retry-After": str(max(1, int(reset - time.time())))},
        )
    row = session.exec(select(CaseRow).where(CaseRow.tracking_code == tracking_code)).first()
    if row is None:
        raise ProblemError(404, "查询码无效 / unknown tracking code")
    return Tracking(
        tracking_code=row.tracking_code,
        state=row.state,
        state_label=STATE_LABELS[row.state][0],
        created_at=row.created_at,
        updated_at=row.updated_at,
        next_due_at=row.next_due_at,
    )


@router.get("/api/v1/units", response_model=list[UnitOut], responses=responses(401), tags=["units"])
def units(caller: CurrentCaller, session: DbSession) -> list[UnitOut]:
    query = select(UnitRow).order_by(col(UnitRow.id))
    if caller.units is not None:
        query = query.where(col(UnitRow.id).in_(subtree(session, caller.unit_id)))
    return [
        UnitOut(id=u.id, name=u.name, level=Level(u.level), parent=u.parent_id)
        for u in session.exec(query).all()
    ]


@router.get(
    "/api/v1/pii-access-log",
    response_model=list[PiiAccess],
    responses=responses(401, 403),
    tags=["operations"],
)
def pii_access_log(
    caller: CurrentCaller,
    session: DbSession,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PiiAccess]:
    """Who read unmasked personal data, when, on which case and why (admins only)."""
    return access_log(session, caller, case_id, limit)


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"], responses=responses(503))
async def readyz(session: DbSession, client: Temporal) -> dict[str, str]:
    problems = []
    try:
        await run_in_threadpool(session.exec, text("SELECT 1"))  # type: ignore[arg-type]
    except Exception as exc:
        problems.append(f"database: {type(exc).__name__}")
    try:
        await client.service_client.check_health(timeout=timedelta(seconds=3))
    except Exception as exc:
        problems.append(f"temporal: {type(exc).__name__}")
    if problems:
        raise ProblemError(503, "; ".join(problems), headers={"Retry-After": "5"})
    return {"status": "ready"}
