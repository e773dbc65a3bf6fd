"""Tracking for petitioners, the unit tree, and health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import text
from sqlmodel import col, select

from api.auth import subtree
from api.deps import CurrentCaller, DbSession, Temporal
from api.problems import ProblemError, responses
from api.schemas import Tracking, UnitOut
from models.tables import CaseRow, UnitRow
from models.vocabulary import STATE_LABELS, Level

router = APIRouter()


@router.get(
    "/api/v1/track/{tracking_code}",
    response_model=Tracking,
    responses=responses(404),
    tags=["public"],
)
def track(tracking_code: Annotated[str, Path(max_length=64)], session: DbSession) -> Tracking:
    """No authentication and no personal data: state and dates only."""
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


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"], responses=responses(503))
async def readyz(session: DbSession, client: Temporal) -> dict[str, str]:
    problems = []
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception as exc:
        problems.append(f"database: {type(exc).__name__}")
    try:
        await client.service_client.check_health(
            timeout=__import__("datetime").timedelta(seconds=3)
        )
    except Exception as exc:
        problems.append(f"temporal: {type(exc).__name__}")
    if problems:
        raise ProblemError(503, "; ".join(problems), headers={"Retry-After": "5"})
    return {"status": "ready"}
