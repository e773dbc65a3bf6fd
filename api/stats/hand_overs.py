"""交办/会办 in the statistics: per unit that was given a task (lead or co-handler) in the
period, how many, how many done and done in time, how many late (their clock breached) and how
many are overdue now — for departments as for area units. Read from ``case_tasks``."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.stats.queries import StatsScope
from models.tables import CaseTaskRow, UnitRow


class TaskFigures(BaseModel):
    unit_id: str
    unit_name: str
    kind: str = Field(description="area | department")
    lead: int = Field(description="tasks as the lead unit (交办) started in the period")
    co: int = Field(description="tasks as a co-handler (会办) started in the period")
    open: int = Field(description="of those, still open now")
    done: int = Field(description="of those, done (reported; the lead's reply)")
    done_on_time: int = Field(description="done before their deadline")
    on_time_rate: float | None = Field(description="done_on_time / done")
    late: int = Field(description="whose deadline breached (open or not)")
    overdue: int = Field(description="open now and past their deadline")


class HandOverStats(BaseModel):
    """``GET /api/v1/stats/hand-overs``: one unit subtree, one period."""

    unit_id: str
    unit_name: str
    starts_at: datetime
    ends_at: datetime
    hand_overs: int = Field(description="hand-overs made by units of the subtree in the period")
    taken_back: int = Field(description="of those, taken back by the handing unit")
    units: list[TaskFigures] = Field(description="per unit given a task, in unit id order")


def hand_over_stats(session: Session, scope: StatsScope) -> HandOverStats:
    units = sorted(scope.units)
    rows = session.exec(
        select(CaseTaskRow).where(
            col(CaseTaskRow.started_at) >= scope.starts_at,
            col(CaseTaskRow.started_at) < scope.ends_at,
            col(CaseTaskRow.unit_id).in_(units) | col(CaseTaskRow.handing_unit_id).in_(units),
        )
    ).all()
    by_unit: dict[str, list[CaseTaskRow]] = {}
    for row in rows:
        if row.unit_id in scope.units:
            by_unit.setdefault(row.unit_id, []).append(row)
    named = {
        u.id: u
        for u in session.exec(select(UnitRow).where(col(UnitRow.id).in_(list(by_unit)))).all()
    }
    made = {(r.case_id, r.hand_over): r for r in rows if r.role == "lead"}
    made = {k: r for k, r in made.items() if r.handing_unit_id in scope.units}
    return HandOverStats(
        unit_id=scope.unit_id,
        unit_name=scope.unit_name,
        starts_at=scope.starts_at,
        ends_at=scope.ends_at,
        hand_overs=len(made),
        taken_back=sum(r.status == "taken_back" for r in made.values()),
        units=[
            _figures(unit_id, named.get(unit_id), tasks, scope.now)
            for unit_id, tasks in sorted(by_unit.items())
        ],
    )


def _figures(
    unit_id: str, unit: UnitRow | None, tasks: list[CaseTaskRow], now: datetime
) -> TaskFigures:
    done = [t for t in tasks if t.status == "done"]
    on_time = sum(not t.late for t in done)
    return TaskFigures(
        unit_id=unit_id,
        unit_name=unit.name if unit else unit_id,
        kind=unit.kind if unit else "area",
        lead=sum(t.role == "lead" for t in tasks),
        co=sum(t.role == "co" for t in tasks),
        open=sum(t.status == "open" for t in tasks),
        done=len(done),
        done_on_time=on_time,
        on_time_rate=round(on_time / len(done), 4) if done else None,
        late=sum(t.late for t in tasks),
        overdue=sum(t.status == "open" and _aware(t.due_at) <= now for t in tasks),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
