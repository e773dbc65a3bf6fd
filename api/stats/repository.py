"""The statistics' reads: the unit asked for and the units counted (the caller's scope), and the
figures — the workload and the period, computed in SQL on the projection."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.auth import Caller
from api.problems import ProblemError
from api.stats.period import PeriodQueries
from api.stats.queries import StatsScope
from api.stats.schemas import Stats
from api.stats.workload import WorkloadQueries
from models.messages import Message
from models.tables import UnitRow
from petitionflow.unit_tree import subtree

NOT_FOUND = Message("单位不存在或不在您的范围内", "no such unit in your scope")


def scoped_units(session: Session, caller: Caller, unit_id: str) -> tuple[UnitRow, frozenset[str]]:
    """The unit asked for and the units counted: its subtree, less what the caller may not see
    (an officer of a town sees the town's own cases, not its villages')."""
    unit = session.get(UnitRow, unit_id)
    if unit is None or not caller.sees(unit_id):
        raise ProblemError(404, NOT_FOUND)
    units = subtree(session, unit_id)
    if caller.units is not None:
        units &= caller.units
    return unit, frozenset(units)


def compute_stats(session: Session, scope: StatsScope) -> Stats:
    """Four statements: the open cases (one pass, grouped by unit, state and level), the intake
    and the period's events (``PeriodQueries``)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # For this transaction only: the period's sorts and hashes (a hundred thousand rows at
        # a million cases) fit in memory instead of spilling, and no statement pays for JIT
        # compilation, which costs more than it saves at these sizes.
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")
    return Stats(
        unit_id=scope.unit_id,
        unit_name=scope.unit_name,
        generated_at=scope.now,
        timezone=scope.zone.key,
        workload=WorkloadQueries(conn, scope).workload(),
        period=PeriodQueries(conn, scope).period(),
    )


def ranked_units(session: Session, scope: StatsScope) -> dict[str, tuple[str, str, frozenset[str]]]:
    """The units a ranking compares: those directly below the unit asked for that the caller
    sees, each with its subtree (within the scope); the unit itself when none is below."""
    children = session.exec(
        select(UnitRow).where(UnitRow.parent_id == scope.unit_id).order_by(col(UnitRow.id))
    ).all()
    groups = {
        child.id: (child.name, child.level, frozenset(subtree(session, child.id) & scope.units))
        for child in children
        if child.id in scope.units
    }
    if groups:
        return groups
    unit = session.get(UnitRow, scope.unit_id)
    assert unit is not None  # resolved by scoped_units
    return {unit.id: (unit.name, unit.level, scope.units)}
