"""预测预警 on the projection: after a case's batch of events is written, the risk rules that
batch can make true are evaluated (``models/risk.py``) and each finding becomes a ``risk`` alert.

Continuous without a scan: every rule can only become true when a petition arrives (a
registration or a repeat visit), so that is when it is evaluated. Idempotent: figures are counted
as of the triggering event's time, and an alert is kept per rule and subject — an open one takes
the new figures, an acknowledged one is raised again only when new cases stand behind it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from models.alerts import ALERT_KINDS
from models.boundary import AlertInput, CaseEvent, CaseSnapshot
from models.risk import (
    RISK_RULE_LABELS,
    RiskFinding,
    RiskPolicy,
    category_surge,
    repeat_visits,
)
from models.tables import (
    AlertRow,
    CaseEventRow,
    CasePetitionerRow,
    CaseRow,
    RiskAlertRow,
    UnitRow,
)
from models.vocabulary import LEVEL_LABELS, Level

TRIGGERS = frozenset({"register", "visit"})


class RiskEvaluator:
    def __init__(self, policy: Callable[[], RiskPolicy]) -> None:
        self._policy = policy

    def findings(
        self, session: Session, snapshot: CaseSnapshot, events: list[CaseEvent]
    ) -> list[RiskFinding]:
        """What the rules find after ``events`` of one case were written."""
        triggers = [e for e in events if e.action in TRIGGERS]
        if not triggers:
            return []
        policy, found = self._policy(), []
        at = triggers[-1].at
        for key in _petitioner_keys(session, snapshot.case_id):  # each person of a 集体访
            found.append(self._repeat_visits(session, key, snapshot, at, policy))
        for event in triggers:
            if event.action == "register":
                found.append(self._surge(session, snapshot, at, policy))
                if policy.collective and snapshot.severity == "group":
                    figures = {
                        "severity": "group",
                        "headcount": snapshot.headcount,  # 集体访: how many came
                        "petitioners": max(len(snapshot.petitioners), 1),  # registered by name
                    }
                    found.append(_case_finding("collective", snapshot, figures))
            elif policy.skip_level:
                found.append(self._skip_level(session, snapshot, event))
        return [f for f in found if f is not None]

    @staticmethod
    def _repeat_visits(
        session: Session, key: str, snapshot: CaseSnapshot, at: datetime, policy: RiskPolicy
    ) -> RiskFinding | None:
        since = at - policy.repeat_window.approximate()
        # the person's cases: as a petitioner of any of them (case_petitioners, since 0021),
        # or as the single petitioner the case row keeps (cases registered before it)
        # (one IN over the union of two index lookups: an OR of the two would scan every case)
        theirs = col(CaseRow.case_id).in_(
            union(
                select(CaseRow.case_id).where(CaseRow.petitioner_key == key),
                select(CasePetitionerRow.case_id).where(CasePetitionerRow.petitioner_key == key),
            )
        )
        registered = session.exec(
            select(CaseRow.case_id, CaseRow.created_at).where(
                theirs,
                col(CaseRow.created_at) > since,
                col(CaseRow.created_at) <= at,
            )
        ).all()
        repeated = session.exec(
            select(CaseEventRow.case_id, CaseEventRow.seq, CaseEventRow.at)
            .join(CaseRow, col(CaseRow.case_id) == col(CaseEventRow.case_id))
            .where(
                theirs,
                CaseEventRow.action == "visit",
                col(CaseEventRow.at) > since,
                col(CaseEventRow.at) <= at,
            )
        ).all()
        came = _visits_of(session, key, {c for c, _, _ in repeated})
        visits = [*registered, *((c, t) for c, seq, t in repeated if came(c, seq))]
        # the subject is the keyed hash itself hashed again: not even the person key is shown
        subject = "petitioner:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        return repeat_visits(visits, subject=subject, unit_id=snapshot.unit_id, policy=policy)

    @staticmethod
    def _surge(
        session: Session, snapshot: CaseSnapshot, at: datetime, policy: RiskPolicy
    ) -> RiskFinding | None:
        window_start = at - policy.surge_window.approximate()
        baseline_start = window_start - policy.surge_baseline.approximate()
        same = (CaseRow.unit_id == snapshot.unit_id, CaseRow.category == snapshot.category)
        recent = session.exec(
            select(CaseRow.case_id)
            .where(*same, col(CaseRow.created_at) > window_start, col(CaseRow.created_at) <= at)
            .order_by(col(CaseRow.created_at), col(CaseRow.case_id))
        ).all()
        baseline = session.exec(
            select(func.count())
            .select_from(CaseRow)
            .where(
                *same,
                col(CaseRow.created_at) > baseline_start,
                col(CaseRow.created_at) <= window_start,
            )
        ).one()
        return category_surge(
            list(recent),
            int(baseline),
            unit_id=snapshot.unit_id,
            category=snapshot.category,
            policy=policy,
        )

    @staticmethod
    def _skip_level(
        session: Session, snapshot: CaseSnapshot, event: CaseEvent
    ) -> RiskFinding | None:
        """越级访: a repeat visit received at a unit above the level the open case is at."""
        received = session.get(UnitRow, str(event.params.get("received_unit_id", "")))
        if received is None or Level(received.level).rank <= snapshot.level.rank:
            return None
        return _case_finding(
            "skip_level",
            snapshot,
            {
                "received_unit_id": received.id,
                "received_level": received.level,
                "received_level_label": LEVEL_LABELS[Level(received.level)][0],
                "case_level": snapshot.level.value,
                "case_level_label": LEVEL_LABELS[snapshot.level][0],
            },
        )

    # -- storing: one alert per rule and subject ---------------------------------------------
    @staticmethod
    def store(session: Session, finding: RiskFinding, at: datetime) -> AlertInput | None:
        """Keep ``finding`` as an alert; the alert to send when it is new (None: it updated an
        open one, or an acknowledged one already covers its cases)."""
        digest = hashlib.sha256(f"{finding.rule}|{finding.subject}".encode()).hexdigest()[:16]
        rows = session.exec(
            select(RiskAlertRow, AlertRow)
            .join(AlertRow, col(AlertRow.alert_id) == col(RiskAlertRow.alert_id))
            .where(RiskAlertRow.rule == finding.rule, RiskAlertRow.subject == finding.subject)
            .order_by(col(AlertRow.occurrence).desc())
        ).all()
        latest = rows[0] if rows else None
        if latest is not None:
            risk, alert = latest
            if alert.acknowledged_at is None:
                if risk.figures != finding.figures or risk.case_ids != finding.case_ids:
                    risk.figures, risk.case_ids, risk.updated_at = (
                        finding.figures,
                        finding.case_ids,
                        max(at, risk.updated_at),
                    )
                    alert.message = finding.message()
                    session.add_all([risk, alert])
                # not sent yet (a retry after the store): send it again, the sending is once
                return _input_of(alert) if alert.notifications == 0 else None
            if set(finding.case_ids) <= {c for r, _ in rows for c in r.case_ids}:
                return None  # acknowledged, and nothing new behind it
        occurrence = 1 + (latest[1].occurrence if latest else 0)
        unit = session.get(UnitRow, finding.unit_id)
        alert_input = AlertInput(
            alert_id=f"risk.{finding.rule}.{digest}.{occurrence}",
            case_id=finding.case_ids[-1],
            clock_id=None,
            kind="risk",
            occurrence=occurrence,
            unit_id=finding.unit_id,
            level=Level(unit.level) if unit else Level.village,
            title=RISK_RULE_LABELS[finding.rule][0],
            message=finding.message(),
            due_at=None,
            at=at,
        )
        session.add(
            RiskAlertRow(
                alert_id=alert_input.alert_id,
                rule=finding.rule,
                subject=finding.subject,
                unit_id=finding.unit_id,
                figures=finding.figures,
                case_ids=finding.case_ids,
                created_at=at,
                updated_at=at,
            )
        )
        session.add(
            AlertRow(
                alert_id=alert_input.alert_id,
                case_id=alert_input.case_id,
                clock_id=None,
                kind="risk",
                occurrence=occurrence,
                unit_id=alert_input.unit_id,
                level=alert_input.level,
                title=alert_input.title,
                message=alert_input.message,
                created_at=at,
            )
        )
        assert not ALERT_KINDS["risk"].renotifies  # sent once, acknowledged on the list
        return alert_input


def _petitioner_keys(session: Session, case_id: str) -> list[str]:
    """The keyed hashes of the case's petitioners (every one of a collective petition), the case
    row's own first (the only one a case registered before 0021 has)."""
    own = session.exec(select(CaseRow.petitioner_key).where(CaseRow.case_id == case_id)).first()
    rows = session.exec(
        select(CasePetitionerRow.petitioner_key).where(CasePetitionerRow.case_id == case_id)
    ).all()
    return [k for k in dict.fromkeys([own or "", *rows]) if k]


