"""The filters of ``GET requests`` with the spec's defaults: the most recent 90 days, a window of
at most 90 days, at most 1000 requests; ``service_request_id`` (at most 20 ids) overrides every
other filter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from api.instants import in_range
from api.open311.catalogue import CATALOGUED_CATEGORIES, OTHER, service_by_code
from api.open311.wire import Open311Error
from models.lifecycle import FINAL_STATES
from models.tables import CaseRow

MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 20  # each id is a lookup, rate-limited like the tracking endpoint
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class RequestFilters:
    start: datetime
    end: datetime
    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        now: datetime,
        service_request_id: str | None = None,
        service_code: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
    ) -> RequestFilters:
        """400 naming every bad parameter; an empty parameter counts as absent."""
        errors: list[str] = []
        ids = listed_ids(service_request_id)
        if len(ids) > MAX_IDS:
            errors.append(f"service_request_id: 至多 {MAX_IDS} 个 / at most {MAX_IDS}")
        codes = _listed(service_code)
        for code in codes:
            if service_by_code(code) is None:
                errors.append(f"service_code: 没有服务 {code!r} / no such service")
        statuses = _listed(status)
        for value in statuses:
            if value not in STATUSES:
                errors.append(f"status: {value!r} 须为 open 或 closed / must be open or closed")
        start, end = (
            _instant("start_date", start_date, errors),
            _instant("end_date", end_date, errors),
        )
        if start and end and end < start:
            errors.append("end_date: 不得早于 start_date / must not be before start_date")
        elif start and end and end - start > MAX_SPAN:
            errors.append(
                "start_date/end_date: 跨度不得超过 90 天 / may not span more than 90 days"
            )
        if errors:
            raise Open311Error(400, *errors)
        if start and not end:
            end = start + MAX_SPAN
        start = start or (end or now) - MAX_SPAN
        return cls(start=start, end=end or now, ids=ids, codes=codes, statuses=statuses)

    def query(self) -> Any:
        query = select(CaseRow)
        if self.ids:
            query = query.where(col(CaseRow.tracking_code).in_(self.ids))
        else:
            query = query.where(
                col(CaseRow.created_at) >= self.start, col(CaseRow.created_at) <= self.end
            )
            if self.codes:
                query = query.where(self._categories())
            if set(self.statuses) == {"open"}:
                query = query.where(col(CaseRow.state).not_in(FINAL_STATES))
            elif set(self.statuses) == {"closed"}:
                query = query.where(col(CaseRow.state).in_(FINAL_STATES))
        return query.order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc()).limit(
            MAX_RESULTS
        )

    def _categories(self) -> Any:
        services = [s for s in map(service_by_code, self.codes) if s is not None]
        chosen = col(CaseRow.category).in_({s.name for s in services})
        if OTHER in services:  # 其他 also holds every category outside the catalogue
            return or_(chosen, col(CaseRow.category).not_in(CATALOGUED_CATEGORIES))
        return chosen


def listed_ids(service_request_id: str | None) -> tuple[str, ...]:
    """The ids a ``service_request_id`` parameter asks for."""
    return _listed(service_request_id)


def _listed(value: str | None) -> tuple[str, ...]:
    """The spec's comma-delimited lists, without blanks and repeats."""
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


def _instant(name: str, value: str | None, errors: list[str]) -> datetime | None:
    if not value or not value.strip():
        return None
    # An unencoded "+" in a query string arrives as a space: 00:00:00 08:00 meant +08:00.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(
            f"{name}: 须为带时区的 W3C 时间，如 2026-01-01T00:00:00+08:00 / must be a W3C "
            "date-time with an offset, e.g. 2026-01-01T00:00:00Z"
        )
        return None
    try:
        return in_range(moment)
    except ValueError as exc:
        errors.append(f"{name}: {exc}")
        return None
