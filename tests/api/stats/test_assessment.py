"""``GET /api/v1/stats/assessment`` (the 考核 figures and the ranking of units) on generated
timelines, on SQLite and PostgreSQL. The expectations are worked out here from the generated
events by the definitions of ``api/stats/schemas.py``, one case at a time in Python, never read
back from the service.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.auth import create_user
from api.stats.routes import current_time
from models.lifecycle import FINAL_STATES
from models.tables import CaseEventRow, CaseRow
from models.vocabulary import Level, Severity
from petitionflow.settings import Settings
from tests.api.conftest import CODEC_KEYS

ZONE = ZoneInfo("Asia/Shanghai")
P, H, D = "pinghu", "pinghu.danghu", "pinghu.danghu.dongmen"
Z, T = "pinghu.zhapu", "pinghu.zhapu.tangshan"
LEVEL_OF = {P: "county", H: "town", D: "village", Z: "town", T: "village"}
STARTS = datetime(2026, 3, 1, tzinfo=ZONE)
ENDS = datetime(2026, 4, 1, tzinfo=ZONE)  # from=2026-03-01, to=2026-03-31
NOW = datetime(2026, 4, 20, 12, tzinfo=ZONE)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DUTY = {"registered", "handling", "suspended", "under_review", "under_re_review"}
RESOLVED = {"replied", "reviewed", "closed", "not_accepted", "withdrawn"}
SETBACKS = {"visit", "request_review", "request_re_review", "reopen"}
RANK = {level.value: level.rank for level in Level}


@dataclass
class Event:
    seq: int
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    params: dict[str, Any]


@dataclass
class Case:
    case_id: str
    unit_id: str
    severity: str
    created_at: datetime
    events: list[Event] = field(default_factory=list)
    overdue: bool = False

    @property
    def state(self) -> str:
        return self.events[-1].to_state

    @property
    def visit_count(self) -> int:
        return 1 + sum(e.action == "visit" for e in self.events)


class Story:
    """One case's timeline, made up step by step from a seeded random source."""

    def __init__(self, rng: random.Random, case: Case) -> None:
        self.rng, self.case, self.at = rng, case, case.created_at

    def event(self, action: str, to: str | None = None, **params: Any) -> None:
        self.at += timedelta(hours=self.rng.randint(1, 24 * 12))
        previous = self.case.events[-1].to_state if self.case.events else None
        state = to or previous or "registered"
        seq = len(self.case.events) + 1
        self.case.events.append(Event(seq, self.at, action, previous, state, params))

    def maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def visits(self) -> None:
        while self.maybe(0.25):
            self.event("visit", visit_count=self.case.visit_count + 1)

    def breach(self, clock: str) -> None:
        self.event("breach", clock=clock)


def generate(seed: int, count: int = 90) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        unit = rng.choice([P, H, D, Z, T])
        created = STARTS + timedelta(minutes=rng.randint(-80 * 24 * 60, 35 * 24 * 60))
        case = Case(f"g{seed}-{i:03d}", unit, rng.choice([s.value for s in Severity]), created)
        story = Story(rng, case)
        register = {"channel": "visit", "severity": case.severity}
        if rng.random() < 0.8:  # the rest were registered before the event kept the level
            register["level"] = LEVEL_OF[unit]
        case.events.append(Event(1, created, "register", None, "registered", register))
        if story.maybe(0.2):
            story.breach("level#1")  # an internal target: never late, never backlog
        if story.maybe(0.35):
            story.breach("acceptance#1")
        story.visits()
        fate = rng.random()
        if fate < 0.1:
            story.event("decline", "not_accepted", reason="other")
        elif fate < 0.15:
            story.event("withdraw", "withdrawn")
        elif fate < 0.9:
            handle(story)
        case.overdue = overdue(case)
        cases.append(case)
    return cases


