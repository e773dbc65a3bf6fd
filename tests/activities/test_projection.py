"""Activities run twice with the same input write once — on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deadlines import DeadlineActivities
from activities.projection import ProjectionActivities
from models.boundary import (
    AlertInput,
    CaseEvent,
    CaseInfo,
    CaseState,
    DeadlineRequest,
    Petitioner,
    Projection,
    UnitPathRequest,
)
from models.case import PetitionCase, UnitRef
from models.clocks import ClockLedger
from models.daycount import WorkCalendar
from models.policy import SlaPolicy
from models.snapshot import build_snapshot
from models.tables import AlertRow, CaseEventRow, CaseRow, CaseUnitRow
from petitionflow import audit
from tests.conftest import FIELD_CIPHER

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PETITIONER = Petitioner(name="李四", id_number="330482199001011232", phone="13900000000")


def projection(seq: int, state: str = "registered", *, first: bool = False) -> Projection:
    case_state = CaseState(
        info=CaseInfo(
            case_id="c-1",
            tracking_code="t-1",
            kind="claim",
            category="物业纠纷",
            severity="minor",
            channel="visit",
            title="物业费",
            created_at=T0,
            registered_by="u",
            petitioner=PETITIONER.masked(),
        ),
        case=PetitionCase(unit_id="pinghu.danghu.dongmen", level="village", state=state),
        unit_path=[UnitRef(id="pinghu.danghu.dongmen", level="village")],
        policy=SlaPolicy(),
        ledger=ClockLedger(),
        event_seq=seq,
    )
    return Projection(
        snapshot=build_snapshot(case_state, T0),
        event=CaseEvent(
            event_id=f"c-1:{seq}",
            case_id="c-1",
            seq=seq,
            action="register" if seq == 1 else "accept",
            actor="u",
            role="officer",
            from_state=None if seq == 1 else "registered",
            to_state=state,
            at=T0 + timedelta(minutes=seq),
        ),
        petitioner=PETITIONER if first else None,
        petitioner_key="k" if first else None,
        description="描述" if first else None,
    )


def count(engine: Engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    name = "engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


def test_projection_written_once_and_never_rolled_back(db: Engine) -> None:
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    env = ActivityEnvironment()
    for _ in range(2):
        env.run(acts.project_case, projection(1, first=True))
    env.run(acts.project_case, projection(2, "handling"))
    env.run(acts.project_case, projection(1))  # a late retry of the first write
    assert count(db, CaseEventRow) == 2
    assert count(db, CaseRow) == 1
    with Session(db) as session:
        row = session.get(CaseRow, "c-1")
        assert row is not None
        assert (row.state, row.event_seq) == ("handling", 2)
        assert FIELD_CIPHER.open("c-1", row)["name"] == "李四" and row.description == "描述"
        assert row.petitioner_name_masked == "李*" and "李四" not in row.petitioner_name_enc
        assert row.snapshot["petitioner"]["id_number"] == "330482********1232"


async def test_alert_recorded_once(db: Engine) -> None:
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    alert = AlertInput(
        alert_id="c-1:acceptance#1:breach:1",
        case_id="c-1",
        clock_id="acceptance#1",
        kind="breach",
        occurrence=1,
        unit_id="pinghu.danghu.dongmen",
        level="village",
        title="物业费",
        message="【超期】",
        due_at=T0,
        at=T0,
    )
    env = ActivityEnvironment()
    assert await env.run(acts.record_alert, alert) is True
    assert await env.run(acts.record_alert, alert) is False
    assert count(db, AlertRow) == 1


def test_unit_path_walks_to_the_root(db: Engine) -> None:
    env = ActivityEnvironment()
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    path = env.run(acts.unit_path, UnitPathRequest(unit_id="pinghu.zhapu.tangshan"))
    assert [(u.id, u.level) for u in path] == [
        ("pinghu.zhapu.tangshan", "village"),
        ("pinghu.zhapu", "town"),
        ("pinghu", "county"),
    ]
    with pytest.raises(ApplicationError) as err:
        env.run(acts.unit_path, UnitPathRequest(unit_id="nowhere"))
    assert err.value.type == "UnknownUnit" and err.value.non_retryable


def test_deadlines_activity_is_deterministic_for_its_input() -> None:
    acts = DeadlineActivities(WorkCalendar())
    request = DeadlineRequest(
        start=datetime(2026, 9, 20, 2, 0, tzinfo=UTC),
        spans={"acceptance": "P15D", "level": "PT30S"},
        policy=SlaPolicy(),
    )
    env = ActivityEnvironment()
    first, second = (
        env.run(acts.compute_deadlines, request),
        env.run(acts.compute_deadlines, request),
    )
    assert first == second
    assert first["acceptance"].due_at.isoformat() == "2026-10-09T00:00:00+08:00"
    assert first["level"].due_at - request.start == timedelta(seconds=30)


def test_unit_path_takes_a_bare_id_from_runs_scheduled_before_its_input_model() -> None:
    assert UnitPathRequest.model_validate("pinghu") == UnitPathRequest(unit_id="pinghu")


def test_events_are_chained_once_whatever_the_retries(db: Engine) -> None:
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    env = ActivityEnvironment()
    env.run(acts.project_case, projection(1, first=True))
    with Session(db) as session:
        first = session.get(CaseEventRow, "c-1:1")
        assert first is not None
        chain1 = first.chain
    env.run(acts.project_case, projection(1, first=True))  # a retry changes nothing
    env.run(acts.project_case, projection(2, "handling"))
    env.run(acts.project_case, projection(2, "handling"))
    with Session(db) as session:
        rows = session.exec(select(CaseEventRow).order_by(CaseEventRow.seq)).all()
        assert rows[0].chain == chain1 == audit.link("", rows[0])
        assert rows[1].chain == audit.link(chain1, rows[1])
    result = audit.verify(db)
    assert (result.cases, result.events, result.broken) == (1, 2, [])


def test_case_units_recorded_once_each(db: Engine) -> None:
    """Each unit the case has been at, once, whatever the retries: with the first write the one
    it was received at, later the ones it moved on to."""
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    env = ActivityEnvironment()
    first = projection(1, first=True)
    first.snapshot.earlier_units = ["pinghu.danghu.dongmen.x"]  # routed up at registration
    moved = projection(2, "handling")
    moved.snapshot.unit_id = "pinghu.danghu"
    moved.snapshot.earlier_units = ["pinghu.danghu.dongmen.x", "pinghu.danghu.dongmen"]
    for write in (first, first, moved, moved, first):
        env.run(acts.project_case, write)
    with Session(db) as session:
        rows = session.exec(select(CaseUnitRow).where(CaseUnitRow.case_id == "c-1")).all()
    assert {r.unit_id: r.since for r in rows} == {
        "pinghu.danghu.dongmen.x": T0 + timedelta(minutes=1),
        "pinghu.danghu.dongmen": T0 + timedelta(minutes=1),
        "pinghu.danghu": T0 + timedelta(minutes=2),
    }
