"""Clocks whose breach alerts and never moves the case, through the workflow: a mediation window
(调解时限), a 督办单's clock and a hand-over's task clocks (交办/会办) warn and breach on one
case, and every alert they raise is the one their definition (``models/clocks.py``'s
``ON_DUE``) names, to the unit it names; the case stays where it is. A special case for one of
them anywhere else in the workflow fails here. The history is kept for replay
(``histories/clock-alerts-v1``)."""

from __future__ import annotations

from models.boundary import ActionRequest
from models.clocks import ON_DUE
from models.units import parse_unit_tree
from petitionflow.unit_tree import import_units
from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import save_history
from tests.workflows.test_clocks import deadline
from workflows.petition import PetitionWorkflow

FOLDER = "clock-alerts-v1"
TOWN, LEAD, CO, COUNTY = "pinghu.danghu", "pinghu.danghu.dongmen", "pinghu.danghu.sfs", "pinghu"
# the town's own department, to co-handle beside its village
TOWN_DEPARTMENT = (
    "- {id: pinghu.danghu.sfs, name: 当湖司法所, level: town, kind: department, "
    "parent: pinghu.danghu}"
)
# whole days throughout; the town's level window long enough not to warn meanwhile
POLICY = """
[clocks]
mediation = "P2D"
[levels]
town = "P60D"
"""
STAYING = ("mediation#1", "order#1", "hand_over#1", "co_handling#1")


async def test_non_escalating_clocks_alert_whom_their_definition_names(
    driver: CaseDriver,
) -> None:
    import_units(driver.engine, parse_unit_tree(TOWN_DEPARTMENT))
    handle = await driver.start(unit_id=TOWN, policy=POLICY)
    await driver.act(handle, "accept", unit=TOWN)
    await driver.act(handle, "assess", unit=TOWN, claim="reasonable", mediation=True)
    await driver.act(
        handle,
        "start_mediation",
        unit=TOWN,
        mediator="当湖街道人民调解委员会",
        parties=[{"name": "欧阳明", "role": "业主"}, {"name": "王五", "role": "邻居"}],
    )
    await driver.act(
        handle, "supervise", role="supervisor", unit=COUNTY, instructions="限期两日",
        respond_within=2,
    )  # fmt: skip
    request = ActionRequest(
        action="hand_over",
        params={"lead_unit_id": LEAD, "co_unit_ids": [CO], "instructions": "会办", "days": 3},
        role="officer",
        user_id="u-town",
        caller_unit_id=TOWN,
        units={u: driver.unit_path(u) for u in (LEAD, CO)},
    )
    snap = await handle.execute_update(PetitionWorkflow.act, request)
    last_due = max(deadline(snap, clock_id).due_at for clock_id in STAYING)
    await driver.sleep(seconds=(last_due - await driver.env.get_current_time()).total_seconds())
    await driver.sleep(hours=1)

    snap = await driver.snapshot(handle)
    assert {c: deadline(snap, c).status for c in STAYING} == dict.fromkeys(STAYING, "breached")
    assert deadline(snap, "handling#1").status == "running"
    assert deadline(snap, "level#1").status == "running"
    # none of them moved the case: it stays with the lead unit, at its level, not overdue
    assert not any(ON_DUE[c.split("#")[0]].escalates for c in STAYING)
    assert (snap.state, snap.unit_id, snap.escalations) == ("handling", LEAD, [])
    assert not snap.overdue and len(snap.orders) == 1
    events = await driver.projected(handle)
    assert {e.action for e in events} & {"auto_escalate", "escalate"} == set()

    # whom each recipient is on this case: the lead holds it, the town handed it over and is
    # the unit above the lead, the county issued the order
    def unit_of(recipient: str, clock_id: str) -> str:
        task_unit = {"hand_over#1": LEAD, "co_handling#1": CO}.get(clock_id, "")
        return {
            "holder": LEAD,
            "task_unit": task_unit,
            "handing_unit": TOWN,
            "issuer": COUNTY,
            "unit_above": TOWN,
        }[recipient]

    expected = {
        (clock_id, kind, unit_of(recipient, clock_id))
        for clock_id in STAYING
        for kind, recipient in ON_DUE[clock_id.split("#")[0]].warning
        + ON_DUE[clock_id.split("#")[0]].breach
    }
    raised = [
        (a.clock_id, a.kind, a.unit_id)
        for a in driver.alerts(snap.case_id)
        if a.clock_id in STAYING and a.kind != "hand_over"  # the task given, not due
    ]
    assert sorted(raised) == sorted(expected)  # each once
    await save_history(handle, FOLDER, "non_escalating_breaches")
