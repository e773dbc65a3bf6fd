"""The case's workflow as the API calls it: start (update-with-start), updates, the live query,
and what their failures answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from api.problems import ProblemError, from_domain
from models.boundary import ActionRequest, CaseSnapshot, StartCase, VisitRequest
from models.errors import DomainError, domain_error
from models.messages import Message
from petitionflow.settings import Settings
from petitionflow.temporal import workflow_id
from workflows.petition import PetitionWorkflow


async def start_case(
    client: Client, start: StartCase, task_queue: str, *, rpc_timeout: timedelta | None = None
) -> CaseSnapshot:
    """Start the case's workflow (or find it, for a retry) and wait until it is registered with
    its first clocks; keyed by the case id, so a retry never starts a second one."""
    operation = WithStartWorkflowOperation(
        PetitionWorkflow.run,
        start,
        id=workflow_id(start.case_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A case that has closed is never started again under its id (a late retry).
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    return await client.execute_update_with_start_workflow(
        "registration",
        start_workflow_operation=operation,
        result_type=CaseSnapshot,
        id=f"registration:{start.case_id}",
        rpc_timeout=rpc_timeout,
    )


def unavailable(what: Message) -> ProblemError:
    return ProblemError(
        503,
        Message(
            f"工作流服务暂不可用（{what.zh}），请用相同的 Idempotency-Key 重试",
            f"{what.en}; retry with the same Idempotency-Key",
        ),
        headers={"Retry-After": "5"},
    )


def update_problem(err: WorkflowUpdateFailedError) -> ProblemError:
    """The problem a failed update answers: the domain error its workflow raised (carried as an
    ``ApplicationError`` of that name, maybe under an activity's failure) mapped as any domain
    error is (``problems.from_domain``); 500 for anything else."""
    domain = _domain_error(err.cause)
    if domain is None:
        return ProblemError(500, Message("操作意外失败", "the action failed unexpectedly"))
    return from_domain(domain)


def _domain_error(cause: BaseException | None) -> DomainError | None:
    while isinstance(cause, BaseException):
        if isinstance(cause, ApplicationError) and cause.type in DomainError.by_name:
            details = cause.details[0] if cause.details else {}
            return domain_error(cause.type, cause.message, details)
        cause = cause.__cause__
    return None


class CaseWorkflows:
    """The calls the case service makes on a case's workflow, each bounded by the settings'
    update timeout."""

    def __init__(self, *, client: Client, settings: Settings) -> None:
        self.client, self.settings = client, settings
        self.rpc_timeout = timedelta(seconds=settings.update_timeout_seconds)

    def _handle(self, case_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id(case_id))

    async def start(self, start: StartCase) -> CaseSnapshot:
        return await start_case(
            self.client, start, self.settings.task_queue, rpc_timeout=self.rpc_timeout
        )

    async def snapshot(self, case_id: str) -> CaseSnapshot:
        return await self._handle(case_id).query(
            "snapshot", result_type=CaseSnapshot, rpc_timeout=self.rpc_timeout
        )

    async def visit(self, case_id: str, request: VisitRequest, *, update_id: str) -> CaseSnapshot:
        return await self._handle(case_id).execute_update(
            "visit", request, result_type=CaseSnapshot, id=update_id, rpc_timeout=self.rpc_timeout
        )

    async def act(self, case_id: str, request: ActionRequest, *, update_id: str) -> CaseSnapshot:
        return await self._handle(case_id).execute_update(
            "act", request, result_type=CaseSnapshot, id=update_id, rpc_timeout=self.rpc_timeout
        )
