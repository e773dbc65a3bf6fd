"""预测预警's rules on generated projection rows, on both sides of every threshold, on SQLite and
PostgreSQL; and one alert per rule and subject (updated while open, raised again after an
acknowledgement only for new cases)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.risk import RiskEvaluator
from models.boundary import CaseEvent, CaseSnapshot
from models.risk import RiskPolicy, parse_risk
from models.tables import AlertRow, CaseEventRow, CasePetitionerRow, CaseRow, RiskAlertRow
from models.vocabulary import Level

T = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
VILLAGE = "pinghu.danghu.dongmen"
DAY = timedelta(days=1)
EVALUATOR = RiskEvaluator(RiskPolicy)
ENGINES = ["engine", "pg_engine"]


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def add_case(
    db: Engine, at: datetime, *, key: str = "", category: str = "物业纠纷", severity="minor"
) -> str:
    case_id = uuid.uuid4().hex[:20]
    with Session(db) as session, session.begin():
        session.add(
            CaseRow(
                case_id=case_id,
                tracking_code=case_id,
                state="handling",
                level="village",
                unit_id=VILLAGE,
                kind="claim",
                category=category,
                severity=severity,
                channel="visit",
                title="生成的案件",
                created_at=at,
                updated_at=at,
                petitioner_key=key,
            )
        )
        session.add(event(case_id, 1, "register", at).to_row())
    return case_id


def event(case_id: str, seq: int, action: str, at: datetime, **params: Any) -> Any:
    class Event(CaseEvent):
        def to_row(self) -> CaseEventRow:
            return CaseEventRow(**self.model_dump(exclude={"parties"}))

    return Event(
        event_id=f"{case_id}:{seq}",
        case_id=case_id,
        seq=seq,
        action=action,
        actor="u",
        role="officer",
        from_state=None,
        to_state="handling",
        at=at,
        params=params,
    )


def add_visit(db: Engine, case_id: str, seq: int, at: datetime, **params: Any) -> CaseEvent:
    visit = event(case_id, seq, "visit", at, **params)
    with Session(db) as session, session.begin():
        session.add(visit.to_row())
    return visit


def snapshot(case_id: str, *, category: str = "物业纠纷", severity: str = "minor") -> CaseSnapshot:
    return CaseSnapshot.model_construct(
        case_id=case_id, unit_id=VILLAGE, category=category, severity=severity, level=Level.village
    )


def findings(db: Engine, snap: CaseSnapshot, events: list[CaseEvent]) -> dict[str, Any]:
    with Session(db) as session:
        return {f.rule: f for f in EVALUATOR.findings(session, snap, events)}


def test_repeat_visits_at_three_within_thirty_days(db: Engine) -> None:
    key = uuid.uuid4().hex
    add_case(db, T - 40 * DAY, key=key)  # outside the window
    first = add_case(db, T - 20 * DAY, key=key)
    second = add_case(db, T - 1 * DAY, key=key, category="劳资纠纷")
    found = findings(db, snapshot(second), [event(second, 1, "register", T - DAY)])
    assert "repeat_visits" not in found  # two visits in 30 days
    visit = add_visit(db, first, 2, T)
    found = findings(db, snapshot(first), [visit])
    risk = found["repeat_visits"]
    assert risk.figures["visits"] == 3 and set(risk.case_ids) == {first, second}
    assert key not in risk.subject  # not even the keyed hash is shown


def test_repeat_visits_count_every_petitioner_of_a_collective_petition(db: Engine) -> None:
    """A person who came with a 集体访 and comes again alone: both visits are theirs, whichever
    petitioner the case row keeps."""
    leader, member = uuid.uuid4().hex, uuid.uuid4().hex
    collective = add_case(db, T - 10 * DAY, key=leader, severity="group")
    with Session(db) as session, session.begin():
        for position, key in enumerate((leader, member)):
            session.add(
                CasePetitionerRow(case_id=collective, position=position, petitioner_key=key)
            )
    alone = add_case(db, T - 5 * DAY, key=member)
    found = findings(db, snapshot(alone), [event(alone, 1, "register", T - 5 * DAY)])
    assert "repeat_visits" not in found  # two visits of the member
    visit = add_visit(db, collective, 2, T)
    found = findings(db, snapshot(collective), [visit])
    risk = found["repeat_visits"]  # the member: the 集体访, its repeat, and their own case
    assert risk.figures["visits"] == 3 and set(risk.case_ids) == {collective, alone}


SURGES = [  # (cases in the 90 days before the last 7, cases in the last 7, raised)
    (0, 4, False),  # below the minimum of five
    (0, 5, True),
    (13, 4, False),  # 13 in 90 days: 1.01 a week, × 3 = 3.03, but fewer than five
    (13, 5, True),
    (26, 6, False),  # 2.02 a week, × 3 = 6.07
    (26, 7, True),
]


def test_category_surge_against_the_weekly_average(db: Engine) -> None:
    for baseline, recent, raised in SURGES:  # a category of its own each
        category = f"拆迁补偿{baseline}-{recent}"
        for n in range(baseline):  # spread over the 90 days before the last 7
            add_case(db, T - 8 * DAY - n * (80 * DAY / max(baseline, 1)), category=category)
        add_case(db, T - 100 * DAY, category=category)  # before the baseline: not counted
        ids = [add_case(db, T - n * DAY, category=category) for n in range(recent)]
        snap = snapshot(ids[0], category=category)
        found = findings(db, snap, [event(ids[0], 1, "register", T)])
        assert ("category_surge" in found) is raised, (baseline, recent)
        if raised:
            assert found["category_surge"].figures["recent"] == recent
            assert found["category_surge"].figures["baseline"] == baseline


def test_skip_level_when_a_repeat_is_received_above_the_case(db: Engine) -> None:
    case_id = add_case(db, T - DAY)
    same_level = add_visit(db, case_id, 2, T, received_unit_id=VILLAGE)
    assert "skip_level" not in findings(db, snapshot(case_id), [same_level])
    above = add_visit(db, case_id, 3, T, received_unit_id="pinghu")
    risk = findings(db, snapshot(case_id), [above])["skip_level"]
    assert risk.figures["received_level"] == "county" and risk.case_ids == [case_id]


def test_collective_petition_is_a_group_registration(db: Engine) -> None:
    group = add_case(db, T, severity="group")
    major = add_case(db, T, severity="major")
    snap = snapshot(group, severity="group")
    snap.headcount = 40  # 集体访: forty came, their representatives registered by name
    found = findings(db, snap, [event(group, 1, "register", T)])
    assert found["collective"].case_ids == [group]
    assert found["collective"].figures["headcount"] == 40
    found = findings(db, snapshot(major, severity="major"), [event(major, 1, "register", T)])
    assert "collective" not in found


def test_one_alert_per_rule_and_subject(db: Engine) -> None:
    key = uuid.uuid4().hex
    cases = [add_case(db, T - (10 - n) * DAY, key=key) for n in range(3)]

    def evaluate(at: datetime) -> list[str]:
        with Session(db) as session, session.begin():
            found = EVALUATOR.findings(
                session, snapshot(cases[-1]), [event(cases[-1], 1, "register", at)]
            )
            return [a.alert_id for f in found if (a := EVALUATOR.store(session, f, at))]

    first = evaluate(T)
    assert len(first) == 1 and first[0].startswith("risk.repeat_visits.")
    assert evaluate(T) == first  # not yet sent out: offered again, the same alert
    cases.append(add_case(db, T - DAY, key=key))
    with Session(db) as session, session.begin():
        alert = session.get(AlertRow, first[0])
        assert alert is not None
        alert.notifications = 1  # sent
    assert evaluate(T) == []  # the open alert took the new figures
    with Session(db) as session, session.begin():
        risk = session.get(RiskAlertRow, first[0])
        assert risk is not None and risk.figures["visits"] == 4 and len(risk.case_ids) == 4
        alert = session.get(AlertRow, first[0])
        assert alert is not None and "4 次" in alert.message
        alert.acknowledged_at = T
    assert evaluate(T) == []  # acknowledged, nothing new behind it
    cases.append(add_case(db, T, key=key))
    again = evaluate(T)
    assert len(again) == 1 and again[0].endswith(".2")
    with Session(db) as session:
        rows = session.exec(select(AlertRow).where(AlertRow.kind == "risk")).all()
        assert {r.alert_id for r in rows} == {first[0], again[0]}


def test_thresholds_come_from_the_policy() -> None:
    policy = parse_risk("[risk]\nrepeat_visits = 5\nsurge_min_cases = 8\nskip_level = false\n")
    assert (policy.repeat_visits, policy.surge_min_cases, policy.skip_level) == (5, 8, False)
    with pytest.raises(Exception, match="unknown key"):
        parse_risk("[risk]\nrepeat_vists = 5\n")
