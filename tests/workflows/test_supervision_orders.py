"""督办单 in the workflow: each order's own whole-day clock (several at once), its warning and
breach alerting the issuer and the unit above the late one, the answer stopping its own clock,
and the automatic order a breach at the county issues. Histories are kept for replay under
``histories/supervision-orders-v1``."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from models.daycount import WorkCalendar
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import save_history
from tests.workflows.test_clocks import (
    assert_ends_at_midnight_of_a_working_day,
    deadline,
    whole_day_due,
)

FOLDER = "supervision-orders-v1"
FAST_AT_COUNTY = """
[clocks]
acceptance = "PT100S"
supervision = "PT100S"
"""


async def test_orders_run_their_own_clocks_and_breach_by_themselves(
    driver: CaseDriver, calendar: WorkCalendar
) -> None:
    handle = await driver.start()  # at the village 东门社区
    first = await driver.act(
        handle, "supervise", role="supervisor", unit="pinghu.danghu", instructions="限期三日",
        respond_within=3,
    )  # fmt: skip
    order = first.orders[0]
    clock = deadline(first, "order#1")
    assert (order.id, order.issuing_unit, order.to_unit) == (
        "order-1",
        "pinghu.danghu",
        "pinghu.danghu.dongmen",
    )
    assert clock.due_at == order.due_at == whole_day_due(clock.started_at, 3, calendar)
    assert_ends_at_midnight_of_a_working_day(clock.due_at, calendar)
    second = await driver.act(
        handle, "supervise", role="supervisor", unit="pinghu.danghu", instructions="限期十日",
        respond_within=10,
    )  # fmt: skip
    assert [o.open for o in second.orders] == [True, True]

    answered = await driver.act(handle, "respond_supervision", summary="已答复", order_id="order-2")
    assert deadline(answered, "order#2").status == "met"
    assert deadline(answered, "order#1").status == "running"
    assert not answered.orders[1].late

    await driver.sleep(days=6)  # order-1 is left unanswered past its time
    snap = await driver.snapshot(handle)
    assert deadline(snap, "order#1").status == "breached"
    assert snap.orders[0].open and "respond_supervision" in snap.allowed_actions["officer"]
    await driver.projected(handle)
    order_alerts = {
        (a.kind, a.unit_id) for a in driver.alerts(snap.case_id) if a.clock_id == "order#1"
    }
    # the warning: the unit that must answer and the issuer; the breach: the issuer, which is
    # also the unit above the late one (once)
    assert order_alerts == {
        ("warning", "pinghu.danghu"),
        ("warning", "pinghu.danghu.dongmen"),
        ("breach", "pinghu.danghu"),
    }
    late = await driver.act(handle, "respond_supervision", summary="逾期答复")
    assert late.orders[0].late and not late.orders[0].open
    assert deadline(late, "order#1").status == "breached"  # a breach stays breached

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "respond_supervision", summary="再答复")
    cause = err.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidTransition"
    await save_history(handle, FOLDER, "orders_answered_and_breached")


async def test_a_breach_at_the_county_issues_an_automatic_order(driver: CaseDriver) -> None:
    handle = await driver.start(unit_id="pinghu", policy=FAST_AT_COUNTY)
    await driver.sleep(seconds=110)  # acceptance breaches at the top unit
    snap = await driver.snapshot(handle)
    (order,) = snap.orders
    assert (order.automatic, order.issued_by, order.issuing_unit) == (True, "system", "pinghu")
    assert deadline(snap, "order#1").status == "running"
    assert snap.level == "county" and not snap.escalations

    await driver.sleep(seconds=110)  # and the order itself is not answered in time
    snap = await driver.snapshot(handle)
    assert deadline(snap, "order#1").status == "breached"
    events = await driver.projected(handle)
    assert [e.action for e in events] == [
        "register",
        "warn",
        "breach",
        "supervise",
        "warn",
        "breach",
    ]
    kinds = [(a.kind, a.clock_id) for a in driver.alerts(snap.case_id)]
    assert ("supervision", "acceptance#1") in kinds and ("breach", "order#1") in kinds
    await save_history(handle, FOLDER, "automatic_order")
