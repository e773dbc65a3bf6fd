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

from models.case import HandOver, UnitRef


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


# -- 交办/会办: where a caller stands towards a handed-over case -----------------------------------
# ``holder``: sees the case (``sees``) as any case; ``handing``: also on the handing unit's path
# (its officers, its and higher supervisors); ``handing_reader``: on that path without seeing the
# case (the handing unit's officers: they take it back, nothing else); ``co_handler``: staff of a
# co-handling unit whose task is open (they report, nothing else). What each may do is the
# machine's (``models/lifecycle.py``: STANDING_ACTIONS).
Standing = str


def standing(
    role: str, caller_unit_id: str | None, *, sees_case: bool, hand_over: HandOver | None
) -> Standing | None:
    """Where a caller stands towards a case (None: outside its scope). ``hand_over``: the open
    one, if any."""
    if caller_unit_id is None or role == "admin":
        return "holder"
    if hand_over is not None:
        path = [u.id for u in hand_over.handing_path]
        on_path = caller_unit_id in path if role == "supervisor" else caller_unit_id == path[0]
        if on_path:
            return "handing" if sees_case else "handing_reader"
    if sees_case:
        return "holder"
    if hand_over is not None and caller_unit_id in hand_over.open_co_units():
        return "co_handler"
    return None
