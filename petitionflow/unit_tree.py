"""Importing the unit tree into the database: adds units and updates names, never drops one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import UnitRow
from models.units import UnitSpec, UnitTreeError, check_tree, load_unit_tree
from models.vocabulary import Level

DEMO_UNITS = Path(__file__).with_name("demo_units.yaml")


def import_units(engine: Engine, units: list[UnitSpec]) -> tuple[int, int]:
    """Returns (added, updated)."""
    added = updated = 0
    with Session(engine) as session, session.begin():
        rows = {row.id: row for row in session.exec(select(UnitRow)).all()}
        check_tree(units, {i: Level(r.level) for i, r in rows.items()})
        for unit in units:
            row = rows.get(unit.id)
            if row is None:
                session.add(
                    UnitRow(id=unit.id, name=unit.name, level=unit.level, parent_id=unit.parent)
                )
                session.flush()
                added += 1
                continue
            if (row.level, row.parent_id) != (unit.level, unit.parent):
                raise UnitTreeError(
                    f"unit {unit.id!r}: level and parent cannot change on re-import "
                    f"(now {row.level} under {row.parent_id})"
                )
            if row.name != unit.name:
                row.name = unit.name
                updated += 1
    return added, updated


def import_file(engine: Engine, path: Path) -> tuple[int, int]:
    return import_units(engine, load_unit_tree(path))
