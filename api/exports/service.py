"""What an export holds: the case list's rows (its filters, in scope, every page up to a cap),
or the statistics and the 考核 figures of a subtree and period."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from api import pii
from api.auth import Caller
from api.cases.repository import CaseRepository
from api.cases.schemas import CaseFilters
from api.exports import workbooks
from api.stats.queries import StatsScope
from api.stats.service import assessment, statistics
from models.tables import UnitRow
from models.vocabulary import PiiAccessKind

MAX_EXPORT_ROWS = 10_000  # a workbook a clerk can still open; narrow the filters for more


def unit_names(session: Session) -> dict[str, str]:
    return {unit.id: unit.name for unit in session.exec(select(UnitRow)).all()}


def case_list(
    session: Session, *, caller: Caller, filters: CaseFilters, zone: ZoneInfo
) -> tuple[bytes, bool]:
    """The workbook of the list, and whether more cases matched than the cap."""
    rows = CaseRepository(session).list_cases(caller, replace(filters, limit=MAX_EXPORT_ROWS))
    truncated = len(rows) > MAX_EXPORT_ROWS
    # The rows carry the petitioners' (masked) names, ID numbers and phones: on record.
    exported = [row.case_id for row in rows[:MAX_EXPORT_ROWS]]
    pii.record_accesses(
        session, caller, exported, PiiAccessKind.export, f"导出案件列表（{len(exported)} 件）"
    )
    book = workbooks.case_list(
        rows[:MAX_EXPORT_ROWS],
        unit_names=unit_names(session),
        zone=zone,
        truncated=MAX_EXPORT_ROWS if truncated else None,
    )
    return book, truncated


def stats(session: Session, scope: StatsScope) -> bytes:
    return workbooks.statistics(
        statistics(session, scope),
        assessment(session, scope),
        unit_names=unit_names(session),
        zone=scope.zone,
    )
