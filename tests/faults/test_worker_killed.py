"""A worker SIGKILLed in the middle of lifecycles: every case continues after a restart, the
projection has every event exactly once, and clocks that came due while it was down fire."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import AlertRow, CaseEventRow, CaseRow
from tests.api.conftest import resident_id
from tests.faults.conftest import Stack, WorkerProcess

POLICY = '[clocks]\nacceptance = "PT4S"\n[levels]\nvillage = "PT600S"\n'


async def until(check, timeout: float = 90):
    for _ in range(int(timeout / 0.2)):
        if result := await check():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("not reached in time")


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_worker_sigkill_loses_nothing(stack: Stack, tmp_path: Path) -> None:
    stack.use_policy(POLICY)
    worker = WorkerProcess(stack, tmp_path / "worker.log")
    worker.start()

    async def register(key: str) -> str:
        """As a client does: retry with the same key while the worker is still starting."""
        for _ in range(60):
            r = await stack.register(key=key, petitioner_id_number=resident_id(hash(key) % 1000))
            if r.status_code in (200, 201):
                return str(r.json()["case_id"])
            assert r.status_code == 503, r.text
            await asyncio.sleep(0.5)
        raise AssertionError("the worker never came up")

    try:
        waiting = [await register(f"waiting-{i}") for i in range(3)]
        handled = [await register(f"handled-{i}") for i in range(2)]
        for case_id in handled:
            assert (await stack.act(case_id, "accept")).status_code == 200
        worker.kill()  # mid-lifecycle: acceptance clocks of `waiting` are still running

        r = await stack.act(handled[0], "assess", claim="reasonable")
        assert r.status_code == 503  # nothing is lost: the client may retry
        await asyncio.sleep(5)  # the acceptance clocks come due while no worker runs
        worker.start()

        for case_id in handled:
            # The dead worker held these cases in its cache: Temporal hands them to the new one
            # after the workflow-task timeout, so the first tries may answer 503. Clients retry
            # with the same key; the action applies once.
            async def applied(case_id: str = case_id):
                r = await stack.act(case_id, "assess", claim="reasonable", key=f"assess-{case_id}")
                assert r.status_code in (200, 503), r.text
                return r.status_code == 200

            await until(applied, timeout=60)

        async def escalated():
            levels = [
                (await stack.get(f"/api/v1/cases/{c}", who="admin")).json()["level"]
                for c in waiting
            ]
            return all(level == "town" for level in levels)

        await until(escalated)

        async def converged():
            with Session(stack.engine) as session:
                for case_id in waiting + handled:
                    row = session.get(CaseRow, case_id)
                    events = session.exec(
                        select(func.count()).where(CaseEventRow.case_id == case_id)
                    ).one()
                    if row is None or row.event_seq != events:
                        return False
                    snap = (await stack.get(f"/api/v1/cases/{case_id}", who="admin")).json()
                    if snap["event_seq"] != events or row.state != snap["state"]:
                        return False
                return True

        await until(converged)
        with Session(stack.engine) as session:
            for case_id in waiting:
                kinds = session.exec(select(AlertRow.kind).where(AlertRow.case_id == case_id)).all()
                assert {"warning", "breach", "escalation"} <= set(kinds)
            seqs = session.exec(
                select(CaseEventRow.case_id, func.count(), func.max(CaseEventRow.seq)).group_by(
                    CaseEventRow.case_id
                )
            ).all()
            assert all(count == top for _, count, top in seqs)  # no gaps, no duplicates
    finally:
        worker.stop()
