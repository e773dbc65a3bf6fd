"""Tracking for petitioners (rate-limited), the unit tree, and readiness."""

from __future__ import annotations

import time
from datetime import timedelta

from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api.auth import Caller
from api.problems import ProblemError
from api.public.repository import PublicRepository
from api.public.schemas import Tracking, UnitOut
from models.tables import CaseRow
from models.vocabulary import Level

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
        self, *, tracking_code: str, client: str, limiter: MovingWindowRateLimiter
    ) -> Tracking:
        if not limiter.hit(TRACKING_LIMIT, "track", client):
            reset = limiter.get_window_stats(TRACKING_LIMIT, "track", client).reset_time
            raise ProblemError(
                429,
                "查询过于频繁，请稍后再试 / too many requests",
                headers={"Retry-After": str(max(1, int(reset - time.time())))},
            )
        row = self.repository.case_by_tracking_code(tracking_code)
        if row is None:
            raise ProblemError(404, "查询码无效 / unknown tracking code")
        return tracking_of(row, unit_name=self.repository.unit_name(row.unit_id))

    def units(self, *, caller: Caller) -> list[UnitOut]:
        return [
            UnitOut(id=u.id, name=u.name, level=Level(u.level), parent=u.parent_id)
            for u in self.repository.units(caller)
        ]

    async def readiness(self, *, client: Client) -> dict[str, str]:
        """Ready when the database and Temporal answer; 503 naming what does not."""
        problems = []
        try:
            await run_in_threadpool(self.repository.ping)
        except Exception as exc:
            problems.append(f"database: {type(exc).__name__}")
        try:
            await client.service_client.check_health(timeout=timedelta(seconds=3))
        except Exception as exc:
            problems.append(f"temporal: {type(exc).__name__}")
        if problems:
            raise ProblemError(503, "; ".join(problems), headers={"Retry-After": "5"})
        return {"status": "ready"}
