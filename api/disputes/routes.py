"""Issue 17's reads: the mediation statistics (调解, 无讼) and the risk alerts (预测预警)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, DbSession
from api.disputes import schemas as definitions
from api.disputes.mediation_stats import mediation_stats
from api.disputes.risks import list_risks
from api.disputes.schemas import MediationStats, RiskPage
from api.problems import responses
from api.stats.routes import Scope

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.get(
    "/stats/mediation",
    response_model=MediationStats,
    responses=responses(401, 404, 422),
    summary="Mediations of a unit subtree in a period: started, outcomes, the 无讼 indicator",
    description=definitions.__doc__ or "",
)
def get_mediation_stats(session: DbSession, scope: Scope) -> MediationStats:
    return mediation_stats(session, scope)


@router.get("/risks", response_model=RiskPage, responses=responses(401, 422), tags=["alerts"])
def get_risks(
    caller: CurrentCaller,
    session: DbSession,
    rule: Literal["repeat_visits", "category_surge", "skip_level", "collective"] | None = None,
    acknowledged: bool | None = None,
    unit_id: Annotated[
        str | None, Query(max_length=200, description="includes the subtree")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RiskPage:
    """The risk alerts in the caller's scope, latest first, with the rule, the figures and the
    cases behind each; acknowledge one at ``POST /alerts/{alert_id}/ack``."""
    return list_risks(
        session, caller, rule=rule, acknowledged=acknowledged, unit_id=unit_id, limit=limit
    )
