"""One text to the petitioner, sent by an activity retried with backoff: a gateway that is down
is tried again for about a day, each attempt on the delivery log. The workflow id is the message
id, so a text is never sent twice (``activities/sms.py``)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.options import ActivityOptions

with workflow.unsafe.imports_passed_through():
    from activities.sms import SmsActivities
    from models.sms import SmsDispatch

SENDING = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=30),
        maximum_attempts=50,
    ),
)
# A one-time code is worth sending for its lifetime only.
CODE_SENDING = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
        maximum_attempts=6,
    ),
)


@workflow.defn(name="SmsWorkflow")
class SmsWorkflow:
    @workflow.run
    async def run(self, message: SmsDispatch) -> str:
        options = CODE_SENDING if message.kind == "otp" else SENDING
        return await workflow.execute_activity_method(
            SmsActivities.send_sms,
            message,
            start_to_close_timeout=options.start_to_close_timeout,
            retry_policy=options.retry_policy,
        )
