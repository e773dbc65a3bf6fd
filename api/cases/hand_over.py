"""交办/会办 at the API: where a caller stands towards a case (``models/scope.py``), what a
co-handler reads (only what its task needs), and the units a hand-over names."""

from __future__ import annotations

from typing import Any

from api.auth import Caller
from api.cases.repository import CaseRepository
from api.cases.schemas import CaseOut
from models.boundary import CaseSnapshot, MaskedPetitioner
from models.case import HandOver, UnitRef
from models.scope import Standing, standing

HAND_OVER_UNIT_PARAMS = ("lead_unit_id", "co_unit_ids")


def open_hand_over(snap: CaseSnapshot) -> HandOver | None:
    last = snap.hand_overs[-1] if snap.hand_overs else None
    return last if last is not None and last.status == "open" else None


def caller_standing(caller: Caller, snap: CaseSnapshot) -> Standing | None:
    return standing(
        caller.role,
        None if caller.units is None else caller.unit_id,
        sees_case=caller.sees(snap.unit_id),
        hand_over=open_hand_over(snap),
    )


def as_standing(out: CaseOut, snap: CaseSnapshot, caller: Caller) -> CaseOut:
    """The actions of a caller who stands beside the case (the machine's, by standing); a
    co-handler sees the matter, the instructions and its own task, not the petitioner, the
    other clocks, the feedback or the opinions."""
    where = caller_standing(caller, snap)
    if where is None or where not in snap.standing_actions:
        return out
    out.allowed_actions = snap.standing_actions[where].get(caller.role, [])
    if where != "co_handler":
        return out
    hand_over = open_hand_over(snap)
    assert hand_over is not None  # a co-handler stands beside an open hand-over only
    mine = [t for t in hand_over.co_tasks if t.unit.id == caller.unit_id]
    out.petitioner = MaskedPetitioner(name="", id_number="", phone="")
    out.may_reveal_contact = False
    out.deadlines = [d for d in out.deadlines if d.id in {t.clock_id for t in mine}]
    out.feedback, out.opinions, out.assessment = [], [], None
    out.hand_overs = [hand_over.model_copy(update={"co_tasks": mine})]
    out.allowed_actions_by_role = {}
    return out


def named_units(repository: CaseRepository, params: dict[str, Any]) -> dict[str, list[UnitRef]]:
    """The path of each unit a hand-over names that exists (the machine refuses the others)."""
    ids = [params.get("lead_unit_id"), *(params.get("co_unit_ids") or [])]
    found: dict[str, list[UnitRef]] = {}
    for unit_id in ids:
        if isinstance(unit_id, str) and unit_id not in found:
            path = repository.unit_path(unit_id)
            if path:
                found[unit_id] = path
    return found
