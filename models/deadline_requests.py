"""The deadlines a workflow asks for, computed from a calendar: one definition for the workflow,
which computes them itself from its calendar snapshot, and for the activity it falls back on
when a period reaches a year the snapshot has no published schedule for."""

from __future__ import annotations

from models.boundary import DeadlineRequest, RecountRequest
from models.daycount import (
    DayCalendar,
    Deadline,
    compute_deadline,
    extend_deadline,
    recount_deadline,
    resume_deadline,
)
from models.policy import Span


def compute_requested(request: DeadlineRequest, calendar: DayCalendar) -> dict[str, Deadline]:
    policy = request.policy
    return {
        name: compute_deadline(
            request.start,
            Span.model_validate(span),
            mode=policy.calendar.mode,
            zone=policy.zone,
            calendar=calendar,
        )
        for name, span in request.spans.items()
    }


def recount_requested(request: RecountRequest, calendar: DayCalendar) -> dict[str, Deadline]:
    """Whole-day periods counted again after a pause or an extension, by clock id."""
    zone, found = request.policy.zone, {}
    for item in request.recounts:
        if item.clock is not None:
            clock = item.clock
            found[item.clock_id] = recount_deadline(
                clock.started_at,
                Span.model_validate(clock.span),
                mode=clock.computed.mode,
                pauses=[(p.start, p.end) for p in clock.paused if p.end is not None],
                extension=(clock.extension.at, clock.extension.days) if clock.extension else None,
                zone=zone,
                calendar=calendar,
            )
        elif item.extend_days is not None:
            found[item.clock_id] = extend_deadline(
                item.deadline, item.extend_days, zone=zone, calendar=calendar
            )
        elif item.paused_on is not None and item.resumed_on is not None:
            found[item.clock_id] = resume_deadline(
                item.deadline, item.paused_on, item.resumed_on, zone=zone, calendar=calendar
            )
    return found
