"""``GET /api/v1/users``: the colleagues in the caller's subtree, by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, DbSession
from api.problems import ProblemError, responses
from api.users import repository
from api.users.schemas import UserOut
from models.vocabulary import Role
from petitionflow.unit_tree import subtree

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/users", response_model=list[UserOut], responses=responses(401, 404, 422))
def list_users(
    caller: CurrentCaller,
    session: DbSession,
    unit_id: Annotated[
        str | None, Query(max_length=200, description="only this unit (not its subtree)")
    ] = None,
    role: Role | None = None,
) -> list[UserOut]:
    """Active users of the units in the caller's subtree (admins: every unit): id, name, role,
    unit. Tokens are never shown."""
    units = None if caller.role is Role.admin else set(subtree(session, caller.unit_id))
    if unit_id is not None:
        if units is not None and unit_id not in units:
            raise ProblemError(404, "单位不存在或不在您的范围内 / no such unit in your scope")
        units = {unit_id}
    rows = repository.directory(session, units, role=role)
    return [
        UserOut(id=u.id, name=u.name, role=Role(u.role), unit_id=u.unit_id, unit_name=unit_name)
        for u, unit_name in rows
    ]
