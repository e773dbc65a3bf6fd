"""The public reads' SQL: a case by its tracking code, the unit tree, the database's pulse."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, col, select

from api.auth import Caller
from models.tables import CaseRow, UnitRow
from petitionflow.unit_tree import subtree


class PublicRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def case_by_tracking_code(self, tracking_code: str) -> CaseRow | None:
        query = select(CaseRow).where(CaseRow.tracking_code == tracking_code)
        return self.session.exec(query).first()

    def unit_name(self, unit_id: str) -> str:
        unit = self.session.get(UnitRow, unit_id)
        return unit.name if unit is not None else unit_id

    def units(self, caller: Caller) -> list[UnitRow]:
        """The unit tree below the caller's unit (all of it for an admin): an officer sees the
        units beneath their own too, to forward cases there."""
        query = select(UnitRow).order_by(col(UnitRow.id))
        if caller.units is not None:
            query = query.where(col(UnitRow.id).in_(subtree(self.session, caller.unit_id)))
        return list(self.session.exec(query).all())

    def ping(self) -> None:
        self.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
