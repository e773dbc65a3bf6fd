"""Legal day counting (民法典 第二百零一条、第二百零三条) for the statutory clocks.

- A period counted in days starts the day **after** the event and ends at 24:00 (the policy's
  time zone, Asia/Shanghai by default) of its last day.
- If the last day is a statutory rest day or public holiday, the period ends on the first
  working day after it. Weekends that are adjusted working days (调休) are working days.
- ``working`` mode counts working days (工作日) only.
- Durations with a time part (``PT30S``) are exact.

Which days are working days is *data*: China's official schedule from the ``chinese-calendar``
package, plus an override file in which an administrator adds a year the day the State Council
publishes it. Because that data changes, :func:`compute_deadline` is a pure function of
(start, span, mode, zone, calendar) that must never be recomputed during replay against data
that may since have changed. The workflow therefore computes from a :class:`CalendarSnapshot`
it carries in its state (the published schedules, taken at registration: the same answer on
every replay), and asks an activity — recorded in history — only when a period reaches a year
the snapshot has no published schedule for.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from models.changed_file import ChangedFile
from models.errors import CalendarError
from models.policy import Span

Mode = Literal["natural", "working"]
_DAY = timedelta(days=1)


class YearSchedule(BaseModel):
    """One year's official schedule: public holidays and adjusted working days (调休)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @model_validator(mode="after")
    def _disjoint(self) -> YearSchedule:
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"dates listed as both holiday and workday: {sorted(both)}")
        return self


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    """The holidays of 全国年节及纪念日放假办法 in ``year`` (元旦, 春节 from 除夕, 清明, 劳动节,
    端午, 中秋, 国庆), without the 调休 days a published schedule adds around them."""
    return frozenset(holidays.China(years=year, observed=False, categories=("public",)))


class DayCalendar(Protocol):
    """What day counting asks of a calendar."""

    @property
    def source(self) -> str: ...

    def covers(self, day: date) -> bool: ...

    def is_working_day(self, day: date) -> bool: ...


def _override_working(schedule: YearSchedule, day: date) -> bool:
    if day in schedule.workdays:
        return True
    return day not in schedule.holidays and day.weekday() < 5


