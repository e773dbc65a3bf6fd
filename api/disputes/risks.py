"""The risk alerts (预测预警) a caller sees, with what each rule found."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.auth import Caller, scoped
from api.disputes.schemas import RiskOut, RiskPage
from models.risk import RISK_RULE_LABELS
from models.tables import AlertRow, CaseUnitRow, RiskAlertRow
from petitionflow.unit_tree import subtree


def list_risks(
    session: Session,
    caller: Caller,
    *,
    rule: str | None,
    acknowledged: bool | None,
    unit_id: str | None,
    limit: int,
) -> RiskPage:
    query = scoped(
        select(RiskAlertRow, AlertRow).join(
            AlertRow, col(AlertRow.alert_id) == col(RiskAlertRow.alert_id)
        ),
        AlertRow.unit_id,
        caller,
    )
    if unit_id:
        query = query.where(col(AlertRow.unit_id).in_(subtree(session, unit_id)))
    if rule:
        query = query.where(RiskAlertRow.rule == rule)
    if acknowledged is not None:
        ack = col(AlertRow.acknowledged_at).is_not(None)
        query = query.where(ack if acknowledged else ~ack)
    query = query.order_by(col(RiskAlertRow.updated_at).desc(), col(RiskAlertRow.alert_id))
    rows = session.exec(query.limit(limit)).all()
    readable = _readable(session, caller, {c for risk, _ in rows for c in risk.case_ids})
    return RiskPage(
        items=[
            RiskOut(
                alert_id=risk.alert_id,
                rule=risk.rule,
                rule_label=RISK_RULE_LABELS[risk.rule][0],
                rule_label_en=RISK_RULE_LABELS[risk.rule][1],
                subject=risk.subject,
                unit_id=alert.unit_id,
                message=alert.message,
                figures=risk.figures,
                case_ids=[c for c in risk.case_ids if c in readable],
                created_at=risk.created_at,
                updated_at=risk.updated_at,
                acknowledged_at=alert.acknowledged_at,
                acknowledged_by=alert.acknowledged_by,
            )
            for risk, alert in rows
        ]
    )


def _readable(session: Session, caller: Caller, case_ids: set[str]) -> set[str]:
    """The cases the caller may read (a case outside the scope is not revealed)."""
    if caller.units is None or not case_ids:
        return case_ids
    query = select(CaseUnitRow.case_id).where(col(CaseUnitRow.case_id).in_(case_ids))
    return set(session.exec(scoped(query, CaseUnitRow.unit_id, caller)).all())
