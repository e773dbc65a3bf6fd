"""The daily retention run: started by a Temporal Schedule (``petitionflow/schedules.py``), it
purges the personal data of cases closed longer ago than the policy keeps it. The Schedule, not
a loop in a workflow, owns the timing: it survives restarts, can be paused, triggered and listed
in the Web UI, and skips a run while the previous one is still going."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.boundary import RetentionResult, RetentionRun


@workflow.defn(name="RetentionPurge")
class RetentionWorkflow:
    @workflow.run
    async def run(self, dry_run: bool = False) -> RetentionResult:
        return await workflow.execute_activity(
            "purge_expired_personal_data",
            RetentionRun(as_of=workflow.now(), dry_run=dry_run),
            result_type=RetentionResult,
            start_to_close_timeout=timedelta(hours=6),
            # Each case commits on its own, so a restarted attempt carries on where it stopped.
            heartbeat_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
        )
