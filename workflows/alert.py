"""One alert, sent out on every channel of its unit and the units above, and — for breaches and
supervision — sent again every ``renotify_every`` until someone acknowledges it. Durable: the
re-notification is a Temporal timer, not a cron."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.options import ActivityOptions

with workflow.unsafe.imports_passed_through():
    from activities.delivery import AlertDelivery
    from models.alerts import ChannelKind
    from models.boundary import (
        AlertDispatch,
        AlertTargets,
        AlertTargetsRequest,
        DeliveryRequest,
        DeliveryTarget,
    )

# Reading the alert and its channels: the database may be down for a while.
LOOKUP = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
# A receiver that is down gets retried with backoff for about a day; every attempt is logged on
# the alert. After that the next re-notification (if any) tries again.
DELIVERY = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=30),
        maximum_attempts=50,
        non_retryable_error_types=["ChannelGone"],
    ),
)
# The activity that sends each channel kind; the worker checks every kind has one registered.
DELIVERY_ACTIVITIES: dict[ChannelKind, Callable[[AlertDelivery, DeliveryRequest], None]] = {
    "webhook": AlertDelivery.deliver_webhook,
    "email": AlertDelivery.deliver_email,
}


@workflow.defn(name="AlertWorkflow")
class AlertWorkflow:
    def __init__(self) -> None:
        self._acknowledged = False

    @workflow.run
    async def run(self, dispatch: AlertDispatch) -> int:
        notification = 0
        while True:
            found = dispatch.first_targets if notification == 0 else None
            found = found or await self._targets(dispatch.alert_id)
            if self._acknowledged or found.acknowledged:
                return notification
            notification += 1
            # Channels are independent: a failing webhook never holds back the e-mail.
            await asyncio.gather(
                *(self._deliver(dispatch.alert_id, t, notification) for t in found.targets),
                return_exceptions=True,
            )
            if dispatch.renotify_every_seconds is None:
                return notification
            try:
                await workflow.wait_condition(
                    lambda: self._acknowledged, timeout=dispatch.renotify_every_seconds
                )
                return notification
            except TimeoutError:
                continue

    @staticmethod
    async def _targets(alert_id: str) -> AlertTargets:
        return await workflow.execute_activity_method(
            AlertDelivery.alert_targets,
            AlertTargetsRequest(alert_id=alert_id),
            start_to_close_timeout=LOOKUP.start_to_close_timeout,
            retry_policy=LOOKUP.retry_policy,
        )

    @staticmethod
    async def _deliver(alert_id: str, target: DeliveryTarget, notification: int) -> Any:
        return await workflow.execute_activity_method(
            DELIVERY_ACTIVITIES[target.kind],
            DeliveryRequest(
                alert_id=alert_id, channel_id=target.channel_id, notification=notification
            ),
            start_to_close_timeout=DELIVERY.start_to_close_timeout,
            retry_policy=DELIVERY.retry_policy,
        )

    @workflow.signal(name="acknowledge")
    def acknowledge(self) -> None:
        self._acknowledged = True
