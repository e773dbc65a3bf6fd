"""Deadline computation as an activity: calendar data changes, so its results are recorded in
history and never recomputed on replay."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import activity

from models.boundary import DeadlineRequest, RecountRequest
from models.daycount import (
    Deadline,
    WorkCalendar,
    compute_deadline,
    extend_deadline,
    recount_deadline,
    resume_deadline,
)
from models.policy import Span


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
        policy = request.policy
        return {
            name: compute_deadline(
                request.start,
                Span.model_validate(span),
                mode=policy.calendar.mode,
                zone=policy.zone,
                calendar=self._calendar,
            )
            for name, span in request.spans.items()
        }

    @activity.defn(name="recount_deadlines")
    def recount_deadlines(self, request: RecountRequest) -> dict[str, Deadline]:
        """Whole-day periods counted again after a pause or an extension, by clock id."""
        zone, found = request.policy.zone, {}
        calendar = self._calendar
        for item in request.recounts:
            if item.clock is not None:
                clock = item.clock
                found[item.clock_id] = recount_deadline(
                    clock.started_at,
                    Span.model_validate(clock.span),
                    mode=clock.computed.mode,
                    pauses=[(p.start, p.end) for p in clock.paused if p.end is not None],
                    extension=(clock.extension.at, clock.extension.days)
                    if clock.extension
                    else None,
                    zone=zone,
                    calendar=calendar,
                )
            elif item.extend_days is not None:
                found[item.clock_id] = extend_deadline(
                    item.deadline, item.extend_days, zone=zone, calendar=calendar
                )
            elif item.paused_on is not None and item.resumed_on is not None:
                found[item.clock_id] = resume_deadline(
                    item.deadline,
                    item.paused_on,
                    item.resumed_on,
                    zone=zone,
                    calendar=calendar,
                )
        return found
