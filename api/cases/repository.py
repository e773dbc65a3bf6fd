"""The cases' reads and writes on the projection (``cases``, ``case_events``, the unit tree) and
the idempotency records: the only SQL behind ``/api/v1/cases``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, or_, union, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.auth import Caller, readable_cases
from api.cases.schemas import TRACKING_CODE, CaseFilters
from api.pagination import decode_cursor
from api.problems import ProblemError
from api.stats.backlog import is_backlog
from api.stats.queries import CASES
from models.case import UnitRef
from models.lifecycle import FINAL_STATES
from models.messages import Message
from models.tables import (
    CaseEventRow,
    CasePetitionerRow,
    CaseRow,
    CaseTaskRow,
    CaseUnitRow,
    IdempotencyRow,
)
from petitionflow.unit_tree import subtree, unit_path

NOT_FOUND = Message("案件不存在或不在您的范围内", "no such case in your scope")


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- units --------------------------------------------------------------------------------
    def unit_path(self, unit_id: str) -> list[UnitRef]:
        """The unit and its ancestors, nearest first; empty for an unknown unit."""
        return unit_path(self.session, unit_id)

    # -- cases --------------------------------------------------------------------------------
    def get(self, case_id: str) -> CaseRow | None:
        return self.session.get(CaseRow, case_id)

    def case_row(self, case_id: str, caller: Caller) -> CaseRow:
        """The projected case, if the caller may read it (404 otherwise, as for no case)."""
        row = self.session.get(CaseRow, case_id)
        if row is None or not (caller.sees(row.unit_id) or self.been_at(case_id, caller)):
            raise ProblemError(404, NOT_FOUND)
        return row

    def been_at(self, case_id: str, caller: Caller) -> bool:
        """Whether the case has been at a unit the caller sees (they may read it)."""
        units = select(CaseUnitRow.unit_id).where(CaseUnitRow.case_id == case_id)
        return caller.reads(self.session.exec(units).all())

    def purged_at(self, case_id: str) -> datetime | None:
        """When retention removed the case's personal data (None: it has not)."""
        query = select(CaseRow.purged_at).where(CaseRow.case_id == case_id)
        return self.session.exec(query).first()

    def events(self, case_id: str) -> list[CaseEventRow]:
        query = select(CaseEventRow).where(CaseEventRow.case_id == case_id)
        return list(self.session.exec(query.order_by(col(CaseEventRow.seq))).all())

    def earlier_cases(
        self, *, petitioner_keys: list[str], category: str, county: str
    ) -> tuple[CaseRow | None, CaseRow | None]:
        """The open case on the same matter of any of the petitioners (集体访: any one of them),
        or one closed after re-review (复核终结)."""
        if not petitioner_keys:
            return None, None
        in_county = subtree(self.session, county)
        rows = self.session.exec(
            select(CaseRow)
            .where(of_petitioners(petitioner_keys), CaseRow.category == category)
            .order_by(col(CaseRow.created_at).desc())
        ).all()
        rows = [r for r in rows if r.unit_id in in_county]
        open_case = next((r for r in rows if r.state not in FINAL_STATES), None)
        final_case = next(
            (
                r
                for r in rows
                if r.state == "closed"
                and any(o.get("stage") == "re_review" for o in r.snapshot.get("opinions", []))
            ),
            None,
        )
        return open_case, final_case

    def list_cases(self, caller: Caller, filters: CaseFilters) -> list[CaseRow]:
        """One page and one row more (its presence says there is a next page), newest first."""
        query = readable_cases(select(CaseRow), CaseRow.unit_id, CaseRow.case_id, caller)
        if filters.unit_id:
            query = query.where(col(CaseRow.unit_id).in_(subtree(self.session, filters.unit_id)))
        for name in ("state", "level", "category"):
            value = getattr(filters, name)
            if value:
                query = query.where(getattr(CaseRow, name) == value)
        for condition in _conditions(filters):
            query = query.where(condition)
        if filters.department:
            tasks = select(CaseTaskRow.case_id).where(CaseTaskRow.unit_id == filters.department)
            query = query.where(col(CaseRow.case_id).in_(tasks))
        query = query.order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc())
        return list(self.session.exec(query.limit(filters.limit + 1)).all())

    # -- idempotency --------------------------------------------------------------------------
    def idempotency(self, key: str) -> IdempotencyRow | None:
        return self.session.get(IdempotencyRow, key)

    # -- matters ------------------------------------------------------------------------------
    # A matter (one petitioner's category in one county) → its open case, recorded by the
    # registration before the workflow starts, so a repeat arriving before the case's first
    # projection write is still linked. Kept beside the idempotency keys: a key → a case id.
    def hold_matter(self, matter: str, case_id: str) -> str:
        """The open case the matter's record names; the record is made to name ``case_id`` if
        there is none or the case it names is closed. Atomic across requests: one insert wins."""
        row = self.session.get(IdempotencyRow, matter)
        if row is None:
            self.session.add(
                IdempotencyRow(
                    key=matter,
                    request_hash="matter",
                    case_id=case_id,
                    status_code=201,
                    created_at=datetime.now(UTC),
                )
            )
            try:
                self.session.commit()
                return case_id
            except IntegrityError:
                self.session.rollback()
                row = self.session.get(IdempotencyRow, matter, populate_existing=True)
                assert row is not None
        held = self.session.get(CaseRow, row.case_id)
        if held is not None and held.state in FINAL_STATES:
            return case_id if self._move_matter(matter, row.case_id, case_id) else row.case_id
        return row.case_id

    def hold_matters(self, matters: list[str], case_id: str) -> str:
        """``hold_matter`` for each petitioner's matter: the first open case one of them names,
        the records made for ``case_id`` on the way taken back; else ``case_id`` holds them all."""
        made: list[str] = []
        for matter in matters:
            held = self.hold_matter(matter, case_id)
            if held != case_id:
                for mine in made:
                    self.release_matter(mine, case_id, datetime.max.replace(tzinfo=UTC))
                return held
            made.append(matter)
        return case_id

    def release_matters(self, matters: list[str], case_id: str, before: datetime) -> bool:
        released = [self.release_matter(m, case_id, before) for m in matters]
        return any(released)

    def release_matter(self, matter: str, case_id: str, before: datetime) -> bool:
        """Forget that the matter's open case is ``case_id`` (no workflow runs it), if the
        record was made before ``before``: a younger one may still be starting."""
        result = self.session.execute(
            delete(IdempotencyRow).where(
                col(IdempotencyRow.key) == matter,
                col(IdempotencyRow.case_id) == case_id,
                col(IdempotencyRow.created_at) < before,
            )
        )
        self.session.commit()
        return bool(cast(CursorResult[Any], result).rowcount)

    def _move_matter(self, matter: str, old: str, new: str) -> bool:
        result = self.session.execute(
            update(IdempotencyRow)
            .where(col(IdempotencyRow.key) == matter, col(IdempotencyRow.case_id) == old)
            .values(case_id=new, created_at=datetime.now(UTC))
        )
        self.session.commit()
        return bool(cast(CursorResult[Any], result).rowcount)

    def remember(self, *, key: str, digest: str, case_id: str, status: int) -> None:
        """Record the first answer to an Idempotency-Key (a later record of it changes nothing)."""
        if self.session.get(IdempotencyRow, key) is None:
            self.session.add(
                IdempotencyRow(
                    key=key,
                    request_hash=digest,
                    case_id=case_id,
                    status_code=status,
                    created_at=datetime.now(UTC),
                )
            )
            self.session.commit()


