"""Departments in the unit tree: under an area unit at its level, nothing under them, listed
with their kind, and their kind fixed once imported."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.tables import UnitRow
from models.units import UnitTreeError, parse_unit_tree
from petitionflow.unit_tree import DEMO_UNITS, import_file, import_units, unit_path

DEPARTMENTS = """
- {id: pinghu.zjj, name: 住建局, level: county, kind: department, parent: pinghu}
- {id: pinghu.rsj, name: 人社局, level: county, kind: department, parent: pinghu}
"""


def add_departments(engine: Engine) -> None:
    """The county's 住建局 and 人社局 (the shared test tree has area units only)."""
    import_units(engine, parse_unit_tree(DEPARTMENTS))


def test_the_demo_tree_has_county_departments(engine: Engine) -> None:
    import_file(engine, DEMO_UNITS)
    with Session(engine) as session:
        zjj = session.get(UnitRow, "pinghu.zjj")
        assert zjj is not None and (zjj.kind, zjj.level, zjj.parent_id) == (
            "department",
            "county",
            "pinghu",
        )
        # its path climbs the area chain: nothing escalates into a department
        assert [u.id for u in unit_path(session, "pinghu.zjj")] == ["pinghu.zjj", "pinghu"]
        assert session.get(UnitRow, "pinghu.danghu").kind == "area"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- {id: pinghu.zjj.x, name: X, level: county, kind: department, parent: pinghu.zjj}",
            "under a department",
        ),
        (
            "- {id: pinghu.zjj.v, name: X, level: village, parent: pinghu.zjj}",
            "under a department",
        ),
        ("- {id: lone, name: X, level: county, kind: department}", "needs a parent"),
        (
            "- {id: pinghu.danghu.big, name: X, level: county, kind: department, "
            "parent: pinghu.danghu}",
            "cannot sit under",
        ),
        ("- {id: pinghu.zjj, name: 住建局, level: county, parent: pinghu}", "cannot sit under"),
        (
            "- {id: pinghu.zjj, name: 住建局, level: town, kind: department, parent: pinghu}",
            "kind cannot change",
        ),
        ("- {id: pinghu.x, name: X, level: county, kind: bureau, parent: pinghu}", "kind"),
    ],
)
def test_bad_departments_are_refused(engine: Engine, text: str, message: str) -> None:
    add_departments(engine)
    with pytest.raises(UnitTreeError, match=message):
        import_units(engine, parse_unit_tree(text))


def test_a_town_may_have_departments_of_its_own(engine: Engine) -> None:
    text = "- {id: pinghu.danghu.zfb, name: 综合执法办, level: town, kind: department, parent: pinghu.danghu}"  # noqa: E501
    assert import_units(engine, parse_unit_tree(text)) == (1, 0)
