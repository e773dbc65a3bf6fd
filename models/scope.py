"""Who sees which cases: admins all, supervisors their unit's subtree, officers their own unit.

The rule in its two forms, side by side: against the case's live unit path (the workflow's check)
and as the set of units a caller reaches (the projection's filter).

Acting follows the unit that holds the case now (``sees``). Reading follows the work: a caller
may also read a case that has ever been at a unit they see — received there, or passed through
it by forward, escalation or review (``reads``; the projection's ``case_units``) — so officers
keep the cases they registered or handed on, with their timelines, but no longer act on them.
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


def reads(unit_seen: Callable[[str], bool], case_units: Iterable[str]) -> bool:
    """Whether a caller who sees the units ``unit_seen`` accepts may read a case that has been
    at ``case_units`` (the unit holding it now and every earlier one)."""
    return any(unit_seen(unit_id) for unit_id in case_units)


def visible_units(
    role: str, unit_id: str, subtree: Callable[[str], Iterable[str]]
) -> frozenset[str] | None:
    """The units whose cases the caller sees; ``None`` means every unit."""
    if role == "admin":
        return None
    if role == "supervisor":
        return frozenset(subtree(unit_id))
    return frozenset({unit_id})
