"""A collective petition and a duplicate merged into it, on the time-skipping server: the county
alerted at registration, every petitioner kept masked with their reference, a repeat visit on
the entries of those who came, and the merge recorded on both cases. Histories are kept under
``histories/collective-links-v1/`` (replayed by test_replay)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from temporalio.client import WorkflowHandle

from models.boundary import ActionRequest, Person, Petitioner, StartCase, VisitRequest
from models.case import OtherCase
from models.policy import parse_policy
from petitionflow.temporal import workflow_id
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import save_history
from workflows.petition import PetitionWorkflow

FOLDER = "collective-links-v1"


def people(count: int) -> list[Person]:
    return [
        Person(
            petitioner=Petitioner(name=f"村民{i}", id_number=f"33048219800101{i:03d}X"),
            representative=i < 2,
            keys={"petitioner_key": f"key-{i}", "person_ref": f"ref{i:03d}"},
        )
        for i in range(count)
    ]


async def start(
    driver: CaseDriver, *, severity: str, group: list[Person]
) -> WorkflowHandle[Any, Any]:
    case_id = uuid.uuid4().hex[:16]
    handle = await driver.env.client.start_workflow(
        PetitionWorkflow.run,
        StartCase(
            case_id=case_id,
            tracking_code=uuid.uuid4().hex[:10],
            kind="claim",
            category="征地拆迁",
            severity=severity,
            channel="visit",
            title="村民集体反映征地补偿",
            petitioner=group[0].petitioner,
            petitioner_key="key-0",
            unit_path=driver.unit_path("pinghu"),
            policy=parse_policy(""),
            registered_by="u-officer",
            people=group,
            headcount=40,
        ),
        id=workflow_id(case_id),
        task_queue=driver.task_queue,
    )
    driver.started.append(handle)
    for _ in range(200):
        if (await driver.snapshot(handle)).event_seq:
            return handle
        await asyncio.sleep(0.02)
    raise AssertionError("registration did not finish")


async def test_collective_case_and_a_duplicate_merged_into_it(driver: CaseDriver) -> None:
    group = await start(driver, severity="group", group=people(3))
    snap = await driver.snapshot(group)
    assert snap.headcount == 40 and [p.ref for p in snap.petitioners] == [
        "ref000",
        "ref001",
        "ref002",
    ]
    assert [p.representative for p in snap.petitioners] == [True, True, False]
    assert snap.petitioners[0].id_number == "330482********000X"

    await group.execute_update(
        PetitionWorkflow.visit,
        VisitRequest(
            role="officer", user_id="u-officer", channel="letter", petitioner_refs=["ref002"]
        ),
        id="visit-1",
    )
    duplicate = await start(driver, severity="major", group=people(1))
    here = await driver.snapshot(group)
    merge = ActionRequest(
        action="merge",
        params={"other_case_id": here.case_id, "note": "重复件"},
        role="supervisor",
        user_id="u-supervisor",
        other=OtherCase(case_id=here.case_id, state=here.state, unit_id=here.unit_id),
    )
    merged = await duplicate.execute_update(PetitionWorkflow.act, merge)
    assert (merged.state, merged.merged_into) == ("merged", here.case_id)
    assert (await duplicate.result()).state == "merged"

    for _ in range(500):  # the signal to the case merged into
        target = await driver.snapshot(group)
        if target.merged_cases:
            break
        await asyncio.sleep(0.02)
    assert target.visit_count == 3 and target.merged_cases == [merged.case_id]
    assert [p.visits for p in target.petitioners] == [[1], [1], [1, 2]]

    events = await driver.projected(group)
    # (the time-skipping server may run the group's clocks on while the duplicate's result is
    # awaited: their warnings are not what this test is about)
    actions = [e.action for e in events if e.action not in ("warn", "breach")]
    assert actions == ["register", "visit", "merged_in"]
    merged_in = next(e for e in events if e.action == "merged_in")  # a warning may follow it
    assert merged_in.params["visits_added"] == 1

    # the workflow's routing alert to the county, and the risk rule's (预测预警) once projected
    # (the clocks' own alerts — warnings, breaches — may come too, as their events above)
    def routed() -> list[str]:
        clocks = ("warning", "breach", "supervision")
        return sorted(a.kind for a in driver.alerts(here.case_id) if a.kind not in clocks)

    for _ in range(500):  # stored after the events of its batch
        if len(routed()) >= 2:
            break
        await asyncio.sleep(0.02)
    assert routed() == ["collective", "risk"]
    assert driver.alerts(merged.case_id) == []  # a major matter alerts nobody at registration
    await save_history(duplicate, FOLDER, "merged_duplicate")
    await group.terminate("test finished")
    await save_history(group, FOLDER, "collective_with_merge")
