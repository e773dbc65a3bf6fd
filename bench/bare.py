"""The bare-Temporal baseline: a no-op workflow with no-op updates, run by a plain worker with the
SDK's default data converter (no pydantic converter, no payload encryption, no database) in its
own process — ``python -m bench.bare ADDRESS TASK_QUEUE``."""

from __future__ import annotations

import asyncio
import sys

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker

BARE_TASK_QUEUE = "bench-bare"


@workflow.defn(name="BenchNoop")
class NoopWorkflow:
    """Stays open like a case does, answers an update at once, ends when told to."""

    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self, label: str) -> str:
        await workflow.wait_condition(lambda: self._done)
        return label

    @workflow.update(name="touch")
    async def touch(self, value: str) -> str:
        return value

    @workflow.update(name="register")
    async def register(self, value: str) -> str:
        """Sent with the start (update-with-start): answered from the first workflow task, as
        a registration is."""
        return value

    @workflow.signal(name="finish")
    def finish(self) -> None:
        self._done = True


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(client, task_queue=task_queue, workflows=[NoopWorkflow])
    print("bare worker polling", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else BARE_TASK_QUEUE))