def handle(story: Story) -> None:
    story.event("accept", "handling")
    if story.maybe(0.3):
        story.breach("handling#1")
    story.visits()
    if story.maybe(0.2):
        return  # still in handling
    story.event("reply", "replied", summary="答复")
    if story.maybe(0.15):
        story.event("feedback", rating="unsatisfied")
        story.event("reopen", "handling", reason="重新办理")
        story.event("reply", "replied", summary="再次答复")
    if story.maybe(0.2):
        story.event("request_review", "under_review")
        if story.maybe(0.3):
            story.breach("review#1")
        if story.maybe(0.3):
            return  # still under review
        story.event("review_opinion", "reviewed", decision="upheld")
    if story.maybe(0.7):
        story.event("auto_close", "closed")
    elif story.maybe(0.3):
        story.event("withdraw", "withdrawn")


def statutory(event: Event) -> bool:
    return event.action == "breach" and not event.params["clock"].startswith(
        ("level#", "supervision#")
    )


def overdue(case: Case) -> bool:
    """The projection's flag: the current phase's statutory clock has breached."""
    phase = {"registered": "acceptance#", "handling": "handling#", "under_review": "review#"}
    prefix = phase.get(case.state)
    return prefix is not None and any(
        statutory(e) and e.params["clock"].startswith(prefix) for e in case.events
    )


def in_march(moment: datetime) -> bool:
    return STARTS <= moment < ENDS


def expected(cases: list[Case]) -> dict[str, int]:
    """The raw counts of the definitions, case by case."""
    n = dict.fromkeys(
        [
            "acceptance_decided",
            "accepted_on_time",
            "closed",
            "resolved_at_once",
            "intake",
            "repeat_visits",
            "backlog",
            "backlog_resolved",
            "over_level",
        ],
        0,
    )
    for case in cases:
        events = case.events
        decision = next((e for e in events if e.action in ("accept", "decline")), None)
        if decision is not None and in_march(decision.at):
            n["acceptance_decided"] += 1
            late = any(
                statutory(e)
                and e.params["clock"].startswith("acceptance#")
                and e.seq < decision.seq
                for e in events
            )
            n["accepted_on_time"] += not late
        for e in events:
            if e.to_state == "closed" and e.from_state not in FINAL_STATES and in_march(e.at):
                n["closed"] += 1
                n["resolved_at_once"] += not any(x.action in SETBACKS for x in events)
        if in_march(case.created_at):
            n["intake"] += 1
            started = events[0].params.get("level", LEVEL_OF[case.unit_id])
            n["over_level"] += RANK[started] > Severity(case.severity).starting_level().rank
        n["repeat_visits"] += sum(e.action == "visit" and in_march(e.at) for e in events)
        long_breached = any(statutory(e) and e.at <= NOW - timedelta(days=30) for e in events)
        if case.state not in FINAL_STATES and (
            case.visit_count >= 3 or (case.overdue and long_breached)
        ):
            n["backlog"] += 1
        n["backlog_resolved"] += any(
            in_march(e.at)
            and e.to_state in RESOLVED
            and e.from_state in DUTY
            and any(
                (statutory(b) and b.at <= e.at - timedelta(days=30))
                or (b.action == "visit" and b.params["visit_count"] >= 3)
                for b in events[: e.seq - 1]
            )
            for e in events
        )
    return n


def rates(n: dict[str, int]) -> dict[str, float | None]:
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "on_time_acceptance_rate": share(n["accepted_on_time"], n["acceptance_decided"]),
        "resolved_at_once_rate": share(n["resolved_at_once"], n["closed"]),
        "repeat_rate": share(n["repeat_visits"], n["intake"] + n["repeat_visits"]),
        "backlog_resolution_rate": share(
            n["backlog_resolved"], n["backlog_resolved"] + n["backlog"]
        ),
        "over_level_rate": share(n["over_level"], n["intake"]),
    }


def seed_rows(engine: Engine, cases: list[Case]) -> None:
    with Session(engine) as session, session.begin():
        for case in cases:
            for e in case.events:
                session.add(
                    CaseEventRow(
                        event_id=f"{case.case_id}:{e.seq}",
                        case_id=case.case_id,
                        seq=e.seq,
                        action=e.action,
                        actor="u-x",
                        role="officer",
                        from_state=e.from_state,
                        to_state=e.to_state,
                        at=e.at,
                        params=e.params,
                    )
                )
            session.add(
                CaseRow(
                    case_id=case.case_id,
                    tracking_code=f"TRK{case.case_id}",
                    state=case.state,
                    level=LEVEL_OF[case.unit_id],
                    unit_id=case.unit_id,
                    kind="claim",
                    category="物业纠纷",
                    severity=case.severity,
                    channel="visit",
                    title=f"案件 {case.case_id}",
                    created_at=case.created_at,
                    updated_at=case.events[-1].at,
                    visit_count=case.visit_count,
                    overdue=case.overdue,
                    event_seq=len(case.events),
                    snapshot={},
                )
            )


