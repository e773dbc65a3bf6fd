"""A bulk action's items: each sends one case's ``act`` update (the single action's checks run
in the case's own workflow: scope, state, role, parameters) and stores what it answered, once
per (job, case)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from models.boundary import CaseSnapshot
from models.bulk import BulkItem, BulkOutcome
from models.errors import DomainError, InvalidTransition, NotInScope
from models.messages import Message
from models.scope import visible_units
from models.tables import BulkActionItemRow, BulkActionRow, CaseRow
from models.vocabulary import ACTION_LABELS
from petitionflow import unit_tree
from petitionflow.temporal import workflow_id

NOT_IN_SCOPE = Message("案件不存在或不在您的范围内", "no such case in your scope")
UPDATE_TIMEOUT = timedelta(seconds=30)


class BulkActivities:
    def __init__(self, engine: Engine, client: Client) -> None:
        self._engine, self._client = engine, client

    @activity.defn(name="bulk_apply_item")
    async def apply_item(self, item: BulkItem) -> int:
        """Send one case's update unless its answer is stored; store the answer. Failures of
        Temporal or the database are raised and retried: the same update id is sent again,
        which the case applies at most once."""
        stored = await asyncio.to_thread(self._stored, item)
        if stored is not None:
            return stored
        outcome = await self._send(item)
        await asyncio.to_thread(self._store, item, outcome)
        return outcome.status

    async def _send(self, item: BulkItem) -> BulkOutcome:
        handle = self._client.get_workflow_handle(workflow_id(item.case_id))
        try:
            snap = await handle.execute_update(
                "act",
                item.request,
                id=item.update_id,
                result_type=CaseSnapshot,
                rpc_timeout=UPDATE_TIMEOUT,
            )
        except WorkflowUpdateFailedError as err:
            return _refusal(err.cause)
        except RPCError as err:
            if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise
            return await asyncio.to_thread(self._finished, item)
        return BulkOutcome(status=200, state=snap.state)

    def _finished(self, item: BulkItem) -> BulkOutcome:
        """No running workflow: no such case or one outside the caller's scope (404, as the
        single action answers), or a case that has ended (409, no actions allowed)."""
        request = item.request
        with Session(self._engine) as session:
            row = session.get(CaseRow, item.case_id)
            units = visible_units(
                request.role,
                request.caller_unit_id or "",
                lambda unit: unit_tree.subtree(session, unit),
            )
            seen = row is not None and (
                request.caller_unit_id is None or units is None or row.unit_id in units
            )
        if row is None or not seen:
            return _outcome(NotInScope(NOT_IN_SCOPE))
        label = row.snapshot.get("state_label", row.state)
        action = ACTION_LABELS.get(request.action, (request.action,))[0]
        return _outcome(
            InvalidTransition(
                Message(
                    f"案件已{label}，不能再执行“{action}”",
                    f"the case is {row.state}; no actions are allowed",
                ),
                action=request.action,
                state=row.state,
            )
        )

    def _stored(self, item: BulkItem) -> int | None:
        with Session(self._engine) as session:
            row = session.get(BulkActionItemRow, (item.job_id, item.case_id))
            return row.status if row is not None else None

    def _store(self, item: BulkItem, outcome: BulkOutcome) -> None:
        with Session(self._engine) as session, session.begin():
            if session.get(BulkActionItemRow, (item.job_id, item.case_id)) is not None:
                return
            session.add(
                BulkActionItemRow(
                    job_id=item.job_id,
                    case_id=item.case_id,
                    status=outcome.status,
                    state=outcome.state,
                    problem=outcome.model_dump(include={"error", "message", "details"})
                    if outcome.error
                    else None,
                    at=datetime.now(UTC),
                )
            )

    @activity.defn(name="bulk_finish_job")
    def finish_job(self, job_id: str) -> None:
        with Session(self._engine) as session, session.begin():
            job = session.get(BulkActionRow, job_id)
            if job is not None and job.finished_at is None:
                job.finished_at = datetime.now(UTC)


def _refusal(cause: BaseException | None) -> BulkOutcome:
    """The domain error the case's workflow refused the update with; anything else is a defect
    of that case (500), which a retry would not cure either."""
    while isinstance(cause, BaseException):
        if isinstance(cause, ApplicationError) and cause.type in DomainError.by_name:
            details = cause.details[0] if cause.details else {}
            return BulkOutcome(
                status=DomainError.by_name[cause.type].STATUS,
                error=cause.type,
                message=cause.message,
                details=dict(details) if isinstance(details, dict) else {},
            )
        cause = cause.__cause__
    return BulkOutcome(
        status=500,
        error="ActionFailed",
        message=str(Message("操作意外失败", "the action failed unexpectedly")),
    )


def _outcome(err: DomainError) -> BulkOutcome:
    return BulkOutcome(
        status=err.status, error=type(err).__name__, message=str(err), details=err.to_details()
    )
