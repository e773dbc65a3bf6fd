"""The service's Temporal Schedules, made sure of at worker start (like the search attributes)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.alert_sweep import AlertSweepWorkflow
from workflows.retention import RetentionWorkflow

RETENTION_SCHEDULE_ID = "petitionflow-retention"
RETENTION_AT = (2, 30)  # local time of the daily run: after the midnight burst of breaches
ALERT_SWEEP_SCHEDULE_ID = "petitionflow-alert-sweep"
ALERT_SWEEP_EVERY = timedelta(minutes=1)  # re-notifications and retries are this late at most


def retention_schedule(task_queue: str, time_zone: str, *, schedule_id: str) -> Schedule:
    hour, minute = RETENTION_AT
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            id=f"{schedule_id}-run",  # the Schedule appends the run's instant
            task_queue=task_queue,
            execution_timeout=timedelta(hours=12),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)])
            ],
            time_zone_name=time_zone,
        ),
        # A run still going when the next is due: skip the next. A worker down at 02:30 runs
        # the missed one when it is back, within a day.
        policy=SchedulePolicy(catchup_window=timedelta(days=1)),
    )


def alert_sweep_schedule(task_queue: str, *, schedule_id: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AlertSweepWorkflow.run,
            id=f"{schedule_id}-run",  # the Schedule appends the run's instant
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=ALERT_SWEEP_EVERY)]),
        # A sweep still going (a burst's re-notifications) when the next is due: skip the next.
        # Missed runs are not made up: the next one sends everything due by then.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=ALERT_SWEEP_EVERY),
    )


async def ensure_retention_schedule(
    client: Client,
    *,
    task_queue: str,
    time_zone: str,
    schedule_id: str = RETENTION_SCHEDULE_ID,
) -> str:
    """The daily retention Schedule; see ``ensure_schedule``."""
    wanted = retention_schedule(task_queue, time_zone, schedule_id=schedule_id)
    return await ensure_schedule(client, schedule_id, wanted)


async def ensure_alert_sweep_schedule(
    client: Client, *, task_queue: str, schedule_id: str = ALERT_SWEEP_SCHEDULE_ID
) -> str:
    """The alert sweep's Schedule, every minute; see ``ensure_schedule``."""
    wanted = alert_sweep_schedule(task_queue, schedule_id=schedule_id)
    return await ensure_schedule(client, schedule_id, wanted)


async def ensure_schedule(client: Client, schedule_id: str, wanted: Schedule) -> str:
    """Create the Schedule, or bring an existing one's action and timing up to date while
    keeping its state (an operator may have paused it). Returns what was done."""
    try:
        await client.create_schedule(schedule_id, wanted)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule = dataclasses.replace(
            current.description.schedule,
            action=wanted.action,
            spec=wanted.spec,
            policy=wanted.policy,
        )
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(schedule_id).update(update)
    return "updated"
