"""The alert sweep: started every minute by a Temporal Schedule (``petitionflow/schedules.py``),
it sends what has fallen due since — re-notifications of unacknowledged alerts and retries of
failed deliveries (``activities/alert_sending.py``) — in bounded batches, as of the run's own
instant. One Schedule instead of a workflow and a timer per alert: a midnight burst of breaches
costs the worker one activity per batch a day later, not thousands of timers firing at once. The
Schedule skips a run while the previous one is still going."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.boundary import AlertSweepResult, AlertSweepRun

BATCH = 200  # alerts per activity
MAX_BATCHES = 25  # per run; what is left waits for the next minute's run


@workflow.defn(name="AlertSweep")
class AlertSweepWorkflow:
    @workflow.run
    async def run(self, batch: int = BATCH) -> AlertSweepResult:
        total = AlertSweepResult(alerts=0, sent=0, failed=0, more=False)
        as_of = workflow.now()
        for _ in range(MAX_BATCHES):
            done = await workflow.execute_activity(
                "send_due_alerts",
                AlertSweepRun(as_of=as_of, limit=batch),
                result_type=AlertSweepResult,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(minutes=2),
                # The database may be away for a moment; the next run tries anyway.
                retry_policy=RetryPolicy(
                    maximum_interval=timedelta(seconds=30), maximum_attempts=5
                ),
            )
            total = AlertSweepResult(
                alerts=total.alerts + done.alerts,
                sent=total.sent + done.sent,
                failed=total.failed + done.failed,
                more=done.more,
            )
            if not done.more:
                break
        return total
