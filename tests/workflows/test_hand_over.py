"""交办/会办 in the workflow on the time-skipping server: a hand-over in whole days reported and
replied, and one whose deadline breaches by itself (alerts to the late and the handing unit, the
case staying put) before it is taken back. Their histories are kept for replay
(``histories/hand-over-v1``, written when PETITIONFLOW_REFRESH_HISTORIES=1)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from models.boundary import ActionRequest, CaseSnapshot
from models.tables import AlertRow
from tests.test_departments import add_departments
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import save_history
from workflows.petition import PetitionWorkflow

FOLDER = "hand-over-v1"


async def hand_over(
    driver: CaseDriver, handle: WorkflowHandle[Any, Any], days: int
) -> CaseSnapshot:
    units = {u: driver.unit_path(u) for u in ("pinghu.zjj", "pinghu.rsj")}
    request = ActionRequest(
        action="hand_over",
        params={
            "lead_unit_id": "pinghu.zjj",
            "co_unit_ids": ["pinghu.rsj"],
            "instructions": "住建局牵头，人社局会办",
            "days": days,
        },
        role="officer",
        user_id="u-county",
        caller_unit_id="pinghu",
        units=units,
    )
    return await handle.execute_update(PetitionWorkflow.act, request)


async def started_at_county(driver: CaseDriver) -> WorkflowHandle[Any, Any]:
    add_departments(driver.engine)
    handle = await driver.start(unit_id="pinghu")
    await driver.act(handle, "accept", unit="pinghu")
    return handle


async def test_hand_over_reported_and_replied(driver: CaseDriver) -> None:
    handle = await started_at_county(driver)
    snap = await hand_over(driver, handle, days=10)
    assert snap.unit_id == "pinghu.zjj"
    lead = next(d for d in snap.deadlines if d.id == "hand_over#1")
    assert lead.due_at.astimezone(lead.due_at.tzinfo).time().hour == 0  # 24:00 of a day
    await driver.act(handle, "report", unit="pinghu.rsj", summary="已会办")
    await driver.act(handle, "assess", unit="pinghu.zjj", claim="reasonable")
    await driver.act(handle, "complete_track", unit="pinghu.zjj", track="resolution")
    snap = await driver.act(handle, "reply", unit="pinghu.zjj", summary="书面答复")
    assert snap.state == "replied" and snap.hand_overs[0].status == "done"
    assert {d.id: d.status for d in snap.deadlines}["hand_over#1"] == "met"
    await driver.projected(handle)
    await save_history(handle, FOLDER, "hand_over_reported_and_replied")


async def test_hand_over_breached_then_taken_back(driver: CaseDriver) -> None:
    handle = await started_at_county(driver)
    await hand_over(driver, handle, days=3)
    await driver.sleep(days=8)
    snap = await driver.snapshot(handle)
    clocks = {d.id: d.status for d in snap.deadlines}
    assert (clocks["hand_over#1"], clocks["co_handling#1"]) == ("breached", "breached")
    assert snap.unit_id == "pinghu.zjj" and not snap.escalations
    snap = await driver.act(handle, "take_back", unit="pinghu", note="收回")
    assert snap.unit_id == "pinghu" and snap.hand_overs[0].status == "taken_back"
    await driver.projected(handle)
    with Session(driver.engine) as session:
        alerts = session.exec(select(AlertRow).where(AlertRow.case_id == snap.case_id)).all()
    assert {(a.kind, a.unit_id) for a in alerts} >= {
        ("hand_over", "pinghu.zjj"),
        ("hand_over", "pinghu.rsj"),
        ("breach", "pinghu.zjj"),
        ("breach", "pinghu.rsj"),
        ("supervision", "pinghu"),
    }
    await save_history(handle, FOLDER, "hand_over_breached_then_taken_back")
