"""Tracking for petitioners (rate-limited), the unit tree, and readiness."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo

from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from api.auth import Caller
from api.problems import ProblemError
from api.public.repository import PublicRepository
from api.public.schemas import Tracking, UnitOut
from api.track.documents import tracked_documents
from models.messages import Message
from models.tables import CaseRow
from models.vocabulary import Level
from petitionflow.settings import Settings

# Tracking codes are unguessable; the limit makes trying many of them pointless too.
TRACKING_LIMIT = parse_limit("30/minute")


def tracking_limiter() -> MovingWindowRateLimiter:
    """Per process (one per app): behind several replicas the limit is per replica."""
    return MovingWindowRateLimiter(MemoryStorage())


def tracking_of(row: CaseRow, *, unit_name: str) -> Tracking:
    """The tracking view of a projected case (its row's columns are the freshest)."""
    snapshot = row.snapshot | {
        "tracking_code": row.tracking_code,
        "state": row.state,
        "created_at": row.created_at,
        "next_due_at": row.next_due_at,
    }
    return Tracking.of(snapshot, unit_name=unit_name, updated_at=row.updated_at)


class PublicService:
    def __init__(self, session: Session) -> None:
        self.repository = PublicRepository(session)

    def track(
        self, *, tracking_code: str, client: str, limiter: MovingWindowRateLimiter, zone: tzinfo
    ) -> Tracking:
        if not limiter.hit(TRACKING_LIMIT, "track", client):
            reset = limiter.get_window_stats(TRACKING_LIMIT, "track", client).reset_time
            raise ProblemError(
                429,
                Message("查询过于频繁，请稍后再试", "too many requests"),
                headers={"Retry-After": str(max(1, int(reset - time.time())))},
            )
        row = self.repository.case_by_tracking_code(tracking_code)
        if row is None:
            raise ProblemError(404, Message("查询码无效", "unknown tracking code"))
        tracking = tracking_of(row, unit_name=self.repository.unit_name(row.unit_id))
        # 网上送达: what the petitioner may download with a one-time code
        documents = tracked_documents(self.repository.session, row, zone)
        return tracking.model_copy(update={"documents": documents})

    def units(self, *, caller: Caller) -> list[UnitOut]:
        return [
            UnitOut(id=u.id, name=u.name, level=Level(u.level), parent=u.parent_id, kind=u.kind)
            for u in self.repository.units(caller)
        ]

    async def readiness(self, *, client: Client, settings: Settings) -> dict[str, str]:
        """Ready when the database and Temporal answer and a worker polls the task queue; 503
        naming what does not."""
        problems = []
        try:
            await run_in_threadpool(self.repository.ping)
        except Exception as exc:
            problems.append(f"database: {type(exc).__name__}")
        try:
            await client.service_client.check_health(timeout=timedelta(seconds=3))
        except Exception as exc:
            problems.append(f"temporal: {type(exc).__name__}")
        else:
            problem = await WORKERS.check(client, settings.temporal_namespace, settings.task_queue)
            if problem:
                problems.append(problem)
        if problems:
            raise ProblemError(503, "; ".join(problems), headers={"Retry-After": "5"})
        return {"status": "ready"}


class WorkerCheck:
    """Whether a worker polls the task queue, from Temporal's DescribeTaskQueue, remembered for
    a few seconds so a busy probe costs one call per interval. A poller counts while its last
    poll is recent: the server lists a vanished worker for minutes."""

    TTL = 3.0  # seconds an answer is reused
    FRESH = timedelta(seconds=90)  # a long poll lasts up to a minute

    def __init__(self) -> None:
        self._answers: dict[tuple[int, str, str], tuple[float, str | None]] = {}

    async def check(self, client: Client, namespace: str, task_queue: str) -> str | None:
        key = (id(client), namespace, task_queue)
        now = time.monotonic()
        cached = self._answers.get(key)
        if cached is not None and now - cached[0] < self.TTL:
            return cached[1]
        answer = await self._ask(client, namespace, task_queue)
        self._answers[key] = (now, answer)
        return answer

    async def _ask(self, client: Client, namespace: str, task_queue: str) -> str | None:
        request = DescribeTaskQueueRequest(
            namespace=namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        try:
            response = await client.workflow_service.describe_task_queue(
                request, timeout=timedelta(seconds=3)
            )
        except Exception as exc:
            return f"worker: task queue {task_queue!r} cannot be described ({type(exc).__name__})"
        cutoff = datetime.now(UTC) - self.FRESH
        if not any(p.last_access_time.ToDatetime(UTC) >= cutoff for p in response.pollers):
            return f"worker: no worker polls task queue {task_queue!r}"
        return None


WORKERS = WorkerCheck()
