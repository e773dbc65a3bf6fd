"""A small driver for petition workflows in tests: start, act, read, and wait for the projection."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from models.boundary import ActionRequest, CaseSnapshot, Petitioner, StartCase
from models.case import UnitRef
from models.daycount import CalendarFile, CalendarSnapshot, WorkCalendar
from models.policy import SlaPolicy, parse_policy
from models.tables import AlertRow, CaseEventRow, CaseRow
from petitionflow import unit_tree
from petitionflow.temporal import workflow_id
from tests.workflows.history_checks import assert_no_failed_workflow_tasks, save_history
from workflows.petition import PetitionWorkflow

# Saved histories by released behaviour; new ones are written to the current behaviour's folder
# and older folders are never rewritten, so every running generation of cases stays replayable.
GENERATION = "v6-inline-clocks"
PETITIONER = Petitioner(
    name="张三丰", id_number="33048219800101123X", phone="13812345678", address="东门社区1号"
)


@dataclass
class CaseDriver:
    env: WorkflowEnvironment
    engine: Engine
    task_queue: str
    # The calendar the worker counts by, snapshotted into each case as the API does; None:
    # cases as registered before the snapshot, every deadline asked of the activity.
    calendar: WorkCalendar | CalendarFile | None = None
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    def unit_path(self, unit_id: str) -> list[UnitRef]:
        with Session(self.engine) as session:
            return unit_tree.unit_path(session, unit_id, strict=True)

    async def start(
        self,
        *,
        unit_id: str = "pinghu.danghu.dongmen",
        policy: SlaPolicy | str = "",
        history_limit: int = 10_000,
    ) -> WorkflowHandle[Any, Any]:
        if isinstance(policy, str):
            policy = parse_policy(policy)
        case_id = uuid.uuid4().hex[:16]
        handle = await self.env.client.start_workflow(
            PetitionWorkflow.run,
            StartCase(
                case_id=case_id,
                tracking_code=uuid.uuid4().hex[:10],
                kind="claim",
                category="物业纠纷",
                severity="minor",
                channel="visit",
                title="小区物业费争议",
                description="反映物业公司乱收费",
                petitioner=PETITIONER,
                petitioner_key="hmac-of-id",
                unit_path=self.unit_path(unit_id),
                policy=policy,
                registered_by="u-officer",
                history_limit=history_limit,
                calendar=await self._calendar_snapshot(),
            ),
            id=workflow_id(case_id),
            task_queue=self.task_queue,
        )
        self.started.append(handle)
        for _ in range(200):  # registration answers once the first clocks run
            if (await self.snapshot(handle)).event_seq:
                return handle
            await asyncio.sleep(0.02)
        raise AssertionError("registration did not finish")

    async def _calendar_snapshot(self) -> CalendarSnapshot | None:
        calendar = self.calendar() if isinstance(self.calendar, CalendarFile) else self.calendar
        if calendar is None:
            return None
        return calendar.snapshot(since_year=(await self.env.get_current_time()).year - 1)

    async def close(self) -> None:
        """Terminate what is still running: on the time-skipping server a case whose worker is
        gone would hold the clock still for every later test."""
        for handle in self.started:
            # Let in-flight projection activities finish first: the test server does not skip
            # time while an activity of a terminated case is still out with a worker.
            with contextlib.suppress(AssertionError, RPCError):
                await self.projected(handle)
            with contextlib.suppress(RPCError):
                await handle.terminate("test finished")
        for handle in self.started:  # a failed workflow task would jam the case for ever
            await assert_no_failed_workflow_tasks(handle)  # the first run
            await assert_no_failed_workflow_tasks(self.env.client.get_workflow_handle(handle.id))

    async def act(
        self,
        handle: WorkflowHandle[Any, Any],
        action: str,
        *,
        role: str = "officer",
        user: str | None = None,
        unit: str | None = None,
        update_id: str | None = None,
        **params: Any,
    ) -> CaseSnapshot:
        """``unit``: the caller's unit, checked against where the case is now (None: no check)."""
        request = ActionRequest(
            action=action,
            params=params,
            role=role,
            user_id=user or f"u-{role}",
            caller_unit_id=unit,
        )
        return await handle.execute_update(PetitionWorkflow.act, request, id=update_id)

    async def snapshot(self, handle: WorkflowHandle[Any, Any]) -> CaseSnapshot:
        return await handle.query(PetitionWorkflow.snapshot)

    async def sleep(self, **delta: float) -> None:
        await self.env.sleep(timedelta(**delta))

    async def projected(self, handle: WorkflowHandle[Any, Any]) -> list[CaseEventRow]:
        """The timeline once the projection has caught up with the workflow."""
        snap = await self.snapshot(handle)
        case_id = snap.case_id
        for _ in range(200):
            with Session(self.engine) as session:
                row = session.get(CaseRow, case_id)
                events = session.exec(
                    select(CaseEventRow)
                    .where(CaseEventRow.case_id == case_id)
                    .order_by(col(CaseEventRow.seq))
                ).all()
                caught_up = row is not None and row.event_seq == snap.event_seq == len(events)
                if caught_up and snap.pending_writes == 0:
                    return list(events)
            await asyncio.sleep(0.05)
            snap = await self.snapshot(handle)
        raise AssertionError(f"projection of {case_id} did not catch up")

    def case_row(self, case_id: str) -> CaseRow:
        with Session(self.engine) as session:
            row = session.get(CaseRow, case_id)
            assert row is not None
            return row

    def alerts(self, case_id: str) -> list[AlertRow]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(AlertRow)
                    .where(AlertRow.case_id == case_id)
                    .order_by(col(AlertRow.created_at), col(AlertRow.alert_id))
                ).all()
            )

    async def save_history(self, handle: WorkflowHandle[Any, Any], name: str) -> None:
        """Keep the history for replay tests when PETITIONFLOW_REFRESH_HISTORIES=1."""
        await save_history(handle, GENERATION, name)
