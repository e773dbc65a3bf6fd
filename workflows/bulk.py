"""A bulk action (批量操作): the same action sent to many cases, a bounded number at a time.

Each case is one activity that sends the case's ``act`` update under an id derived from the job
and the case, and stores what it answered: a retried or restarted item finds its result stored
(or the case's workflow finds the update applied) and sends nothing twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.options import ActivityOptions

with workflow.unsafe.imports_passed_through():
    from activities.bulk import BulkActivities
    from models.bulk import BulkItem, BulkJob

# Temporal or the database may be down for a while: retry, backing off to once a minute.
ITEM_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=60),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)


@workflow.defn(name="BulkActionWorkflow")
class BulkActionWorkflow:
    @workflow.run
    async def run(self, job: BulkJob) -> int:
        slots = asyncio.Semaphore(job.concurrency)

        async def one(case_id: str) -> None:
            async with slots:
                await workflow.execute_activity_method(
                    BulkActivities.apply_item,
                    BulkItem(job_id=job.job_id, case_id=case_id, request=job.request),
                    start_to_close_timeout=ITEM_OPTIONS.start_to_close_timeout,
                    retry_policy=ITEM_OPTIONS.retry_policy,
                )

        await asyncio.gather(*(one(case_id) for case_id in job.case_ids))
        await workflow.execute_activity_method(
            BulkActivities.finish_job,
            job.job_id,
            start_to_close_timeout=ITEM_OPTIONS.start_to_close_timeout,
            retry_policy=ITEM_OPTIONS.retry_policy,
        )
        return len(job.case_ids)
