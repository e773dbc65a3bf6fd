"""调解 statistics on the timeline: the mediation events of a period, by the unit that mediated
(their ``mediation_unit_id`` param; see ``api/disputes/schemas.py`` for the definitions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from api.disputes.schemas import MediationFigures, MediationStats
from api.stats.queries import StatsScope
from models.tables import CaseEventRow, UnitRow

EVENTS = ("start_mediation", "close_mediation")


def mediation_stats(session: Session, scope: StatsScope) -> MediationStats:
    rows = session.exec(
        select(CaseEventRow.action, CaseEventRow.params).where(
            col(CaseEventRow.action).in_(EVENTS),
            col(CaseEventRow.at) >= scope.starts_at,
            col(CaseEventRow.at) < scope.ends_at,
        )
    ).all()
    by_unit: dict[str, MediationFigures] = {}
    total = MediationFigures(unit_id=scope.unit_id, unit_name=scope.unit_name)
    for action, params in rows:
        unit_id = str(params.get("mediation_unit_id", ""))
        if unit_id not in scope.units:
            continue
        unit = by_unit.setdefault(unit_id, MediationFigures(unit_id=unit_id))
        for figures in (unit, total):
            _count(figures, action, params)
    names = dict(
        session.exec(select(UnitRow.id, UnitRow.name).where(col(UnitRow.id).in_(by_unit))).all()
    )
    units = sorted(by_unit.values(), key=lambda f: f.unit_id)
    for figures in [total, *units]:
        figures.unit_name = figures.unit_name or names.get(figures.unit_id, "")
        _rates(figures)
    return MediationStats(
        unit_id=scope.unit_id,
        unit_name=scope.unit_name,
        starts_at=scope.starts_at,
        ends_at=scope.ends_at,
        total=total,
        units=units,
    )


def _count(figures: MediationFigures, action: str, params: Mapping[str, Any]) -> None:
    if action == "start_mediation":
        figures.started += 1
        return
    figures.closed += 1
    outcome = params.get("outcome")
    if outcome == "agreement":
        figures.agreements += 1
    elif outcome == "failed":
        figures.failed += 1
        referral = str(params.get("referral"))
        if referral in figures.referrals:
            figures.referrals[referral] += 1
    else:
        figures.withdrawn += 1


def _rates(figures: MediationFigures) -> None:
    figures.without_litigation = figures.closed - figures.referrals["litigation"]
    if figures.closed:
        figures.success_rate = round(figures.agreements / figures.closed, 4)
        figures.without_litigation_rate = round(figures.without_litigation / figures.closed, 4)
