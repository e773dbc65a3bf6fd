"""The case snapshot of ``API.md``, built from the workflow's state. Pure."""

from __future__ import annotations

from datetime import datetime

from models.boundary import CaseSnapshot, CaseState, ClockView
from models.clocks import CLOCK_LABELS
from models.lifecycle import Petition
from models.vocabulary import STATE_LABELS, Role

# the petitioner: what the tracking page offers online (rating, review requests)
SNAPSHOT_ROLES = (Role.officer, Role.supervisor, Role.admin, Role.petitioner)


def build_snapshot(
    state: CaseState, now: datetime, petition: Petition | None = None, *, description: str = ""
) -> CaseSnapshot:
    """``petition``: the machine already bound to ``state.case`` (building one costs ~5 ms);
    ``description``: the text registered (the workflow's input keeps it, not its state)."""
    case, info, ledger = state.case, state.info, state.ledger
    petition = petition or Petition(case)
    zh, en = STATE_LABELS[case.state]
    return CaseSnapshot(
        **info.header(),
        case_id=info.case_id,
        tracking_code=info.tracking_code,
        description=description,
        state=case.state,
        state_label=zh,
        state_label_en=en,
        level=case.level,
        unit_id=case.unit_id,
        assignee=case.assignee,
        created_at=info.created_at,
        visit_count=state.visit_count,
        assessment=case.assessment,
        tracks=dict(case.tracks),
        deadlines=[ClockView.of(c, CLOCK_LABELS[c.name][0]) for c in ledger.clocks],
        extension_used=case.extension is not None,
        escalations=list(case.escalations),
        feedback=list(case.feedback),
        opinions=list(case.opinions),
        decline_reason=case.decline_reason,
        forwards=case.forwards,
        earlier_units=list(case.earlier_units),
        allowed_actions={r.value: petition.allowed_actions(r, at=now) for r in SNAPSHOT_ROLES},
        petitioner=info.petitioner,
        next_due_at=ledger.next_due(),
        next_warn_at=ledger.next_warn(),
        at_risk=ledger.at_risk(),
        overdue=ledger.overdue(case.suspended_from or case.state),
        event_seq=state.event_seq,
        hand_overs=list(case.hand_overs),
        standing_actions=standing_actions(petition, now),
        orders=[o.model_copy() for o in case.orders],
        leader=case.leader,
        mediation=case.mediation.shown() if case.mediation else None,
        petitioners=list(info.petitioners),
        headcount=info.headcount,
        linked_cases=list(case.linked_cases),
        merged_into=case.merged_into,
        merged_cases=list(case.merged_cases),
    )


def standing_actions(petition: Petition, now: datetime) -> dict[str, dict[str, list[str]]]:
    """While a hand-over is open: what its handing unit's and co-handlers' staff may do."""
    hand_over = petition.case.open_hand_over()
    if hand_over is None:
        return {}
    co_unit = next(iter(hand_over.open_co_units()), None)
    standings = {"handing": None, "handing_reader": None, "co_handler": co_unit}
    return {
        standing: {
            r.value: petition.allowed_actions(r, at=now, standing=standing, caller_unit_id=unit)
            for r in SNAPSHOT_ROLES
        }
        for standing, unit in standings.items()
    }
