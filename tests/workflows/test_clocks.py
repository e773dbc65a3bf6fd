"""Statutory clocks: warning, breach, escalation up the tree, extension, suspension, forwarding."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from models.daycount import WorkCalendar
from tests.workflows.cases import CaseDriver

ZONE = ZoneInfo("Asia/Shanghai")
FAST_HANDLING = """
[clocks]
handling = "PT100S"
"""
# Exact (time-part) durations so the path runs in seconds of workflow time.
FAST_ACCEPTANCE = """
[clocks]
acceptance = "PT100S"
supervision = "PT100S"
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
    # the law's period stays breached with its legal due time; the town gets a supervision
    # window (督办时限) and a fresh level window, never a second statutory period
    breached = deadline(snap, "acceptance#1")
    assert (breached.status, breached.due_at) == ("breached", acceptance.due_at)
    assert not [d for d in snap.deadlines if d.id == "acceptance#2"]
    supervision = deadline(snap, "supervision#1")
    assert (supervision.status, supervision.unit_id) == ("running", "pinghu.danghu")
    assert deadline(snap, "level#2").level == "town"
    assert snap.overdue
    events = await driver.projected(handle)
    assert [e.action for e in events] == ["register", "warn", "breach", "auto_escalate"]
    assert alert_kinds(driver, snap.case_id) == ["warning", "breach", "escalation"]
    breach = driver.alerts(snap.case_id)[1]
    assert breach.unit_id == "pinghu.danghu.dongmen"  # the unit that let it lapse
    assert "受理告知期限" in breach.message and "小区物业费争议" in breach.message

    await driver.sleep(seconds=101)  # the town lets its supervision window lapse too
    snap = await driver.snapshot(handle)
    assert (snap.level, snap.unit_id) == ("county", "pinghu")
    assert not [d for d in snap.deadlines if d.clock == "level" and d.status == "running"]
    assert deadline(snap, "supervision#2").unit_id == "pinghu"
    assert snap.overdue

    await driver.sleep(seconds=101)  # and the county: supervision, nowhere higher to go
    snap = await driver.snapshot(handle)
    assert snap.level == "county"
    await driver.projected(handle)
    kinds = alert_kinds(driver, snap.case_id)
    assert kinds.count("supervision") == 1
    assert kinds.count("escalation") == 2
    assert [e.cause for e in snap.escalations] == ["acceptance", "supervision"]
    await driver.save_history(handle, "acceptance_breach")


def whole_day_due(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """24:00 of the ``days``-th day after ``start``'s local date, rolled to a working day."""
    last = start.astimezone(ZONE).date() + timedelta(days=days)
    while not calendar.is_working_day(last):
        last += timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=ZONE)


def assert_ends_at_midnight_of_a_working_day(due: datetime, calendar: WorkCalendar) -> None:
    local = due.astimezone(ZONE)
    assert local.time() == time(0), f"{local} is not 24:00"
    assert calendar.is_working_day(local.date() - timedelta(days=1)), f"{local} ends a rest day"