def of_petitioners(petitioner_keys: list[str]) -> Any:
    """Cases with one of these ID-number keys: the case row's petitioner, or any petitioner of a
    collective petition (``case_petitioners``)."""
    own = select(CaseRow.case_id).where(col(CaseRow.petitioner_key).in_(petitioner_keys))
    others = select(CasePetitionerRow.case_id).where(
        col(CasePetitionerRow.petitioner_key).in_(petitioner_keys)
    )
    # One IN over the union of two index lookups: an OR of the two would scan every case.
    return col(CaseRow.case_id).in_(union(own, others))


def _conditions(filters: CaseFilters) -> list[Any]:
    """The list's time, text and cursor conditions."""
    conditions: list[Any] = []
    now = datetime.now(UTC)
    if filters.open is not None:
        final = col(CaseRow.state).in_(sorted(FINAL_STATES))
        conditions.append(~final if filters.open else final)
    if filters.overdue is not None:
        # The projected due times answer even while a worker is behind.
        late = or_(col(CaseRow.overdue), col(CaseRow.next_due_at) <= now)
        conditions.append(late if filters.overdue else ~late)
    if filters.at_risk is not None:
        risky = or_(col(CaseRow.at_risk), col(CaseRow.next_warn_at) <= now)
        conditions.append(risky if filters.at_risk else ~risky)
    if filters.q and TRACKING_CODE.match(filters.q.strip().upper()):
        # A tracking code names one case: its unique index answers, not a scan of the text.
        conditions.append(col(CaseRow.tracking_code) == filters.q.strip().upper())
    elif filters.q:
        pattern = f"%{filters.q}%"
        conditions.append(
            or_(
                col(CaseRow.title).ilike(pattern),
                col(CaseRow.description).ilike(pattern),
                col(CaseRow.category).ilike(pattern),
            )
        )
    if filters.created_from:
        conditions.append(col(CaseRow.created_at) >= filters.created_from)
    if filters.created_to:
        conditions.append(col(CaseRow.created_at) < filters.created_to)
    conditions += _command_conditions(filters, now)
    if filters.cursor:
        created, case_id = decode_cursor(filters.cursor)
        conditions.append(
            or_(
                col(CaseRow.created_at) < created,
                (col(CaseRow.created_at) == created) & (col(CaseRow.case_id) < case_id),
            )
        )
    return conditions


def _command_conditions(filters: CaseFilters, now: datetime) -> list[Any]:
    """The 积案 workbench's filters: backlog (the statistics' rule), 包案 leader, open 督办单."""
    conditions: list[Any] = []
    if filters.backlog is not None:
        backlog = is_backlog(CASES.c, now)
        conditions.append(backlog if filters.backlog else ~backlog)
    if filters.leader:
        conditions.append(col(CaseRow.leader_user_id) == filters.leader)
    if filters.open_orders is not None:
        ordered = col(CaseRow.open_orders) > 0
        conditions.append(ordered if filters.open_orders else ~ordered)
    return conditions
