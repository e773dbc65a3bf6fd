"""The person-search query: equality on keyed hashes, within the caller's scope."""

from __future__ import annotations

from sqlalchemy import union
from sqlmodel import Session, col, select

from api.auth import Caller, scoped
from models.tables import CasePetitionerRow, CaseRow
from models.vocabulary import Role


def cases_of_person(
    session: Session, caller: Caller, keys: dict[str, str], limit: int
) -> list[CaseRow]:
    """The cases whose stored hashes equal every one of ``keys`` (column → keyed hash), newest
    first, at most ``limit`` + 1 (the extra row says there are more). Officers search among the
    cases their own unit holds — the ones they act on; supervisors their subtree, admins all."""
    # The case row's petitioner, or any petitioner of a collective petition (集体访).
    # (one IN over the union of two index lookups: an OR of the two would scan every case)
    own = select(CaseRow.case_id).where(*(col(getattr(CaseRow, c)) == v for c, v in keys.items()))
    others = select(CasePetitionerRow.case_id).where(
        *(col(getattr(CasePetitionerRow, c)) == v for c, v in keys.items())
    )
    query = select(CaseRow).where(col(CaseRow.case_id).in_(union(own, others)))
    if caller.role is Role.officer:
        query = query.where(CaseRow.unit_id == caller.unit_id)
    else:
        query = scoped(query, CaseRow.unit_id, caller)
    query = query.order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc())
    return list(session.exec(query.limit(limit + 1)).all())
