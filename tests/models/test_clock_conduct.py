"""What each clock does when it comes due, from its one definition (``models/clocks.py``'s
``ON_DUE``), and whom its alerts reach on a case (``models/clock_plan.py``'s ``alerts_due``).
The workflow asks nothing else (``tests/workflows/test_clock_conduct.py`` drives it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from models.case import CoTask, HandOver, PetitionCase, SupervisionOrder, UnitRef
from models.clock_plan import DueAlert, alerts_due
from models.clocks import ON_DUE, REQUEST_WINDOWS, Clock, ClockLedger, ClockName, is_statutory
from models.daycount import Deadline
from models.vocabulary import Level

COUNTY = UnitRef(id="pinghu", level=Level.county, name="平湖市")
TOWN = UnitRef(id="pinghu.danghu", level=Level.town, name="当湖街道")
VILLAGE = UnitRef(id="pinghu.danghu.dongmen", level=Level.village, name="东门社区")
DEPARTMENT = UnitRef(id="pinghu.danghu.sfs", level=Level.town, name="当湖司法所")
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("clock", "escalates", "warning", "breach"),
    [
        # the periods of the law, the level and supervision windows: the holding unit is told
        # and the case moves (up a level, or at the top the call for supervision)
        *[
            (name, True, [("warning", "holder")], [("breach", "holder")])
            for name in (
                "acceptance",
                "handling",
                "review",
                "re_review",
                "delivery",
                "level",
                "supervision",
            )
        ],
        # 调解时限: the holding unit is told; the case does not move
        ("mediation", False, [("warning", "holder")], [("breach", "holder")]),
        # 督办单: the issuer and the unit that must answer; the issuer and the unit above it
        (
            "order",
            False,
            [("warning", "issuer"), ("warning", "holder")],
            [("breach", "issuer"), ("breach", "unit_above")],
        ),
        # 交办/会办: the task's unit; that unit and the handing unit, called to supervise
        *[
            (
                name,
                False,
                [("warning", "task_unit")],
                [("breach", "task_unit"), ("supervision", "handing_unit")],
            )
            for name in ("hand_over", "co_handling")
        ],
    ],
)
def test_each_clock_states_what_its_warning_and_breach_do(
    clock: ClockName, escalates: bool, warning: list[object], breach: list[object]
) -> None:
    on_due = ON_DUE[clock]
    assert (on_due.escalates, list(on_due.warning), list(on_due.breach)) == (
        escalates,
        warning,
        breach,
    )
    assert on_due.breach_renotifies  # every breach is sent again until acknowledged


def test_every_duty_clock_has_one_definition_and_request_windows_none() -> None:
    assert set(ON_DUE) == set(get_args(ClockName)) - REQUEST_WINDOWS


def test_a_statutory_period_always_escalates() -> None:
    """Only the product's own targets may breach without moving the case."""
    assert all(on_due.escalates for name, on_due in ON_DUE.items() if is_statutory(name))


def _clock(name: ClockName, ledger: ClockLedger) -> Clock:
    deadline = Deadline(
        start=AT,
        span="P3D",
        mode="natural",
        due_at=AT + timedelta(days=3),
        calendar="test",
        explanation="",
    )
    return ledger.start(name, deadline, unit_id=VILLAGE.id, level=VILLAGE.level)


def _held_by_village() -> tuple[PetitionCase, list[UnitRef]]:
    return PetitionCase(unit_id=VILLAGE.id, level=VILLAGE.level), [VILLAGE, TOWN, COUNTY]


@pytest.mark.parametrize("name", ["handling", "mediation", "level"])
def test_a_holders_clock_alerts_the_holding_unit(name: ClockName) -> None:
    case, path = _held_by_village()
    clock = _clock(name, ClockLedger())
    assert alerts_due(clock, "warn", case, path) == [DueAlert("warning", None, 1)]
    assert alerts_due(clock, "breach", case, path) == [DueAlert("breach", None, 1)]


def test_an_orders_clock_alerts_the_issuer_and_the_unit_that_answers_or_the_one_above() -> None:
    case, path = _held_by_village()
    clock = _clock("order", ClockLedger())
    case.orders.append(
        SupervisionOrder(
            id="order-1",
            instructions="限期",
            issued_by="u-county",
            issuing_unit=COUNTY.id,
            to_unit=VILLAGE.id,
            clock_id=clock.id,
        )
    )
    about = "督办单 order-1，pinghu.danghu.dongmen"
    assert alerts_due(clock, "warn", case, path) == [
        DueAlert("warning", COUNTY, 1, about),
        DueAlert("warning", None, 2, about),
    ]
    assert alerts_due(clock, "breach", case, path) == [
        DueAlert("breach", COUNTY, 1, about),
        DueAlert("breach", TOWN, 2, about),
    ]


def test_a_unit_named_twice_is_alerted_once_and_the_top_has_none_above() -> None:
    case, path = PetitionCase(unit_id=COUNTY.id, level=COUNTY.level), [COUNTY]
    clock = _clock("order", ClockLedger())
    case.orders.append(
        SupervisionOrder(
            id="order-1",
            instructions="自动督办",
            issued_by="system",
            issuing_unit=COUNTY.id,
            to_unit=COUNTY.id,
            clock_id=clock.id,
        )
    )
    about = "督办单 order-1，pinghu"
    assert alerts_due(clock, "warn", case, path) == [DueAlert("warning", COUNTY, 1, about)]
    assert alerts_due(clock, "breach", case, path) == [DueAlert("breach", COUNTY, 1, about)]


def test_task_clocks_alert_their_unit_and_call_the_handing_unit_to_supervise() -> None:
    ledger = ClockLedger()
    lead, co = _clock("hand_over", ledger), _clock("co_handling", ledger)
    case = PetitionCase(unit_id=VILLAGE.id, level=VILLAGE.level)
    case.hand_overs.append(
        HandOver(
            number=1,
            handing_path=[TOWN, COUNTY],
            lead=VILLAGE,
            co_tasks=[CoTask(unit=DEPARTMENT, clock_id=co.id)],
            days=3,
            due_at=AT + timedelta(days=3),
            clock_id=lead.id,
        )
    )
    path = [VILLAGE, TOWN, COUNTY]
    for clock, unit in ((lead, VILLAGE), (co, DEPARTMENT)):
        assert alerts_due(clock, "warn", case, path) == [DueAlert("warning", unit, 1)]
        assert alerts_due(clock, "breach", case, path) == [
            DueAlert("breach", unit, 1),
            DueAlert("supervision", TOWN, 1),
        ]