async def test_extension_counts_days_from_the_end_of_the_period(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    before = deadline(await driver.snapshot(handle), "handling#1")
    snap = await driver.act(handle, "extend", role="supervisor", days=12, reason="案情复杂")
    after = deadline(snap, "handling#1")
    # 民法典 201/203: day 1 is the day after the period's last day; the end rolls to a working day
    assert after.due_at == whole_day_due(before.due_at - timedelta(days=1), 12, calendar)
    assert_ends_at_midnight_of_a_working_day(after.due_at, calendar)
    assert "延期 12 日" in after.explanation
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


async def test_suspension_recounts_whole_days(driver: CaseDriver, calendar: WorkCalendar) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    before = await driver.snapshot(handle)
    running = {d.id: d for d in before.deadlines if d.status == "running"}
    assert set(running) == {"handling#1", "level#1"}
    spans = {"handling#1": 60, "level#1": 7}

    snap = await driver.act(handle, "suspend", reason="appraisal", note="鉴定")
    assert {d.status for d in snap.deadlines if d.id in running} == {"paused"}
    # a case whose clocks stand still is neither at risk nor overdue, and shows no due time
    assert (snap.next_due_at, snap.next_warn_at, snap.at_risk, snap.overdue) == (
        None,
        None,
        False,
        False,
    )
    await driver.sleep(days=10)
    snap = await driver.act(handle, "resume")
    for clock_id, clock_before in running.items():
        clock = deadline(snap, clock_id)
        (segment,) = clock.paused
        assert segment["reason"] == "appraisal"
        paused_on = datetime.fromisoformat(segment["start"]).astimezone(ZONE).date()
        resumed_on = datetime.fromisoformat(segment["end"]).astimezone(ZONE).date()
        moved = (resumed_on - paused_on).days
        assert moved in (10, 11)
        # the days the clock stood still do not count: whole days, then the rollover again
        expected = whole_day_due(clock_before.started_at, spans[clock_id] + moved, calendar)
        assert clock.due_at == expected, clock.explanation
        assert_ends_at_midnight_of_a_working_day(clock.due_at, calendar)
        assert "中止" in clock.explanation
        assert clock.status == "running"
    assert deadline(snap, "acceptance#1").paused == []  # already met, not touched
    await driver.save_history(handle, "suspension")


async def test_a_pause_within_one_day_moves_nothing(driver: CaseDriver) -> None:
    handle = await driver.start()
    await driver.act(handle, "accept")
    await driver.env.sleep(timedelta(seconds=1))
    before = deadline(await driver.snapshot(handle), "handling#1")
    await driver.act(handle, "suspend", reason="appraisal")
    await driver.sleep(seconds=2)
    snap = await driver.act(handle, "resume")
    paused = deadline(snap, "handling#1").paused[0]
    same_day = (
        datetime.fromisoformat(paused["start"]).astimezone(ZONE).date()
        == datetime.fromisoformat(paused["end"]).astimezone(ZONE).date()
    )
    if same_day:  # two seconds across local midnight would be a day; rare, and checked above
        assert deadline(snap, "handling#1").due_at == before.due_at


async def test_extend_after_a_statutory_breach_is_refused_not_jammed(driver: CaseDriver) -> None:
    """Observed: a breached handling clock at county, then `extend` failed the workflow task for
    ever. The machine refuses it now (409 with a reason), and the case stays usable."""
    handle = await driver.start(unit_id="pinghu", policy=FAST_HANDLING)
    await driver.act(handle, "accept")
    await driver.sleep(seconds=130)
    snap = await driver.snapshot(handle)
    assert deadline(snap, "handling#1").status == "breached"
    assert "extend" not in snap.allowed_actions["supervisor"]
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "extend", role="supervisor", days=5, reason="补救")
    cause = err.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidTransition"
    assert "办理期限已届满" in str(cause)
    # the next action still works
    snap = await driver.act(handle, "assign", role="supervisor", officer_id="u-2")
    assert snap.assignee == "u-2"


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


async def test_the_receiving_unit_judges_anew_and_forwards_are_capped(driver: CaseDriver) -> None:
    """Observed: a case forwarded from handling kept the sender's assessment and tracks (reply
    allowed right after accept), and could bounce between units for ever."""
    handle = await driver.start(policy="[clocks]\nmax_forwards = 2\n")
    received = (await driver.snapshot(handle)).created_at
    await driver.sleep(days=2)
    await driver.act(handle, "accept")
    await driver.act(handle, "assess", claim="reasonable")
    await driver.act(handle, "complete_track", track="resolution")
    snap = await driver.act(handle, "forward", unit_id="pinghu.zhapu")
    assert (snap.state, snap.unit_id, snap.assessment) == ("registered", "pinghu.zhapu", None)
    assert set(snap.tracks.values()) == {"pending"}
    snap = await driver.act(handle, "accept")
    assert "reply" not in snap.allowed_actions["officer"]  # assess and handle first
    snap = await driver.act(handle, "forward", unit_id="pinghu.danghu.dongmen")
    assert snap.forwards == 2
    # the cap is reached: officers may no longer forward; a supervisor decides
    assert "forward" not in snap.allowed_actions["officer"]
    assert "forward" in snap.allowed_actions["supervisor"]
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "forward", unit_id="pinghu.zhapu")
    assert err.value.cause.type == "Forbidden"  # type: ignore[union-attr]
    snap = await driver.act(handle, "forward", role="supervisor", unit_id="pinghu.zhapu")
    assert (snap.unit_id, snap.forwards) == ("pinghu.zhapu", 3)
    assert snap.created_at == received  # the day of receipt is kept, whatever the forwards
