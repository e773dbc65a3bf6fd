"""Thin routes: ``POST /api/v1/bulk-actions`` starts a job, ``GET …/{job_id}`` reads it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.bulk.schemas import BulkActionIn, BulkActionOut
from api.bulk.service import BulkService
from api.deps import AppSettings, CurrentCaller, DbSession, Temporal
from api.problems import language, responses

router = APIRouter(prefix="/api/v1/bulk-actions", tags=["bulk actions"])


@router.post("", status_code=202, response_model=BulkActionOut, responses=responses(401, 422, 503))
async def start_bulk_action(
    body: BulkActionIn,
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    response: Response,
) -> BulkActionOut:
    """One action for up to 1,000 cases; each case answers as its single action would."""
    job = await BulkService(session=session, client=client, settings=settings).start(
        body=body, caller=caller
    )
    response.headers["Location"] = f"/api/v1/bulk-actions/{job.job_id}"
    return job


@router.get("/{job_id}", response_model=BulkActionOut, responses=responses(401, 404))
async def read_bulk_action(
    job_id: str,
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    request: Request,
) -> BulkActionOut:
    """Progress and one result per case: `ok` with the new state, or the problem."""
    service = BulkService(session=session, client=client, settings=settings)
    return await run_in_threadpool(
        service.read, job_id=job_id, caller=caller, lang=language(request)
    )
