from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import UnitRow
from models.units import UnitTreeError, parse_unit_tree
from petitionflow.cli import main
from petitionflow.unit_tree import DEMO_UNITS, import_file, import_units

TREE = """
- {id: pinghu, name: 平湖市, level: county}
- {id: pinghu.danghu, name: 当湖街道, level: town, parent: pinghu}
- {id: pinghu.danghu.dongmen, name: 东门社区, level: village, parent: pinghu.danghu}
"""


def names(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {u.id: u.name for u in session.exec(select(UnitRow)).all()}


def test_import_adds_then_updates_names_and_never_drops(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "units.yaml"
    file.write_text(TREE.replace("东门社区", "东门社区居委会"))
    assert import_file(engine, file) == (0, 1)
    file.write_text('[{"id": "pinghu.danghu.new", "name": "新社区", "level": "village", '
                    '"parent": "pinghu.danghu"}]')  # fmt: skip
    assert import_file(engine, file) == (1, 0)
    got = names(engine)
    assert got["pinghu.danghu.dongmen"] == "东门社区居委会"
    assert "pinghu.zhapu" in got  # not in the file, still there


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {id: a.b, name: X, level: town, parent: nowhere}", "parent 'nowhere' is unknown"),
        ("- {id: solo, name: X, level: town}", "only a county"),
        ("- {id: pinghu.v, name: X, level: village, parent: pinghu.danghu.dongmen}", "cannot sit"),
        ("- {id: x, name: X, level: district}", "level"),
        ("- {id: 'bad id', name: X, level: county}", "id"),
        ("{id: x}", "list"),
        ("- {id: c1, name: A, level: county}\n- {id: c1, name: B, level: county}", "twice"),
    ],
)
def test_bad_trees_are_refused_naming_the_problem(engine: Engine, text: str, message: str) -> None:
    with pytest.raises(UnitTreeError, match=message):
        import_units(engine, parse_unit_tree(text))


def test_cli_imports_the_demo_tree(engine: Engine, sqlite_url: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PETITIONFLOW_DATABASE_URL", sqlite_url)
    assert main(["units", "import", str(DEMO_UNITS)]) == 0
    assert "added" in capsys.readouterr().out
    assert names(engine)["pinghu.xindai.xinmin"] == "新民村"
    bad = DEMO_UNITS.parent / "nonexistent.yaml"
    assert main(["units", "import", str(bad)]) == 2
