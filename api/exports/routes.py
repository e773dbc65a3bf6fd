"""Excel exports: thin — the list's filters or the statistics' scope in, a workbook out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from api.cases.routes import ListFilters
from api.deps import AppSettings, CurrentCaller, DbSession
from api.exports import service
from api.exports.workbooks import XLSX
from api.problems import responses
from api.stats.routes import Scope

router = APIRouter(prefix="/api/v1", tags=["exports"])
TRUNCATED = "Petitionflow-Export-Truncated"


def workbook(content: bytes, name: str, headers: dict[str, str] | None = None) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    disposition = f'attachment; filename="{name}-{stamp}.xlsx"'
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": disposition, **(headers or {})},
    )


def xlsx(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {XLSX: {}}, "description": description}}


@router.get(
    "/cases/export.xlsx",
    response_class=Response,
    responses={**xlsx(f"the cases, at most {service.MAX_EXPORT_ROWS}"), **responses(401, 422)},
    summary="The case list as an Excel workbook (the list's filters, in scope, masked)",
)
def export_cases(
    caller: CurrentCaller, session: DbSession, settings: AppSettings, filters: ListFilters
) -> Response:
    """Every page of the list the same filters give, newest first, up to the cap (the header
    ``Petitionflow-Export-Truncated: true`` and a last line say when more matched)."""
    content, truncated = service.case_list(
        session, caller=caller, filters=filters, zone=settings.sla_policy.zone
    )
    return workbook(content, "cases", {TRUNCATED: "true" if truncated else "false"})


@router.get(
    "/stats/export.xlsx",
    response_class=Response,
    responses={**xlsx("the statistics and the 考核 figures"), **responses(401, 404, 422)},
    summary="The statistics and 考核 figures of a unit subtree for a period, as a workbook",
)
def export_stats(session: DbSession, scope: Scope) -> Response:
    """What ``GET /stats`` and ``GET /stats/assessment`` answer for the same parameters: the
    workload now, the period, the 考核 figures and the ranking of units, one sheet each."""
    return workbook(service.stats(session, scope), "statistics")
