"""Statutory clocks: warning, breach, escalation up the tree, extension, suspension, forwarding."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.cases import CaseDriver

# Exact (time-part) durations so the path runs in seconds of workflow time.
FAST_ACCEPTANCE = """
[clocks]
acceptance = "PT100S"
[levels]
village = "PT1000S"
town = "PT1000S"
"""


def deadline(snap, clock_id: str):
    return next(d for d in snap.deadlines if d.id == clock_id)


def alert_kinds(driver: CaseDriver, case_id: str) -> list[str]:
    return [a.kind for a in driver.alerts(case_id)]


async def test_acceptance_breach_escalates_village_town_county_then_supervision(
    driver: CaseDriver,
) -> None:
    handle = await driver.start(policy=FAST_ACCEPTANCE)
    snap = await driver.snapshot(handle)
    acceptance = deadline(snap, "acceptance#1")
    assert acceptance.warn_at is not None
    assert acceptance.warn_at - acceptance.started_at == timedelta(seconds=80)

    await driver.sleep(seconds=70)
    await driver.projected(handle)
    assert alert_kinds(driver, snap.case_id) == []

    await driver.sleep(seconds=15)  # past 80 %
    await driver.projected(handle)
    assert alert_kinds(driver, snap.case_id) == ["warning"]
    assert (await driver.snapshot(handle)).at_risk

    await driver.sleep(seconds=20)  # past due
    snap = await driver.snapshot(handle)
    assert (snap.level, snap.unit_id) == ("town", "pinghu.danghu")
    assert deadline(snap, "acceptance#1").status == "breached"
    fresh = deadline(snap, "acceptance#2")
    assert (fresh.status, fresh.unit_id) == ("running", "pinghu.danghu")
    assert deadline(snap, "level#2").level == "town"  # a fresh level window at town
    assert snap.overdue
    events = await driver.projected(handle)
    assert [e.action for e in events] == ["register", "warn", "breach", "auto_escalate"]
    assert alert_kinds(driver, snap.case_id) == ["warning", "breach", "escalation"]
    breach = driver.alerts(snap.case_id)[1]
    assert breach.unit_id == "pinghu.danghu.dongmen"  # the unit that let it lapse
    assert "受理告知期限" in breach.message and "小区物业费争议" in breach.message

    await driver.sleep(seconds=101)  # the town lets it lapse too
    snap = await driver.snapshot(handle)
    assert (snap.level, snap.unit_id) == ("county", "pinghu")
    assert not [d for d in snap.deadlines if d.clock == "level" and d.status == "running"]

    await driver.sleep(seconds=101)  # and the county: supervision, nowhere higher to go
    snap = await driver.snapshot(handle)
    assert snap.level == "county"
    await driver.projected(handle)
    kinds = alert_kinds(driver, snap.case_id)
    assert kinds.count("supervision") == 1
    assert kinds.count("escalation") == 2
    assert [e.cause for e in snap.escalations] == ["acceptance", "acceptance"]
    await driver.save_history(handle, "acceptance_breach")


async def test_extension_moves_handling_due_by_exactly_the_days(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    before = deadline(await driver.snapshot(handle), "handling#1")
    snap = await driver.act(handle, "extend", role="supervisor", days=12, reason="案情复杂")
    after = deadline(snap, "handling#1")
    assert after.due_at - before.due_at == timedelta(days=12)
    assert after.extension is not None
    assert after.extension["approved_by"] == "u-supervisor"
    assert after.extension["reason"] == "案情复杂"
    assert snap.extension_used
    assert "extend" not in snap.allowed_actions["supervisor"]

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "extend", role="supervisor", days=3, reason="again")
    cause = err.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidTransition"
    assert "extend" not in cause.details[0]["allowed_actions"]
    await driver.save_history(handle, "extension")


async def test_suspension_moves_every_running_due_time(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    before = await driver.snapshot(handle)
    running = {d.id: d.due_at for d in before.deadlines if d.status == "running"}
    assert set(running) == {"handling#1", "level#1"}

    snap = await driver.act(handle, "suspend", reason="appraisal", note="鉴定")
    assert {d.status for d in snap.deadlines if d.id in running} == {"paused"}
    await driver.sleep(days=10)
    snap = await driver.act(handle, "resume")
    for clock_id, due in running.items():
        clock = deadline(snap, clock_id)
        (segment,) = clock.paused
        assert segment["reason"] == "appraisal"
        gap = datetime.fromisoformat(segment["end"]) - datetime.fromisoformat(segment["start"])
        assert timedelta(days=10) <= gap < timedelta(days=10, minutes=5)
        assert clock.due_at - due == gap
        assert clock.status == "running"
    assert deadline(snap, "acceptance#1").paused == []  # already met, not touched
    await driver.save_history(handle, "suspension")


async def test_forwarding_restarts_acceptance_at_the_receiving_unit(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.sleep(days=3)
    snap = await driver.act(handle, "forward", unit_id="pinghu.zhapu", note="属乍浦镇管辖")
    assert (snap.state, snap.unit_id, snap.level) == ("registered", "pinghu.zhapu", "town")
    first, second = deadline(snap, "acceptance#1"), deadline(snap, "acceptance#2")
    assert first.status == "met"
    assert (second.status, second.unit_id) == ("running", "pinghu.zhapu")
    assert second.started_at - first.started_at >= timedelta(days=3)
    assert deadline(snap, "level#2").unit_id == "pinghu.zhapu"

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "forward", unit_id="nowhere")
    causes, cause = [], err.value.cause
    while cause is not None:  # the activity's failure, under the activity error
        causes.append(getattr(cause, "type", None))
        cause = cause.__cause__ if cause.__cause__ is not None else getattr(cause, "cause", None)
    assert "UnknownUnit" in causes
    assert (await driver.snapshot(handle)).unit_id == "pinghu.zhapu"
    await driver.save_history(handle, "forwarding")


async def test_manual_escalation_moves_up_with_a_fresh_level_window(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    snap = await driver.act(handle, "escalate", note="涉及多个村")
    assert (snap.level, snap.unit_id) == ("town", "pinghu.danghu")
    assert deadline(snap, "level#1").status == "met"
    assert (deadline(snap, "level#2").level, deadline(snap, "level#2").status) == (
        "town",
        "running",
    )
    assert deadline(snap, "handling#1").status == "running"  # the law's clock runs on
    assert snap.escalations[0].cause == "manual" and snap.escalations[0].by == "u-officer"
    await driver.projected(handle)
    assert alert_kinds(driver, snap.case_id) == ["escalation"]
