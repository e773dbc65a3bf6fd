"""The unit tree in the database: importing it (adds units and updates names, never drops one)
and the one walk up (a unit's path to the root) and down (a unit's subtree)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.case import UnitRef
from models.tables import UnitRow
from models.units import UnitSpec, UnitTreeError, check_tree, load_unit_tree
from models.vocabulary import Level, UnitKind

DEMO_UNITS = Path(__file__).with_name("demo_units.yaml")
MAX_DEPTH = 20  # deeper than any administrative tree: a longer walk means a cycle


class UnknownUnitError(LookupError):
    """A unit id that is not in the tree."""


class UnitCycleError(ValueError):
    """The tree's parent links loop."""


def unit_path(session: Session, unit_id: str, *, strict: bool = False) -> list[UnitRef]:
    """The unit and its ancestors up to the root, nearest first. A missing unit ends the path
    (``strict``: raises :class:`UnknownUnitError` naming it)."""
    path: list[UnitRef] = []
    current: str | None = unit_id
    while current is not None:
        row = session.get(UnitRow, current)
        if row is None:
            if strict:
                raise UnknownUnitError(current)
            break
        path.append(UnitRef(id=row.id, level=Level(row.level), name=row.name))
        current = row.parent_id
        if len(path) > MAX_DEPTH:
            raise UnitCycleError(f"unit tree has a cycle above {unit_id!r}")
    return path


def subtree(session: Session, root: str) -> set[str]:
    """The unit and every unit below it."""
    children: dict[str | None, list[str]] = {}
    for child, parent in session.exec(select(UnitRow.id, UnitRow.parent_id)).all():
        children.setdefault(parent, []).append(child)
    found, stack = set(), [root]
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, []))
    return found


def import_units(engine: Engine, units: list[UnitSpec]) -> tuple[int, int]:
    """Returns (added, updated)."""
    added = updated = 0
    with Session(engine) as session, session.begin():
        rows = {row.id: row for row in session.exec(select(UnitRow)).all()}
        check_tree(
            units,
            {i: Level(r.level) for i, r in rows.items()},
            {i: UnitKind(r.kind) for i, r in rows.items()},
        )
        for unit in units:
            row = rows.get(unit.id)
            if row is None:
                session.add(
                    UnitRow(
                        id=unit.id,
                        name=unit.name,
                        level=unit.level,
                        parent_id=unit.parent,
                        kind=unit.kind,
                    )
                )
                session.flush()
                added += 1
                continue
            if (row.level, row.parent_id, row.kind) != (unit.level, unit.parent, unit.kind):
                raise UnitTreeError(
                    f"unit {unit.id!r}: level, parent and kind cannot change on re-import "
                    f"(now {row.kind} {row.level} under {row.parent_id})"
                )
            if row.name != unit.name:
                row.name = unit.name
                updated += 1
    return added, updated


def import_file(engine: Engine, path: Path) -> tuple[int, int]:
    return import_units(engine, load_unit_tree(path))