class CalendarSnapshot(BaseModel):
    """The published schedules of some years, as plain data a workflow carries (about 0.5 KB a
    year). Days of other years count as not covered: a deadline that reaches one is provisional,
    and the workflow asks the service's calendar instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str  # the calendar it was taken from, quoted in each deadline's explanation
    years: dict[int, YearSchedule]

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        schedule = self.years.get(day.year)
        if schedule is None:  # never decisive: the result is provisional and not used
            return day.weekday() < 5
        return _override_working(schedule, day)


class WorkCalendar:
    """Working days of mainland China: the package's schedule, years overridden by the file."""

    def __init__(self, overrides: dict[int, YearSchedule] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._official_years = {d.year for d in chinese_calendar.holidays}
        self._snapshots: dict[int, CalendarSnapshot] = {}
        self.source = f"chinese-calendar {version('chinese-calendar')}" + (
            f" + overrides {','.join(map(str, sorted(self._overrides)))}" if self._overrides else ""
        )

    @classmethod
    def from_file(cls, path: Path | None) -> WorkCalendar:
        """Read the override file (TOML, one table per year); None means no overrides."""
        if path is None:
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CalendarError(f"{path}: cannot read calendar overrides: {exc}") from None
        overrides: dict[int, YearSchedule] = {}
        for key, table in raw.items():
            if not (key.isdigit() and len(key) == 4):
                raise CalendarError(f"{path}: [{key}] is not a year; use tables like [2027]")
            try:
                schedule = YearSchedule.model_validate(table)
            except ValidationError as exc:
                raise CalendarError(f"{path}: [{key}]: {exc.errors()[0]['msg']}") from None
            strays = sorted(d for d in schedule.holidays | schedule.workdays if d.year != int(key))
            if strays:
                raise CalendarError(f"{path}: [{key}] lists dates of another year: {strays}")
            overrides[int(key)] = schedule
        return cls(overrides)

    def covers(self, day: date) -> bool:
        """Whether an official schedule is known for the day's year."""
        return day.year in self._overrides or day.year in self._official_years

    def is_working_day(self, day: date) -> bool:
        schedule = self._overrides.get(day.year)
        if schedule is not None:
            return _override_working(schedule, day)
        if day.year in self._official_years:
            return bool(chinese_calendar.is_workday(day))
        # No schedule published yet: the statutory holidays are known (lunar dates included);
        # only the 调休 swaps wait for the schedule. Such deadlines are marked provisional.
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def snapshot(self, since_year: int) -> CalendarSnapshot:
        """The published schedules from ``since_year`` on, as data (cached: a calendar object
        is immutable; a changed file makes a new one)."""
        found = self._snapshots.get(since_year)
        if found is None:
            years = sorted(
                y for y in self._official_years | set(self._overrides) if y >= since_year
            )
            found = CalendarSnapshot(
                source=self.source, years={y: self._schedule(y) for y in years}
            )
            self._snapshots[since_year] = found
        return found

    def _schedule(self, year: int) -> YearSchedule:
        """A published year as a schedule: weekdays off and weekend days worked."""
        if year in self._overrides:
            return self._overrides[year]
        days = _days(date(year, 1, 1), date(year, 12, 31))
        return YearSchedule(
            holidays=frozenset(d for d in days if d.weekday() < 5 and not self.is_working_day(d)),
            workdays=frozenset(d for d in days if d.weekday() >= 5 and self.is_working_day(d)),
        )


class CalendarFile(ChangedFile[WorkCalendar]):
    """The override file, read again when it changes: a schedule published while the service
    runs (``petitionflow calendar apply``) counts from the next computation on. No file: the
    installed calendar alone."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, _calendar_of)


def _calendar_of(path: Path | None) -> WorkCalendar:
    return WorkCalendar.from_file(path) if path is not None and path.exists() else WorkCalendar()


class Deadline(BaseModel):
    """A computed due time with everything needed to answer "why is it due that day"."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    span: str
    mode: Mode
    due_at: datetime
    last_day: date | None = None
    rolled_over_from: date | None = None
    provisional: bool = False
    calendar: str
    explanation: str


def compute_deadline(
    start: datetime,
    span: Span,
    *,
    mode: Mode = "natural",
    zone: ZoneInfo,
    calendar: DayCalendar,
) -> Deadline:
    """The due time of a period of ``span`` that starts with an event at ``start``."""
    if start.tzinfo is None:
        raise ValueError("start must carry a UTC offset")
    if span.exact is not None:
        due = (start + span.exact).astimezone(zone)
        return Deadline(
            start=start,
            span=span.iso,
            mode=mode,
            due_at=due,
            calendar=calendar.source,
            explanation=f"精确时长 {span.iso}：{start.isoformat()} 起 {span.exact} 后到期",
        )

    event_day = start.astimezone(zone).date()
    rolled_from: date | None = None
    if mode == "natural":
        last, rolled_from = _roll(event_day + span.days * _DAY, calendar)
        consulted = _days(event_day + span.days * _DAY, last)
        why = f"自 {event_day} 次日起算 {span.days} 日，末日 {rolled_from or last}"
        if rolled_from:
            why += f" 为法定休假日，顺延至其后第一个工作日 {last}"
    else:
        last = _advance_working(event_day, span.days, calendar)
        consulted = _days(event_day + _DAY, last)
        why = f"自 {event_day} 次日起算 {span.days} 个工作日，末日 {last}"
    provisional = not all(calendar.covers(d) for d in consulted)
    if provisional:
        years = sorted({d.year for d in consulted if not calendar.covers(d)})
        why += (
            f"（{'、'.join(map(str, years))} 年放假安排尚未公布，暂按周末和法定节日推算，不含调休）"
        )
    return Deadline(
        start=start,
        span=span.iso,
        mode=mode,
        due_at=datetime.combine(last + _DAY, time(0), tzinfo=zone),  # 24:00 of the last day
        last_day=last,
        rolled_over_from=rolled_from,
        provisional=provisional,
        calendar=calendar.source,
        explanation=f"{why}，于 {last} 24:00 届满",
    )


def _days(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + i * _DAY for i in range((last - first).days + 1)]


def _roll(last: date, calendar: DayCalendar) -> tuple[date, date | None]:
    """The rest-day rollover: the last day, or the first working day after it."""
    rolled_from = None if calendar.is_working_day(last) else last
    while not calendar.is_working_day(last):
        last += _DAY
    return last, rolled_from


def _advance_working(day: date, count: int, calendar: DayCalendar) -> date:
    """The ``count``-th working day after ``day``."""
    while count > 0:
        day += _DAY
        count -= calendar.is_working_day(day)
    return day


def _recounted(
    current: Deadline,
    last: date,
    rolled_from: date | None,
    *,
    zone: ZoneInfo,
    calendar: DayCalendar,
    why: str,
    consulted: list[date],
) -> Deadline:
    provisional = current.provisional or not all(calendar.covers(d) for d in consulted)
    if rolled_from:
        why += f"，末日 {rolled_from} 为法定休假日，顺延至其后第一个工作日 {last}"
    return current.model_copy(
        update={
            "due_at": datetime.combine(last + _DAY, time(0), tzinfo=zone),
            "last_day": last,
            "rolled_over_from": rolled_from,
            "provisional": provisional,
            "calendar": calendar.source,
            "explanation": f"{current.explanation}；{why}，于 {last} 24:00 届满",
        }
    )


def resume_deadline(
    current: Deadline, paused_on: date, resumed_on: date, *, zone: ZoneInfo, calendar: DayCalendar
) -> Deadline:
    """中止: the days on which a whole-day period stood still do not count. The period's unrolled
    last day moves by the calendar days from the suspension date to the resumption date (local
    dates; working days in working mode), then the rest-day rollover applies again."""
    assert current.last_day is not None, "only whole-day periods are recounted"
    nominal = current.rolled_over_from or current.last_day
    if current.mode == "natural":
        moved = (resumed_on - paused_on).days
        last, rolled_from = _roll(nominal + moved * _DAY, calendar)
        unit = "日"
    else:
        moved = sum(
            calendar.is_working_day(paused_on + i * _DAY)
            for i in range(1, (resumed_on - paused_on).days + 1)
        )
        last, rolled_from = _advance_working(current.last_day, moved, calendar), None
        unit = "个工作日"
    why = f"{paused_on} 中止、{resumed_on} 恢复，中止期间 {moved} {unit}不计入期间"
    consulted = _days(paused_on, last)
    return _recounted(
        current, last, rolled_from, zone=zone, calendar=calendar, why=why, consulted=consulted
    )


def extend_deadline(
    current: Deadline, days: int, *, zone: ZoneInfo, calendar: DayCalendar
) -> Deadline:
    """延期: ``days`` more, counted from the end of the current period (the day after its last
    day is day 1), in the period's mode, with the rest-day rollover."""
    assert current.last_day is not None, "only whole-day periods are recounted"
    if current.mode == "natural":
        last, rolled_from = _roll(current.last_day + days * _DAY, calendar)
        unit = "日"
    else:
        last, rolled_from = _advance_working(current.last_day, days, calendar), None
        unit = "个工作日"
    why = f"延期 {days} {unit}，自原期限末日 {current.last_day} 次日起算"
    consulted = _days(current.last_day + _DAY, last)
    return _recounted(
        current, last, rolled_from, zone=zone, calendar=calendar, why=why, consulted=consulted
    )


def warn_time(start: datetime, due: datetime, share: float) -> datetime:
    """When an early warning fires: ``share`` of the way from start to due."""
    return start + (due - start) * share


def recount_deadline(
    start: datetime,
    span: Span,
    *,
    mode: Mode,
    pauses: list[tuple[datetime, datetime]],
    extension: tuple[datetime, int] | None,
    zone: ZoneInfo,
    calendar: DayCalendar,
) -> Deadline:
    """A whole-day period counted again from its start under today's calendar (a newly
    published schedule), with its pauses and its extension applied again in the order they
    happened."""
    deadline = compute_deadline(start, span, mode=mode, zone=zone, calendar=calendar)
    steps: list[tuple[datetime, int, tuple[datetime, datetime] | int]] = [
        (begin, 0, (begin, end)) for begin, end in pauses
    ]
    if extension is not None:
        steps.append((extension[0], 1, extension[1]))
    for _, _, step in sorted(steps, key=lambda item: (item[0], item[1])):
        if isinstance(step, int):
            deadline = extend_deadline(deadline, step, zone=zone, calendar=calendar)
        else:
            begin, end = (moment.astimezone(zone).date() for moment in step)
            deadline = resume_deadline(deadline, begin, end, zone=zone, calendar=calendar)
    return deadline.model_copy(
        update={"explanation": f"放假安排公布后重新计算：{deadline.explanation}"}
    )
