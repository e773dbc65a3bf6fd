"""Bulk actions behind the routes: the request built as the single action builds it, the job
stored and its workflow started; its progress read from the stored results."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.auth import Caller
from api.bulk.schemas import BulkActionIn, BulkActionOut, BulkItemOut
from api.cases.service import CaseService
from api.cases.workflow import unavailable
from api.problems import Problem, ProblemError, from_domain
from models.actions import parse_params
from models.bulk import BulkJob
from models.errors import domain_error
from models.messages import Lang, Message
from models.tables import BulkActionItemRow, BulkActionRow
from petitionflow.settings import Settings
from workflows.bulk import BulkActionWorkflow

db = run_in_threadpool
NOT_FOUND = Message("没有此批量操作", "no such bulk action")


def bulk_workflow_id(job_id: str) -> str:
    return f"bulk-{job_id}"


class BulkService:
    def __init__(self, *, session: Session, client: Client, settings: Settings) -> None:
        self.session, self.client, self.settings = session, client, settings
        self.cases = CaseService(session=session, client=client, settings=settings)

    async def start(self, *, body: BulkActionIn, caller: Caller) -> BulkActionOut:
        """422 for parameters no case could take (nothing starts); otherwise the job runs and
        each case answers as its single action would."""
        params = parse_params(body.action, body.params).model_dump(mode="json")
        request = await self.cases.action_request(
            caller=caller, body={"action": body.action, **params}
        )
        job = BulkActionRow(
            id=uuid.uuid4().hex,
            action=body.action,
            params=params,
            case_ids=body.case_ids,
            created_by=caller.id,
            created_at=datetime.now(UTC),
        )

        def save() -> None:
            self.session.add(job)
            self.session.commit()
            self.session.refresh(job)

        await db(save)
        try:
            await self.client.start_workflow(
                BulkActionWorkflow.run,
                BulkJob(job_id=job.id, request=request, case_ids=body.case_ids),
                id=bulk_workflow_id(job.id),
                task_queue=self.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except RPCError:
            await db(self._forget, job)
            raise unavailable(
                Message("批量操作未启动", "the bulk action was not started")
            ) from None
        return _out(job, [], lang="zh")

    def _forget(self, job: BulkActionRow) -> None:
        self.session.delete(job)
        self.session.commit()

    def read(self, *, job_id: str, caller: Caller, lang: Lang) -> BulkActionOut:
        """The job's progress, for the one who started it (and admins); 404 for anyone else."""
        job = self.session.get(BulkActionRow, job_id)
        if job is None or (job.created_by != caller.id and caller.units is not None):
            raise ProblemError(404, NOT_FOUND)
        rows = self.session.exec(
            select(BulkActionItemRow).where(col(BulkActionItemRow.job_id) == job_id)
        ).all()
        return _out(job, list(rows), lang=lang)


def _out(job: BulkActionRow, rows: list[BulkActionItemRow], *, lang: Lang) -> BulkActionOut:
    found = {r.case_id: r for r in rows}
    items = [_item(case_id, found.get(case_id), lang) for case_id in job.case_ids]
    ok = sum(i.result == "ok" for i in items)
    failed = sum(i.result == "problem" for i in items)
    return BulkActionOut(
        job_id=job.id,
        action=job.action,
        params=job.params,
        created_by=job.created_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
        status="done" if job.finished_at is not None else "running",
        total=len(items),
        done=ok + failed,
        ok=ok,
        failed=failed,
        items=items,
    )


def _item(case_id: str, row: BulkActionItemRow | None, lang: Lang) -> BulkItemOut:
    if row is None:
        return BulkItemOut(case_id=case_id, result="pending")
    if row.status == 200:
        return BulkItemOut(case_id=case_id, result="ok", status=200, state=row.state)
    return BulkItemOut(
        case_id=case_id, result="problem", status=row.status, problem=_problem(row, lang)
    )


def _problem(row: BulkActionItemRow, lang: Lang) -> Problem:
    """The stored refusal as the single action's problem+json body (in the caller's language)."""
    stored: dict[str, Any] = row.problem or {}
    err = domain_error(stored.get("error"), str(stored.get("message", "")), stored.get("details"))
    if err is None:
        return Problem(
            title=HTTPStatus(row.status).phrase,
            status=row.status,
            detail=Message.of(str(stored.get("message", ""))).pick(lang),
        )
    problem = from_domain(err)
    errors = problem.extra.get("errors")
    return Problem(
        type=problem.type,
        title=HTTPStatus(problem.status).phrase,
        status=problem.status,
        detail=problem.detail.pick(lang),
        allowed_actions=problem.extra.get("allowed_actions"),
        errors=[{**e, "message": Message.of(e["message"]).pick(lang)} for e in errors]
        if isinstance(errors, list)
        else None,
    )
