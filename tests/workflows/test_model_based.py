"""A model-based test of the real petition workflow on the time-skipping server.

Hypothesis drives random actions by random roles and units, random skips of time (across
weekends and holidays), suspensions and extensions; after every step it checks what the law and
the machine promise: every update is answered (no timeout), no workflow task failed, every
whole-day due time ends at 24:00 of a working day, no clock runs in a final state, and the
snapshot's ``allowed_actions`` is exactly what the workflow accepts. At the end the projection
converges to the snapshot. Seeded (derandomized) and bounded so it runs in the suite.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import Engine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from models.actions import ACTION_PARAMS
from models.boundary import CaseSnapshot
from models.daycount import WorkCalendar
from models.lifecycle import FINAL_STATES
from models.scope import sees
from tests.models.builders import VALID_PARAMS
from tests.workflows.cases import CaseDriver
from tests.workflows.conftest import petition_worker, start_test_server
from tests.workflows.history_checks import assert_no_failed_workflow_tasks

T = TypeVar("T")
ZONE = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()
UNITS = ["pinghu", "pinghu.danghu", "pinghu.danghu.dongmen", "pinghu.zhapu"]
ROLES = ["officer", "supervisor", "admin"]
# 交办/会办 need the units the API resolves: tests/api/cases/test_hand_over.py drives them;
# link, unlink and merge name another running case: tests/workflows/test_collective_links.py
ACTIONS = sorted(
    set(ACTION_PARAMS) - {"hand_over", "report", "take_back", "link", "unlink", "merge"}
)
# A short level window keeps escalation in reach of a few skips; the law's periods stay as is.
POLICY = '[levels]\nvillage = "P3D"\ntown = "P5D"\n[clocks]\nsupervision = "P4D"\n'


class Loop:
    """An event loop in a thread of its own, holding the test server and the worker, so that
    Hypothesis's synchronous rules can drive the asynchronous workflow."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def harness(engine: Engine) -> Iterator[tuple[Loop, CaseDriver]]:
    loop = Loop()
    executor = ThreadPoolExecutor(max_workers=8)

    async def start() -> tuple[WorkflowEnvironment, Any, CaseDriver]:
        env = await start_test_server()
        worker, task_queue = petition_worker(env, engine, CALENDAR, executor)
        await worker.__aenter__()
        return (
            env,
            worker,
            CaseDriver(env=env, engine=engine, task_queue=task_queue, calendar=CALENDAR),
        )

    env, worker, driver = loop.run(start())
    try:
        yield loop, driver
    finally:

        async def stop() -> None:
            await driver.close()
            await worker.__aexit__(None, None, None)
            await env.shutdown()

        loop.run(stop(), timeout=120)
        loop.stop()
        executor.shutdown()


def check_whole_days(snap: CaseSnapshot) -> None:
    for clock in snap.deadlines:
        local = clock.due_at.astimezone(ZONE)
        assert local.time() == time(0), f"{clock.id} due {local}: not 24:00 ({clock.explanation})"
        last_day = local.date() - timedelta(days=1)
        assert CALENDAR.is_working_day(last_day), f"{clock.id} ends on a rest day {last_day}"


class PetitionModel(RuleBasedStateMachine):
    loop: Loop
    driver: CaseDriver

    def __init__(self) -> None:
        super().__init__()
        self.handle: WorkflowHandle[Any, Any] | None = None

    @initialize(unit=st.sampled_from(["pinghu.danghu.dongmen", "pinghu.danghu", "pinghu"]))
    def register(self, unit: str) -> None:
        self.handle = self.loop.run(self.driver.start(unit_id=unit, policy=POLICY))

    def snap(self) -> CaseSnapshot:
        assert self.handle is not None
        return self.loop.run(self.driver.snapshot(self.handle))

    def params_for(self, action: str, snap: CaseSnapshot) -> dict[str, Any]:
        params = dict(VALID_PARAMS[action])
        if action == "complete_track":
            pending = [t for t, s in snap.tracks.items() if s == "pending"]
            params["track"] = pending[0] if pending else "resolution"
        if action == "extend":
            params["days"] = 10
        if action == "forward":
            params["unit_id"] = "pinghu.zhapu" if snap.unit_id != "pinghu.zhapu" else "pinghu"
        return params

    @rule(
        action=st.sampled_from(ACTIONS),
        role=st.sampled_from(ROLES),
        caller_unit=st.one_of(st.none(), st.sampled_from(UNITS)),
    )
    def act(self, action: str, role: str, caller_unit: str | None) -> None:
        assert self.handle is not None
        snap = self.snap()
        path = self.driver.unit_path(snap.unit_id)
        expected = action in snap.allowed_actions.get(role, []) and sees(role, caller_unit, path)
        params = self.params_for(action, snap)
        try:
            after = self.loop.run(
                self.driver.act(self.handle, action, role=role, unit=caller_unit, **params)
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError), repr(cause)
            assert not expected, f"{action} by {role}@{caller_unit} refused: {cause}"
            assert self.snap().event_seq == snap.event_seq  # a refusal changes nothing
            return
        except Exception as exc:  # an RPC error on a closed case is a refusal too
            assert snap.state in FINAL_STATES, f"{action}: {exc!r}"
            return
        assert expected, f"{action} by {role}@{caller_unit} accepted in {snap.state}"
        assert after.event_seq > snap.event_seq

    @rule(days=st.sampled_from([0.25, 1, 2, 3, 6, 15, 40]))
    def skip(self, days: float) -> None:
        self.loop.run(self.driver.sleep(days=days))

    @invariant()
    def the_law_holds(self) -> None:
        if self.handle is None:
            return
        snap = self.snap()
        check_whole_days(snap)
        if snap.state in FINAL_STATES:
            assert not [d for d in snap.deadlines if d.status in ("running", "paused")]
        self.loop.run(assert_no_failed_workflow_tasks(self.handle))

    def teardown(self) -> None:
        if self.handle is not None:
            snap = self.snap()
            events = self.loop.run(self.driver.projected(self.handle))
            row = self.driver.case_row(snap.case_id)
            assert (row.state, row.unit_id, row.event_seq) == (
                snap.state,
                snap.unit_id,
                snap.event_seq,
            )
            assert len(events) == snap.event_seq


def test_the_workflow_against_its_model(harness: tuple[Loop, CaseDriver]) -> None:
    loop, driver = harness
    PetitionModel.loop, PetitionModel.driver = loop, driver
    run_state_machine_as_test(
        PetitionModel,
        settings=settings(
            max_examples=6,
            stateful_step_count=14,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