USERS = {"admin": ("admin", P), "supervisor": ("supervisor", H), "officer": ("officer", D)}


@dataclass
class Api:
    http: httpx.AsyncClient
    tokens: dict[str, str]
    cases: list[Case]

    async def assessment(self, who: str = "admin", **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.http.get("/api/v1/stats/assessment", params=params, headers=headers)


@pytest.fixture(params=["engine", "pg_engine"], ids=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


@pytest.fixture(params=[11, 2026])
async def api(db: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    cases = generate(request.param)
    seed_rows(db, cases)
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        secret_key="s" * 64,  # type: ignore[arg-type]
        codec_keys=CODEC_KEYS,  # type: ignore[arg-type]
    )
    app = create_app(settings, client=object(), engine=db)  # type: ignore[arg-type]
    app.dependency_overrides[current_time] = lambda: NOW
    tokens = {
        who: create_user(db, role=role, unit_id=unit, user_id=f"u-{who}")[1]
        for who, (role, unit) in USERS.items()
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http, tokens, cases)


def figures(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("acceptance_decided", "accepted_on_time", "closed",
                                  "resolved_at_once", "intake", "repeat_visits", "backlog",
                                  "backlog_resolved", "over_level")}  # fmt: skip


def check(body: dict[str, Any], cases: list[Case]) -> None:
    counts = expected(cases)
    assert figures(body) == counts
    for name, value in rates(counts).items():
        assert body[name] == (None if value is None else pytest.approx(value)), name


def score(counts: dict[str, int]) -> float | None:
    r = rates(counts)
    oriented = [
        r["on_time_acceptance_rate"],
        r["resolved_at_once_rate"],
        r["backlog_resolution_rate"],
        None if r["repeat_rate"] is None else 1 - r["repeat_rate"],
        None if r["over_level_rate"] is None else 1 - r["over_level_rate"],
    ]
    known = [v for v in oriented if v is not None]
    return sum(known) / len(known) if known else None


async def test_county_figures_and_ranking(api: Api) -> None:
    r = await api.assessment(**MARCH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["unit_id"], body["timezone"]) == (P, "Asia/Shanghai")
    assert datetime.fromisoformat(body["starts_at"]) == STARTS
    assert datetime.fromisoformat(body["ends_at"]) == ENDS
    check(body["total"], api.cases)
    # Something of every figure was generated, so none of them passes by being zero.
    assert all(v > 0 for v in figures(body["total"]).values()), body["total"]

    # The towns below the county, each over its subtree; the county's own cases in the total.
    towns = {H: {H, D}, Z: {Z, T}}
    ranking = body["ranking"]
    assert {row["unit_id"] for row in ranking} == set(towns)
    for row in ranking:
        mine = [c for c in api.cases if c.unit_id in towns[row["unit_id"]]]
        check(row, mine)
        assert row["score"] == pytest.approx(score(expected(mine)), abs=1e-6)
    assert [row["score"] for row in ranking] == sorted(
        (row["score"] for row in ranking), reverse=True
    )
    assert [row["rank"] for row in ranking] == (
        [1, 1] if ranking[0]["score"] == ranking[1]["score"] else [1, 2]
    )


async def test_scope_of_a_supervisor_and_an_officer(api: Api) -> None:
    supervised = (await api.assessment("supervisor", **MARCH)).json()
    check(supervised["total"], [c for c in api.cases if c.unit_id in {H, D}])
    assert [row["unit_id"] for row in supervised["ranking"]] == [D]  # the village below
    own = (await api.assessment("officer", **MARCH)).json()
    mine = [c for c in api.cases if c.unit_id == D]
    check(own["total"], mine)
    assert [(row["unit_id"], row["rank"]) for row in own["ranking"]] == [(D, 1)]
    assert (await api.assessment("supervisor", unit_id=Z)).status_code == 404
    bad = await api.assessment(**{"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
