"""交办/会办 in the machine: who may hand over, report and take back, and what each refusal says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.case import UnitRef
from models.errors import Forbidden, InvalidParams, InvalidTransition
from models.lifecycle import Petition
from tests.models.builders import T0, case_in, complete_all, do

COUNTY = UnitRef(id="pinghu", level="county", name="平湖市")
ZJJ = UnitRef(id="pinghu.zjj", level="county", name="住建局")
RSJ = UnitRef(id="pinghu.rsj", level="county", name="人社局")
UNITS = {"pinghu.zjj": [ZJJ, COUNTY], "pinghu.rsj": [RSJ, COUNTY], "pinghu": [COUNTY]}
DUE = T0 + timedelta(days=60)


def at_county() -> Petition:
    p = case_in("handling")
    p.case.unit_id, p.case.level = "pinghu", "county"  # type: ignore[assignment]
    return p


def hand_over(p: Petition, *, role: str = "officer", task_due=T0 + timedelta(days=10), **params):
    p.act(
        "hand_over",
        role=role,
        actor="u-county",
        at=T0,
        params={
            "lead_unit_id": "pinghu.zjj",
            "co_unit_ids": ["pinghu.rsj"],
            "instructions": "住建局牵头，人社局会办",
            "days": 10,
        }
        | params,
        units=UNITS,
        handing_path=[COUNTY],
        task_due=task_due,
        statutory_due=DUE,
        caller_unit_id="pinghu",
        standing="holder",
    )


def test_hand_over_makes_the_lead_responsible_and_opens_a_task_per_co_handler() -> None:
    p = at_county()
    hand_over(p)
    assert (p.case.unit_id, p.case.earlier_units[-1]) == ("pinghu.zjj", "pinghu")
    (task,) = p.case.hand_overs[-1].co_tasks
    assert task.unit == RSJ and task.open
    # a second hand-over waits for the first to end; the case does not escalate meanwhile
    with pytest.raises(InvalidTransition, match="take it back first"):
        hand_over(p, lead_unit_id="pinghu.rsj", co_unit_ids=[])


def test_the_lead_replies_only_after_every_report() -> None:
    p = at_county()
    hand_over(p)
    do(p, "assess")
    complete_all(p)
    with pytest.raises(InvalidTransition, match="Every co-handling unit must report first"):
        do(p, "reply")
    assert "reply" not in p.allowed_actions("officer", at=T0)
    p.act(
        "report",
        role="officer",
        actor="u-rsj",
        at=T0,
        params={"summary": "工资已核实"},
        caller_unit_id="pinghu.rsj",
        standing="co_handler",
    )
    do(p, "reply")
    assert p.state == "replied" and p.case.hand_overs[-1].status == "done"


def test_a_co_handler_only_reports_and_only_once() -> None:
    p = at_county()
    hand_over(p)
    ctx = {"caller_unit_id": "pinghu.rsj", "standing": "co_handler"}
    with pytest.raises(Forbidden, match="may only report"):
        p.act("assess", role="officer", params={"claim": "reasonable"}, **ctx)
    assert p.allowed_actions("officer", at=T0, **ctx) == ["report"]
    p.act("report", role="officer", params={"summary": "已会办"}, **ctx)
    with pytest.raises(InvalidTransition, match="already reported"):
        p.act("report", role="officer", params={"summary": "again"}, **ctx)
    # the lead's officers are not co-handlers
    with pytest.raises(Forbidden, match="co-handling unit's staff"):
        p.act("report", role="officer", params={"summary": "x"}, caller_unit_id="pinghu.zjj")


def test_hand_over_refusals_name_the_field() -> None:
    p = at_county()
    with pytest.raises(InvalidParams) as late:
        hand_over(p, task_due=DUE + timedelta(days=1))
    assert late.value.errors[0]["field"] == "days"
    with pytest.raises(InvalidParams) as unknown:
        hand_over(p, lead_unit_id="pinghu.nowhere")
    assert unknown.value.errors[0]["field"] == "lead_unit_id"
    with pytest.raises(InvalidParams) as itself:
        hand_over(p, lead_unit_id="pinghu")
    assert itself.value.errors[0]["field"] == "lead_unit_id"
    with pytest.raises(InvalidParams) as twice:
        hand_over(p, co_unit_ids=["pinghu.zjj"])
    assert twice.value.errors[0]["field"] == "co_unit_ids"
    assert p.case.hand_overs == []


def test_take_back_by_the_handing_unit_returns_responsibility() -> None:
    p = at_county()
    hand_over(p)
    with pytest.raises(Forbidden, match="handing unit"):
        p.act("take_back", role="officer", caller_unit_id="pinghu.zjj", standing="holder")
    reader = {"caller_unit_id": "pinghu", "standing": "handing_reader"}
    assert p.allowed_actions("officer", at=T0, **reader) == ["take_back"]
    with pytest.raises(Forbidden, match="take it back"):
        p.act("assess", role="officer", params={"claim": "reasonable"}, **reader)
    p.act("take_back", role="officer", **reader)
    assert (p.case.unit_id, p.case.hand_overs[-1].status) == ("pinghu", "taken_back")
    with pytest.raises(InvalidTransition, match="no open hand-over"):
        p.act("take_back", role="officer", **reader)
