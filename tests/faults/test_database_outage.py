"""PostgreSQL refuses connections while activities write the projection: the activities retry,
and once the database is back the projection converges to exactly the workflows' state."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session

from models.tables import CaseRow
from petitionflow.db import make_engine
from petitionflow.worker import build_worker
from tests.api.conftest import Stack
from tests.faults.proxy import Proxy
from tests.test_dev_command import free_port


@pytest.mark.parametrize("stack", ["postgresql"], indirect=True)
async def test_projection_converges_after_a_database_outage(stack: Stack) -> None:
    port = free_port()
    # The server may be another host's (a container's, reached through Docker's gateway); the
    # proxy listens on this one.
    server = stack.engine.url
    proxy = Proxy(port, server.host or "127.0.0.1", server.port or 5432)
    await proxy.start()
    flaky = make_engine(
        server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    )
    task_queue = stack.settings.task_queue
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            stack.env.client,
            task_queue=task_queue,
            engine=flaky,
            calendar=stack.settings.work_calendar,
            executor=executor,
        )
        async with worker:
            cases = [(await stack.register()).json()["case_id"] for _ in range(4)]
            await asyncio.sleep(1)
            await proxy.cut()
            # Officers keep working: the workflow is the case, the database only its projection.
            for case_id in cases[:2]:
                assert (await stack.act(case_id, "accept")).status_code == 200
            assert (await stack.act(cases[2], "decline", reason="legal_channel")).status_code == 200
            await asyncio.sleep(3)
            with Session(stack.engine) as session:  # the projection is behind: writes fail
                behind = session.get(CaseRow, cases[0])
                assert behind is not None and behind.state == "registered"
            await proxy.start()

            async def converged() -> bool:
                for case_id in cases:
                    live = (await stack.get(f"/api/v1/cases/{case_id}", who="admin")).json()
                    with Session(stack.engine) as session:
                        row = session.get(CaseRow, case_id)
                        if row is None or row.event_seq != live["event_seq"]:
                            return False
                        if (row.state, row.level, row.unit_id) != (
                            live["state"],
                            live["level"],
                            live["unit_id"],
                        ):
                            return False
                        stored = {k: v for k, v in row.snapshot.items() if k != "allowed_actions"}
                        fresh = {k: v for k, v in live.items() if k in stored}
                        fresh.pop("allowed_actions", None)
                        if stored["deadlines"] != fresh["deadlines"]:
                            return False
                return True

            for _ in range(150):
                if await converged():
                    break
                await asyncio.sleep(0.2)
            assert await converged(), "the projection did not converge"
    await proxy.cut()
    flaky.dispose()
