"""The hand-over tasks (交办/会办) of a case in the projection: one row per task clock, written
with the case row from the snapshot (idempotent: a row per task id, updated in place)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models.boundary import CaseSnapshot
from models.tables import CaseTaskRow


def write_case_tasks(session: Session, snap: CaseSnapshot) -> None:
    """The rows of every task the snapshot knows, as of the snapshot (the newest one only)."""
    if not snap.hand_overs:
        return
    clocks = {c.id: c for c in snap.deadlines}
    rows = {
        r.task_id: r
        for r in session.exec(select(CaseTaskRow).where(CaseTaskRow.case_id == snap.case_id))
    }
    for hand_over in snap.hand_overs:
        lead_open = hand_over.status == "open"
        tasks: list[tuple[str, str, str, bool, datetime | None]] = [
            ("lead", hand_over.clock_id, hand_over.lead.id, lead_open, None)
        ]
        tasks += [("co", t.clock_id, t.unit.id, t.open, t.reported_at) for t in hand_over.co_tasks]
        for role, clock_id, unit_id, task_open, reported_at in tasks:
            clock = clocks.get(clock_id)
            if clock is None:
                continue
            running = hand_over.status == "open" and task_open
            status = "open" if running else _ended(hand_over.status, role, task_open)
            values: dict[str, Any] = {
                "hand_over": hand_over.number,
                "role": role,
                "unit_id": unit_id,
                "handing_unit_id": hand_over.handing_unit.id,
                "started_at": clock.started_at,
                "due_at": clock.due_at,
                "status": status,
                "late": clock.status == "breached",
                "ended_at": None if running else (reported_at or hand_over.ended_at),
            }
            row = rows.get(clock_id)
            if row is None:
                session.add(CaseTaskRow(case_id=snap.case_id, task_id=clock_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)


def _ended(status: str, role: str, task_open: bool) -> str:
    """How a task no longer open ended: reported (co) or replied (lead) is ``done``; otherwise
    as its hand-over ended (taken back, or the case closed)."""
    if role == "co" and not task_open:
        return "done"
    return status if status != "open" else "done"
