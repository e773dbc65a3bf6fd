"""The period statistics from ``stat_facts`` answer exactly as the events joined to their cases
did (``event_join_period.py``), on generated cases written through the projection — across
units and levels, escalations and forwards, replies undone by reopening, ratings, repeat visits,
statutory and level-window breaches, exits, retried and late writes — on SQLite and PostgreSQL.
And the facts the projection writes are those the SQL backfill derives from the timelines."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from activities.stat_facts import DERIVE_SQL, FACTS
from api.stats.period import PeriodQueries
from api.stats.queries import StatsScope
from models.boundary import (
    CaseEvent,
    CaseInfo,
    CaseSnapshot,
    CaseState,
    OutboxBatch,
    Petitioner,
    Projection,
)
from models.case import PetitionCase, UnitRef
from models.clocks import ClockLedger
from models.policy import SlaPolicy
from models.snapshot import build_snapshot
from models.vocabulary import Level
from tests.api.stats.event_join_period import EventJoinPeriodQueries
from tests.conftest import FIELD_CIPHER

ZONE = ZoneInfo("Asia/Shanghai")
P, H, D = "pinghu", "pinghu.danghu", "pinghu.danghu.dongmen"
Z, T = "pinghu.zhapu", "pinghu.zhapu.tangshan"
LEVEL = {P: "county", H: "town", Z: "town", D: "village", T: "village"}
UP = {D: H, T: Z, H: P, Z: P}  # escalation
ACROSS = {D: T, T: D, H: Z, Z: H}  # forwarding to the other town's unit at the same level
START = datetime(2026, 1, 1, tzinfo=ZONE)
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
PETITIONER = Petitioner(name="李四", id_number="330482199001011232", phone="13900000000")


@dataclass
class Case:
    case_id: str
    unit_id: str
    registered: datetime
    state: str = "registered"
    at: datetime = field(init=False)
    events: list[CaseEvent] = field(default_factory=list)
    moves: list[str] = field(default_factory=list)  # the unit after each event

    def __post_init__(self) -> None:
        self.at = self.registered

    def add(self, rng: random.Random, action: str, to: str, **params: Any) -> None:
        self.at += timedelta(hours=rng.choice((0, 1, 5, 30, 70, 200)))  # never earlier
        seq = len(self.events) + 1
        self.events.append(
            CaseEvent(
                event_id=f"{self.case_id}:{seq}",
                case_id=self.case_id,
                seq=seq,
                action=action,
                actor="system" if action in ("breach", "auto_escalate", "auto_close") else "u",
                role="system" if action in ("breach", "auto_escalate", "auto_close") else "officer",
                from_state=None if action == "register" else self.state,
                to_state=to,
                at=self.at,
                params=params,
            )
        )
        self.state = to
        self.moves.append(self.unit_id)


# What may happen next in each open state: (action, state after, params, unit move).
STEPS: dict[str, list[tuple[str, str, dict[str, Any], str | None]]] = {
    "registered": [
        ("accept", "handling", {}, None),
        ("accept", "handling", {}, None),
        ("decline", "not_accepted", {"reason": "other"}, None),
        ("forward", "registered", {}, "across"),
        ("breach", "registered", {"clock": "acceptance#1"}, None),
        ("auto_escalate", "registered", {"clock": "level#1"}, "up"),
    ],
    "handling": [
        ("reply", "replied", {}, None),
        ("reply", "replied", {}, None),
        ("breach", "handling", {"clock": "handling#1"}, None),
        ("breach", "handling", {"clock": "level#1"}, None),
        ("auto_escalate", "handling", {"clock": "level#1"}, "up"),
        ("visit", "handling", {}, None),
        ("suspend", "suspended", {}, None),
        ("withdraw", "withdrawn", {}, None),
    ],
    "suspended": [("resume", "handling", {}, None)],
    "replied": [
        ("feedback", "replied", {"rating": "?"}, None),
        ("feedback", "replied", {"rating": "?"}, None),
        ("reopen", "handling", {}, None),
        ("auto_close", "closed", {"clock": "review_window#1"}, None),
        ("request_review", "under_review", {}, None),
        ("visit", "replied", {}, None),
    ],
    "under_review": [
        ("review_opinion", "reviewed", {"decision": "upheld"}, None),
        ("breach", "under_review", {"clock": "review#1"}, None),
    ],
    "reviewed": [
        ("auto_close", "closed", {"clock": "review_window#2"}, None),
        ("request_re_review", "under_re_review", {}, None),
    ],
    "under_re_review": [
        ("re_review_opinion", "closed", {}, None),
        ("breach", "under_re_review", {"clock": "re_review#1"}, None),
    ],
}


def generate(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for n in range(count):
        registered = START + timedelta(hours=rng.randrange(0, 24 * 100), minutes=rng.randrange(60))
        case = Case(f"g{n:03d}", rng.choice((D, D, T, H, Z, P)), registered)
        case.add(rng, "register", "registered")
        case.at = registered  # registration is the case's creation
        for _ in range(rng.randrange(1, 14)):
            if case.state not in STEPS:
                break
            action, to, params, move = rng.choice(STEPS[case.state])
            if move == "up" and case.unit_id in UP:
                case.unit_id = UP[case.unit_id]
            elif move == "across":
                case.unit_id = ACROSS.get(case.unit_id, case.unit_id)
            if params.get("rating") == "?":
                params = {"rating": rng.choice(RATINGS)}
            case.add(rng, action, to, **params)
        cases.append(case)
    return cases


def base_snapshot() -> CaseSnapshot:
    state = CaseState(
        info=CaseInfo(
            case_id="g",
            tracking_code="g",
            kind="claim",
            category="物业纠纷",
            severity="minor",
            channel="visit",
            title="物业费",
            created_at=START,
            registered_by="u",
            petitioner=PETITIONER.masked(),
        ),
        case=PetitionCase(unit_id=D, level="village", state="registered"),
        unit_path=[UnitRef(id=D, level="village")],
        policy=SlaPolicy(),
        ledger=ClockLedger(),
        event_seq=1,
    )
    return build_snapshot(state, START)


def snapshot_after(base: CaseSnapshot, case: Case, seq: int) -> CaseSnapshot:
    event = case.events[seq - 1]
    unit = case.moves[seq - 1]
    return base.model_copy(
        update={
            "case_id": case.case_id,
            "tracking_code": f"TRK{case.case_id}",
            "state": event.to_state,
            "unit_id": unit,
            "level": Level(LEVEL[unit]),
            "created_at": case.registered,
            "event_seq": seq,
        }
    )


async def project(engine: Engine, cases: list[Case], rng: random.Random) -> None:
    """Every case's timeline through the projection's two activities: single writes and
    batches, some retried at once, some retried late (after newer writes)."""
    acts = ProjectionActivities(engine, fields=FIELD_CIPHER)
    env = ActivityEnvironment()
    base = base_snapshot()
    for case in cases:
        seq, done = 1, []
        while seq <= len(case.events):
            size = rng.choice((1, 1, 2, 3))
            last = min(seq + size - 1, len(case.events))
            snapshot = snapshot_after(base, case, last)
            if last == seq and rng.random() < 0.5:
                write: Any = Projection(snapshot=snapshot, event=case.events[seq - 1])
                activity = acts.project_case
            else:
                write = OutboxBatch(snapshot=snapshot, events=case.events[seq - 1 : last])
                activity = acts.write_outbox
            for _ in range(2 if rng.random() < 0.2 else 1):
                await _run(env, activity, write)
            done.append((activity, write))
            if len(done) > 1 and rng.random() < 0.15:  # a late retry of an older write
                await _run(env, *rng.choice(done[:-1]))
            seq = last + 1


async def _run(env: ActivityEnvironment, activity: Any, write: Any) -> None:
    result = env.run(activity, write)
    if result is not None:
        await result


SCOPES = {
    "county": (P, {P, H, D, Z, T}),
    "town H": (H, {H, D}),
    "town Z": (Z, {Z, T}),
    "village D": (D, {D}),
    "town H's own cases": (H, {H}),
}
PERIODS = [
    (datetime(2026, 1, 1, tzinfo=ZONE), datetime(2026, 6, 1, tzinfo=ZONE)),
    (datetime(2026, 3, 1, tzinfo=ZONE), datetime(2026, 4, 1, tzinfo=ZONE)),
    (datetime(2026, 2, 10, 13, 30, tzinfo=ZONE), datetime(2026, 2, 17, 7, 0, tzinfo=ZONE)),
    (datetime(2026, 4, 20, tzinfo=ZONE), datetime(2026, 5, 20, tzinfo=ZONE)),
]


def scope(name: str, period: tuple[datetime, datetime]) -> StatsScope:
    unit, units = SCOPES[name]
    return StatsScope(
        unit_id=unit,
        unit_name=unit,
        units=frozenset(units),
        starts_at=period[0],
        ends_at=period[1],
        now=datetime(2026, 6, 2, tzinfo=ZONE),
        zone=ZONE,
    )


@pytest.fixture(params=["engine", "pg_engine"], ids=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def facts(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(FACTS).order_by(FACTS.c.event_id, FACTS.c.kind))
        return [tuple(row) for row in rows]


async def test_facts_answer_as_the_events_joined_to_their_cases(db: Engine) -> None:
    rng = random.Random(14)
    cases = generate(rng, 90)
    await project(db, cases, rng)
    with db.connect() as conn:
        for name in SCOPES:
            for period in PERIODS:
                expected = EventJoinPeriodQueries(conn, scope(name, period)).period()
                got = PeriodQueries(conn, scope(name, period)).period()
                assert got == expected, (name, period)
        whole = PeriodQueries(conn, scope("county", PERIODS[0])).period()
    # The generated cases reach every figure (so the comparison above compares something).
    assert whole.replied > 10 and 0 < whole.on_time.late < whole.replied
    assert whole.closed and whole.not_accepted and whole.withdrawn
    assert whole.satisfaction.rated > 10 and whole.repeat_visits > whole.repeat_visit_cases > 0
    levels = whole.resolved_at_level
    assert levels.village.count and levels.town.count and levels.county.count
    moved = [c for c in cases if len(set(c.moves)) > 1]
    undone = [c for c in cases if any(e.action == "reopen" for e in c.events)]
    assert len(moved) > 5 and len(undone) > 3


async def test_the_backfill_derives_the_facts_the_projection_writes(db: Engine) -> None:
    rng = random.Random(22)
    await project(db, generate(rng, 60), rng)
    written = facts(db)
    late, standing = [FACTS.c.keys().index(name) for name in ("late", "standing")]
    assert len(written) > 50
    assert any(row[late] for row in written) and not all(row[standing] for row in written)
    with db.begin() as conn:
        conn.execute(delete(FACTS))
        conn.execute(text(DERIVE_SQL))
    assert facts(db) == written
