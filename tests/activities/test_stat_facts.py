"""The projection writes each statistics fact once, with its event, whatever the retries; the
facts follow their case when it moves; a later reply or reopen undoes a reply — on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from activities.stat_facts import FACTS
from models.boundary import CaseEvent, OutboxBatch, Projection
from models.stat_facts import FactKind
from models.vocabulary import Level
from tests.activities.test_projection import T0, projection
from tests.conftest import FIELD_CIPHER

TOWN = "pinghu.danghu"


def event(seq: int, action: str, to: str, frm: str, **params: Any) -> CaseEvent:
    return CaseEvent(
        event_id=f"c-1:{seq}",
        case_id="c-1",
        seq=seq,
        action=action,
        actor="u",
        role="officer",
        from_state=frm,
        to_state=to,
        at=T0 + timedelta(hours=seq),
        params=params,
    )


def at(seq: int, state: str, *events: CaseEvent, unit: str | None = None) -> OutboxBatch:
    snapshot = projection(seq, state).snapshot
    if unit is not None:
        snapshot = snapshot.model_copy(update={"unit_id": unit, "level": Level.town})
    return OutboxBatch(snapshot=snapshot, events=list(events))


def facts(engine: Engine) -> list[tuple[Any, ...]]:
    f = FACTS.c
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(
                    f.event_id, f.kind, f.unit_id, f.level, f.detail, f.late, f.standing
                ).order_by(f.seq, f.kind)
            )
        ]


@pytest.fixture(params=["engine", "pg_engine"], ids=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


async def test_facts_written_once_moved_with_the_case_and_undone(db: Engine) -> None:
    acts = ProjectionActivities(db, fields=FIELD_CIPHER)
    env = ActivityEnvironment()
    village = "pinghu.danghu.dongmen"
    first = Projection(
        snapshot=projection(1, first=True).snapshot,
        event=event(1, "register", "registered", "registered").model_copy(
            update={"from_state": None}
        ),
    )
    replied = at(
        4,
        "replied",
        event(2, "accept", "handling", "registered"),
        event(3, "breach", "handling", "handling", clock="handling#1"),
        event(4, "reply", "replied", "handling"),
    )
    rated = at(5, "replied", event(5, "feedback", "replied", "replied", rating="unsatisfied"))
    for _ in range(2):  # every write retried: nothing twice
        env.run(acts.project_case, first)
        await env.run(acts.write_outbox, replied)
        await env.run(acts.write_outbox, rated)
    assert facts(db) == [
        ("c-1:4", FactKind.REPLY, village, "village", None, True, True),  # late: breached first
        ("c-1:5", FactKind.RATING, village, "village", "unsatisfied", False, True),
    ]

    # Reopened and escalated to the town: every fact of the case now counts for the town, and
    # the reply no longer stands. A late retry of an older write moves nothing back.
    reopened = at(7, "handling", event(6, "reopen", "handling", "replied"), unit=TOWN)
    reopened.events.append(event(7, "visit", "handling", "handling"))
    for write in (reopened, reopened, replied):
        await env.run(acts.write_outbox, write)
    assert facts(db) == [
        ("c-1:4", FactKind.REPLY, TOWN, "town", None, True, False),
        ("c-1:5", FactKind.RATING, TOWN, "town", "unsatisfied", False, True),
        ("c-1:7", FactKind.VISIT, TOWN, "town", None, False, True),
    ]

    # Replied again (late: the breach still came before it), then closed; the new reply stands.
    closed = at(
        9,
        "closed",
        event(8, "reply", "replied", "handling"),
        event(9, "auto_close", "closed", "replied", clock="review_window#1"),
        unit=TOWN,
    )
    await env.run(acts.write_outbox, closed)
    assert facts(db)[-2:] == [
        ("c-1:8", FactKind.REPLY, TOWN, "town", None, True, True),
        ("c-1:9", FactKind.EXIT, TOWN, "town", "closed", False, True),
    ]
