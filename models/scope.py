"""Who sees which cases: admins all, supervisors their unit's subtree, officers their own unit.

The rule in its two forms, side by side: against the case's live unit path (the workflow's check)
and as the set of units a caller reaches (the projection's filter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from models.case import UnitRef


def sees(role: str, caller_unit_id: str | None, unit_path: list[UnitRef]) -> bool:
    """Whether a caller may see a case whose responsible unit and its ancestors are
    ``unit_path`` (nearest first)."""
    if caller_unit_id is None or role == "admin":
        return True
    if role == "supervisor":
        return any(unit.id == caller_unit_id for unit in unit_path)
    return bool(unit_path) and unit_path[0].id == caller_unit_id


def visible_units(
    role: str, unit_id: str, subtree: Callable[[str], Iterable[str]]
) -> frozenset[str] | None:
    """The units whose cases the caller sees; ``None`` means every unit."""
    if role == "admin":
        return None
    if role == "supervisor":
        return frozenset(subtree(unit_id))
    return frozenset({unit_id})
