"""The unit tree file (``API.md`` › Command line): a list of units, parents before children."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.vocabulary import Level, UnitKind


class UnitTreeError(ValueError):
    """A unit tree file that cannot be imported; the message names the unit and the problem."""


class UnitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=200)
    level: Level
    parent: str | None = None
    kind: UnitKind = UnitKind.area


def parse_unit_tree(text: str, *, source: str = "<units>") -> list[UnitSpec]:
    try:
        raw = json.loads(text) if text.lstrip().startswith("[") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UnitTreeError(f"{source}: not valid YAML or JSON: {exc}") from None
    if not isinstance(raw, list):
        raise UnitTreeError(f"{source}: expected a list of units")
    units: list[UnitSpec] = []
    for i, item in enumerate(raw, start=1):
        try:
            units.append(UnitSpec.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise UnitTreeError(f"{source}: unit #{i} {where}: {err['msg']}") from None
    return units


def check_tree(
    units: list[UnitSpec],
    existing: dict[str, Level],
    kinds: dict[str, UnitKind] | None = None,
) -> None:
    """Parents come before children (or exist already) and sit at a higher level; a department
    sits under an area unit, at its level or below, and has no units under it (escalation
    follows the area chain, so it never reaches a department). ``kinds``: of ``existing``."""
    known = dict(existing)
    known_kinds = dict(kinds or {})
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            raise UnitTreeError(f"unit {unit.id!r} is listed twice")
        seen.add(unit.id)
        parent_kind = known_kinds.get(unit.parent or "", UnitKind.area)
        if unit.parent is not None and parent_kind is UnitKind.department:
            raise UnitTreeError(f"unit {unit.id!r}: no unit may sit under a department")
        if unit.kind is UnitKind.department:
            if unit.parent is None or unit.parent not in known:
                raise UnitTreeError(
                    f"unit {unit.id!r}: a department needs a parent area unit listed before it"
                )
            if known[unit.parent].rank < unit.level.rank:
                raise UnitTreeError(
                    f"unit {unit.id!r}: a {unit.level.value} department cannot sit under a "
                    f"{known[unit.parent].value}"
                )
            known[unit.id], known_kinds[unit.id] = unit.level, unit.kind
            continue
        if unit.parent is None:
            if unit.level.rank < Level.county.rank:
                raise UnitTreeError(
                    f"unit {unit.id!r}: only a county or a unit above one may have no parent"
                )
        elif unit.parent not in known:
            raise UnitTreeError(
                f"unit {unit.id!r}: parent {unit.parent!r} is unknown (list parents first)"
            )
        elif known[unit.parent].rank <= unit.level.rank:
            raise UnitTreeError(
                f"unit {unit.id!r}: a {unit.level.value} cannot sit under a "
                f"{known[unit.parent].value}"
            )
        known[unit.id], known_kinds[unit.id] = unit.level, unit.kind


def load_unit_tree(path: Path) -> list[UnitSpec]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnitTreeError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_unit_tree(text, source=str(path))