def _visits_of(session: Session, key: str, case_ids: set[str]) -> Callable[[str, int], bool]:
    """Whether the person came on a repeat visit of a case: a collective petition's snapshot
    lists each petitioner's visits (their entry's event numbers); a case without entries (one
    registered before 0021) counts every visit as theirs."""
    if not case_ids:
        return lambda case_id, seq: False
    refs = dict(
        session.exec(
            select(CasePetitionerRow.case_id, CasePetitionerRow.person_ref).where(
                CasePetitionerRow.petitioner_key == key,
                col(CasePetitionerRow.case_id).in_(case_ids),
            )
        ).all()
    )
    snapshots = session.exec(
        select(CaseRow.case_id, CaseRow.snapshot).where(col(CaseRow.case_id).in_(case_ids))
    ).all()
    entries = {case_id: snap.get("petitioners") or [] for case_id, snap in snapshots}

    def came(case_id: str, seq: int) -> bool:
        listed = entries.get(case_id) or []
        if not listed or case_id not in refs:
            return True
        return any(e.get("ref") == refs[case_id] and seq in e.get("visits", []) for e in listed)

    return came


def _case_finding(rule: str, snapshot: CaseSnapshot, figures: dict[str, object]) -> RiskFinding:
    return RiskFinding(
        rule,  # type: ignore[arg-type]
        f"case:{snapshot.case_id}",
        snapshot.unit_id,
        [snapshot.case_id],
        dict(figures),
    )


def _input_of(row: AlertRow) -> AlertInput:
    return AlertInput(
        alert_id=row.alert_id,
        case_id=row.case_id,
        clock_id=None,
        kind="risk",
        occurrence=row.occurrence,
        unit_id=row.unit_id,
        level=Level(row.level),
        title=row.title,
        message=row.message,
        due_at=None,
        at=row.created_at,
    )
