"""Deadline computation as an activity, for periods that reach a year the workflow's calendar
snapshot has no published schedule for (and for cases started before the snapshot existed):
calendar data changes, so these results are recorded in history and never recomputed on
replay."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import activity

from models.boundary import DeadlineRequest, RecountRequest
from models.daycount import Deadline, WorkCalendar
from models.deadline_requests import compute_requested, recount_requested


class DeadlineActivities:
    def __init__(
        self, calendar: WorkCalendar, reload: Callable[[], WorkCalendar] | None = None
    ) -> None:
        self._fixed = calendar
        self._reload = reload  # the override file, read again when it changes

    @property
    def _calendar(self) -> WorkCalendar:
        return self._reload() if self._reload else self._fixed

    @activity.defn(name="compute_deadlines")
    def compute_deadlines(self, request: DeadlineRequest) -> dict[str, Deadline]:
        return compute_requested(request, self._calendar)

    @activity.defn(name="recount_deadlines")
    def recount_deadlines(self, request: RecountRequest) -> dict[str, Deadline]:
        """Whole-day periods counted again after a pause or an extension, by clock id."""
        return recount_requested(request, self._calendar)
