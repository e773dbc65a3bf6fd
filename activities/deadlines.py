"""Deadline computation as an activity: calendar data changes, so its results are recorded in
history and never recomputed on replay."""

from __future__ import annotations

from temporalio import activity

from models.boundary import DeadlineRequest
from models.daycount import Deadline, WorkCalendar, compute_deadline
from models.policy import Span


class DeadlineActivities:
    def __init__(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar

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
