"""The worker: runs petition workflows and their activities."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.deadlines import DeadlineActivities
from activities.delivery import AlertDelivery, DeliveryConfig
from activities.projection import ProjectionActivities
from models.daycount import WorkCalendar
from workflows.alert import AlertWorkflow
from workflows.petition import PetitionWorkflow


def build_worker(
    client: Client,
    *,
    task_queue: str,
    engine: Engine,
    calendar: WorkCalendar,
    executor: ThreadPoolExecutor,
    delivery: DeliveryConfig | None = None,
    max_cached_workflows: int = 10_000,
    max_concurrent_activities: int | None = None,
) -> Worker:
    deadlines = DeadlineActivities(calendar)
    projection = ProjectionActivities(engine, client)
    alerts = AlertDelivery(engine, delivery or DeliveryConfig())
    # Unset: the SDK's default (tests pass small executors of their own).
    limits: dict[str, Any] = {}
    if max_concurrent_activities:
        limits["max_concurrent_activities"] = max_concurrent_activities
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[PetitionWorkflow, AlertWorkflow],
        activities=[
            deadlines.compute_deadlines,
            projection.project_case,
            projection.write_outbox,
            projection.record_alert,
            projection.unit_path,
            alerts.alert_targets,
            alerts.deliver_webhook,
            alerts.deliver_email,
        ],
        # Sync activities (database, calendar) run here, off the event loop.
        activity_executor=executor,
        max_cached_workflows=max_cached_workflows,
        **limits,
    )
