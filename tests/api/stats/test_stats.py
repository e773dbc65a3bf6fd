"""``GET /api/v1/stats`` on a seeded projection, on SQLite and PostgreSQL, against figures worked
out by hand below (no Temporal: the rows are written as the projection would write them).

All times are Asia/Shanghai. Units: P = pinghu (county), H = pinghu.danghu (town),
D = pinghu.danghu.dongmen (village), Z = pinghu.zhapu (town), T = pinghu.zhapu.tangshan (village).
"Now" is 2026-04-02 12:00; the period asked for is March 2026: from=2026-03-01 to=2026-03-31,
i.e. [03-01 00:00, 04-01 00:00). 2026-03-01 is a Sunday, so the weeks start 02-23 (clipped to
03-01), 03-02, 03-09, 03-16, 03-23, 03-30 (clipped to 04-01).

The cases (unit and level now, state now, registered; what happened):

- c01 D village, replied, 03-02 09:00: replied 03-05 09:00; rated satisfied 03-06.
- c02 H town, replied, 02-20 10:00: level window breached 02-27, escalated D→H; replied
  03-10 10:00; basically satisfied 03-11.
- c03 P county, replied, 01-05 08:00: level#1 breached 01-21, escalated H→P; handling#1 breached
  03-07; replied 03-12; unsatisfied 03-13; reopened 03-14; replied again 03-20 08:00; satisfied
  03-21.
- c04 P county, under_review, 03-03 14:00: replied 03-09 14:00; unsatisfied 03-10; review
  requested 03-12.
- c05 T village, closed, 01-10 09:00: replied 02-05; satisfied 02-06; auto_close 03-08 09:00.
- c06 D village, not_accepted, 03-16 10:00: declined 03-17.
- c07 D village, withdrawn, 03-01 00:00: withdrawn 03-24.
- c08 D village, handling, 03-25 12:00: repeat visits 03-26, 03-30 (visit count 3).
- c09 P county, handling, overdue, 2025-12-01 10:00: handling#1 breached 2026-02-01.
- c10 P county, registered, overdue and at risk, 03-01 09:00: acceptance#1 breached 03-17,
  escalated Z→P; next due 04-02 00:00.
- c11 D village, registered, 03-28 09:00: next warning 04-02 09:00 passed, flag not yet set.
- c12 Z town, replied, 02-10 09:00: acceptance#1 breached 02-26, escalated T→Z; visit 02-26;
  replied 02-28.
- c13 D village, handling, 03-10 09:00: next warning 03-16 and next due 03-18 passed, nothing
  recorded yet (a worker behind).
- c14 Z town, registered, 04-01 08:00: after the period.
- c15 T village, replied, 03-15 09:00: replied 03-19 09:00.
- c16 D village, handling, 03-04 09:00: replied 03-06; unsatisfied 03-07; reopened 03-08.
- c17 P county, closed, 2025-11-01 09:00: re_review#1 breached 02-10; the re-review opinion
  closed it 03-25 09:00.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, literal, select, text, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Subquery
from sqlmodel import Session

from activities.stat_facts import DERIVE_SQL
from api.app import create_app
from api.auth import create_user
from api.stats.routes import current_time, router
from api.stats.sql import rank_picks
from models.tables import CaseEventRow, CaseRow
from petitionflow.settings import Settings
from tests.api.conftest import CODEC_KEYS

ZONE = ZoneInfo("Asia/Shanghai")
DAY = 86400
P, H, D = "pinghu", "pinghu.danghu", "pinghu.danghu.dongmen"
Z, T = "pinghu.zhapu", "pinghu.zhapu.tangshan"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def t(text: str) -> datetime:
    """A Shanghai wall-clock time; a bare "MM-DD HH:MM" is in 2026."""
    if len(text) == len("03-01 09:00"):
        text = f"2026-{text}"
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


NOW = t("04-02 12:00")


@dataclass
class Seed:
    case_id: str
    unit_id: str
    level: str
    registered: str
    # (when, action, state after, params); each event starts from the previous one's state
    events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    visit_count: int = 1
    overdue: bool = False
    at_risk: bool = False
    next_due: str | None = None
    next_warn: str | None = None


def ev(at: str, action: str, to: str, **params: Any) -> tuple[str, str, str, dict[str, Any]]:
    return (at, action, to, params)


SEEDS = [
    Seed("c01", D, "village", "03-02 09:00", [
        ev("03-02 10:00", "accept", "handling"),
        ev("03-05 09:00", "reply", "replied"),
        ev("03-06 09:00", "feedback", "replied", rating="satisfied"),
    ]),
    Seed("c02", H, "town", "02-20 10:00", [
        ev("02-20 11:00", "accept", "handling"),
        ev("02-27 10:00", "breach", "handling", clock="level#1"),
        ev("02-27 10:00", "auto_escalate", "handling", clock="level#1"),
        ev("03-10 10:00", "reply", "replied"),
        ev("03-11 10:00", "feedback", "replied", rating="basically_satisfied"),
    ]),
    Seed("c03", P, "county", "01-05 08:00", [
        ev("01-06 08:00", "accept", "handling"),
        ev("01-21 00:00", "breach", "handling", clock="level#1"),
        ev("01-21 00:00", "auto_escalate", "handling", clock="level#1"),
        ev("03-07 00:00", "breach", "handling", clock="handling#1"),
        ev("03-12 08:00", "reply", "replied"),
        ev("03-13 08:00", "feedback", "replied", rating="unsatisfied"),
        ev("03-14 08:00", "reopen", "handling"),
        ev("03-20 08:00", "reply", "replied"),
        ev("03-21 08:00", "feedback", "replied", rating="satisfied"),
    ]),
    Seed("c04", P, "county", "03-03 14:00", [
        ev("03-04 09:00", "accept", "handling"),
        ev("03-09 14:00", "reply", "replied"),
        ev("03-10 14:00", "feedback", "replied", rating="unsatisfied"),
        ev("03-12 09:00", "request_review", "under_review"),
    ], next_due="04-12 00:00", next_warn="04-06 00:00"),
    Seed("c05", T, "village", "01-10 09:00", [
        ev("01-10 10:00", "accept", "handling"),
        ev("02-05 09:00", "reply", "replied"),
        ev("02-06 09:00", "feedback", "replied", rating="satisfied"),
        ev("03-08 09:00", "auto_close", "closed", clock="review_window#1"),
    ]),
    Seed("c06", D, "village", "03-16 10:00", [
        ev("03-17 10:00", "decline", "not_accepted", reason="legal_channel"),
    ]),
    Seed("c07", D, "village", "03-01 00:00", [
        ev("03-24 10:00", "withdraw", "withdrawn"),
    ]),
    Seed("c08", D, "village", "03-25 12:00", [
        ev("03-25 13:00", "accept", "handling"),
        ev("03-26 09:00", "visit", "handling", visit_count=2),
        ev("03-30 09:00", "visit", "handling", visit_count=3),
    ], visit_count=3, next_due="05-25 00:00", next_warn="05-13 00:00"),
    Seed("c09", P, "county", "2025-12-01 10:00", [
        ev("2025-12-02 10:00", "accept", "handling"),
        ev("02-01 00:00", "breach", "handling", clock="handling#1"),
    ], overdue=True),
    Seed("c10", P, "county", "03-01 09:00", [
        ev("03-17 00:00", "breach", "registered", clock="acceptance#1"),
        ev("03-17 00:00", "auto_escalate", "registered", clock="acceptance#1"),
    ], overdue=True, at_risk=True, next_due="04-02 00:00"),
    Seed("c11", D, "village", "03-28 09:00", next_due="04-05 00:00", next_warn="04-02 09:00"),
    Seed("c12", Z, "town", "02-10 09:00", [
        ev("02-26 00:00", "breach", "registered", clock="acceptance#1"),
        ev("02-26 00:00", "auto_escalate", "registered", clock="acceptance#1"),
        ev("02-26 09:00", "visit", "registered", visit_count=2),
        ev("02-27 10:00", "accept", "handling"),
        ev("02-28 09:00", "reply", "replied"),
    ], visit_count=2),
    Seed("c13", D, "village", "03-10 09:00", [
        ev("03-10 10:00", "accept", "handling"),
    ], next_due="03-18 00:00", next_warn="03-16 00:00"),
    Seed("c14", Z, "town", "04-01 08:00", next_due="04-17 00:00", next_warn="04-13 00:00"),
    Seed("c15", T, "village", "03-15 09:00", [
        ev("03-15 10:00", "accept", "handling"),
        ev("03-19 09:00", "reply", "replied"),
    ]),
    Seed("c16", D, "village", "03-04 09:00", [
        ev("03-04 10:00", "accept", "handling"),
        ev("03-06 09:00", "reply", "replied"),
        ev("03-07 09:00", "feedback", "replied", rating="unsatisfied"),
        ev("03-08 09:00", "reopen", "handling"),
    ], next_due="05-08 00:00", next_warn="04-26 00:00"),
    Seed("c17", P, "county", "2025-11-01 09:00", [
        ev("2025-11-02 09:00", "accept", "handling"),
        ev("2025-12-01 09:00", "reply", "replied"),
        ev("2025-12-05 09:00", "request_review", "under_review"),
        ev("2025-12-30 09:00", "review_opinion", "reviewed"),
        ev("01-10 09:00", "request_re_review", "under_re_review"),
        ev("02-10 00:00", "breach", "under_re_review", clock="re_review#1"),
        ev("03-25 09:00", "re_review_opinion", "closed"),
    ]),
]  # fmt: skip


def seed(engine: Engine, *, facts: bool = True) -> None:
    with Session(engine) as session, session.begin():
        for s in SEEDS:
            timeline = [ev(s.registered, "register", "registered"), *s.events]
            state: str | None = None
            for seq, (at, action, to, params) in enumerate(timeline, start=1):
                session.add(
                    CaseEventRow(
                        event_id=f"{s.case_id}:{seq}",
                        case_id=s.case_id,
                        seq=seq,
                        action=action,
                        actor="system" if action in ("breach", "auto_escalate") else "u-x",
                        role="system" if action in ("breach", "auto_escalate") else "officer",
                        from_state=state,
                        to_state=to,
                        at=t(at),
                        params=params,
                    )
                )
                state = to
            assert state is not None
            session.add(
                CaseRow(
                    case_id=s.case_id,
                    tracking_code=f"TRK{s.case_id}",
                    state=state,
                    level=s.level,
                    unit_id=s.unit_id,
                    kind="claim",
                    category="物业纠纷",
                    severity="minor",
                    channel="visit",
                    title=f"案件 {s.case_id}",
                    created_at=t(s.registered),
                    updated_at=t(timeline[-1][0]),
                    visit_count=s.visit_count,
                    next_due_at=t(s.next_due) if s.next_due else None,
                    next_warn_at=t(s.next_warn) if s.next_warn else None,
                    at_risk=s.at_risk,
                    overdue=s.overdue,
                    event_seq=len(timeline),
                    snapshot={},
                )
            )
    if facts:  # the statistics' facts, as the projection writes them
        with engine.begin() as conn:
            conn.execute(text(DERIVE_SQL))


USERS = {
    "admin": ("admin", P),
    "supervisor": ("supervisor", H),
    "officer": ("officer", D),
    "officer_town": ("officer", H),
}


@dataclass
class Api:
    http: httpx.AsyncClient
    tokens: dict[str, str]

    async def stats(self, who: str = "admin", **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.http.get("/api/v1/stats", params=params, headers=headers)

    async def ok(self, who: str = "admin", **params: str) -> dict[str, Any]:
        response = await self.stats(who, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(params=["engine", "pg_engine"], ids=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


@pytest.fixture
async def api(db: Engine, tmp_path: Path) -> AsyncIterator[Api]:
    seed(db)
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        secret_key="s" * 64,  # type: ignore[arg-type]
        codec_keys=CODEC_KEYS,  # type: ignore[arg-type]
    )
    app = create_app(settings, client=object(), engine=db)  # type: ignore[arg-type]
    if not any(getattr(r, "path", None) == "/api/v1/stats" for r in app.routes):
        app.include_router(router)
    app.dependency_overrides[current_time] = lambda: NOW
    tokens = {
        who: create_user(db, role=role, unit_id=unit, user_id=f"u-{who}")[1]
        for who, (role, unit) in USERS.items()
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http, tokens)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_county_workload_now(api: Api) -> None:
    body = await api.ok(**MARCH)
    assert body["unit_id"] == P and body["unit_name"] == "平湖市"
    assert instant(body["generated_at"]) == NOW and body["timezone"] == "Asia/Shanghai"
    work = body["workload"]
    # Open = every case but c05, c17 (closed), c06 (not accepted), c07 (withdrawn): 13.
    assert work["open"] == 13
    assert work["by_state"] == {
        "registered": 3,  # c10, c11, c14
        "handling": 4,  # c08, c09, c13, c16
        "suspended": 0,
        "replied": 5,  # c01, c02, c03, c12, c15
        "under_review": 1,  # c04
        "reviewed": 0,
        "under_re_review": 0,
    }
    # village: c01 c08 c11 c13 c15 c16; town: c02 c12 c14; county: c03 c04 c09 c10
    assert work["by_level"] == {"village": 6, "town": 3, "county": 4}
    assert work["by_unit"] == {P: 4, H: 1, D: 5, Z: 2, T: 1}
    # c09 and c10 by their flag; c13 because its next due time (03-18) has passed.
    assert work["overdue"] == 3
    # c10 by its flag; c11 and c13 because their next warning times (04-02 09:00, 03-16 00:00)
    # have passed — a case can be both at risk and overdue, as in the case lists.
    assert work["at_risk"] == 3
    # Backlog: c09 is overdue and first breached a statutory clock on 02-01, more than 30 days
    # before now (cut-off 03-03 12:00); c08 was raised 3 times. Not c10 (breached 03-17, after
    # the cut-off), not c13 (no breach recorded), not c12 (breached 02-26 but is replied now, not
    # overdue), not c17 (closed).
    assert work["backlog"] == 2
    assert work["with_repeat_visits"] == 2  # c08 (3 visits), c12 (2)
    # Age in whole days at 04-02 12:00: c11 5d, c14 1d | c08 exactly 8d (registered 03-25 12:00)
    # | c04 29d22h, c13 23d, c15 18d, c16 29d | c01 31d, c02 41d, c10 32d, c12 51d
    # | c03 87d, c09 122d.
    assert [(b["label"], b["min_days"], b["max_days"], b["count"]) for b in work["ageing"]] == [
        ("0-7", 0, 7, 2),
        ("8-15", 8, 15, 1),
        ("16-30", 16, 30, 4),
        ("31-60", 31, 60, 4),
        ("61+", 61, None, 2),
    ]


async def test_county_period(api: Api) -> None:
    period = (await api.ok(**MARCH))["period"]
    assert instant(period["starts_at"]) == t("03-01 00:00")
    assert instant(period["ends_at"]) == t("04-01 00:00")  # the whole of 03-31 is included
    # Registered in March: c01 c04 c06 c07 (at 03-01 00:00 sharp) c08 c10 c11 c13 c15 c16;
    # c14 (04-01 08:00) is after the end, c02 c03 c05 c09 c12 c17 before the start.
    assert period["intake"] == 10
    assert period["intake_by_state"] == {
        "registered": 2,  # c10, c11
        "handling": 3,  # c08, c13, c16
        "suspended": 0,
        "replied": 2,  # c01, c15
        "under_review": 1,  # c04
        "reviewed": 0,
        "under_re_review": 0,
        "closed": 0,
        "not_accepted": 1,  # c06
        "withdrawn": 1,  # c07
        "merged": 0,
    }
    assert period["intake_by_level"] == {"village": 8, "town": 0, "county": 2}

    # Standing replies in March: c01 (village), c02 (town), c03 (county; its 03-12 reply was
    # undone by reopening, the 03-20 one stands), c04 (county), c15 (village). Not c16 (reopened
    # after its reply, still handling), c05 c12 c17 (replied before March).
    assert period["replied"] == 5
    # Late: only c03, whose handling#1 breached (03-07) before its standing reply. c02's breach
    # was of a level window, which is not a statutory clock.
    assert period["on_time"] == {"replied": 5, "on_time": 4, "late": 1, "rate": 0.8}
    assert period["resolved_at_level"] == {
        "replied": 5,
        "village": {"count": 2, "share": 0.4},
        "town": {"count": 1, "share": 0.2},
        "county": {"count": 2, "share": 0.4},
    }
    # Latest rating in March per case: c01 satisfied, c02 basically satisfied, c03 satisfied
    # (03-21, after its unsatisfied 03-13), c04 unsatisfied, c16 unsatisfied. c05 was rated in
    # February. (2 + 1) / 5 = 0.6.
    assert period["satisfaction"] == {
        "rated": 5,
        "satisfied": 2,
        "basically_satisfied": 1,
        "unsatisfied": 2,
        "rate": 0.6,
    }
    # Entered a final state in March: c05 (auto_close 03-08) and c17 (re-review opinion 03-25)
    # closed, c06 not accepted, c07 withdrawn.
    assert (period["closed"], period["not_accepted"], period["withdrawn"]) == (2, 1, 1)
    # c08's visits of 03-26 and 03-30; c12's of 02-26 is before March.
    assert (period["repeat_visits"], period["repeat_visit_cases"]) == (2, 1)

    # Registration → standing reply, in order: c01 3d, c15 4d, c04 6d, c02 18d (02-20 → 03-10),
    # c03 74d (01-05 → 03-20: 26 + 28 + 20). n = 5: p50 at rank ⌈2.5⌉ = 3 → 6 days; p90 at rank
    # ⌈4.5⌉ = 5 → 74 days.
    assert period["time_to_reply"] == {
        "count": 5,
        "p50_seconds": 6 * DAY,
        "p90_seconds": 74 * DAY,
        "p50_days": 6.0,
        "p90_days": 74.0,
    }
    # Registration → closed: c05 57d (01-10 → 03-08: 21 + 28 + 8), c17 144d (2025-11-01 →
    # 2026-03-25: 30 + 31 + 31 + 28 + 24). n = 2: p50 at rank ⌈1.0⌉ = 1 → 57 days; p90 at rank
    # ⌈1.8⌉ = 2 → 144 days.
    assert period["time_to_close"] == {
        "count": 2,
        "p50_seconds": 57 * DAY,
        "p90_seconds": 144 * DAY,
        "p50_days": 57.0,
        "p90_days": 144.0,
    }


async def test_weekly_intake_and_closures(api: Api) -> None:
    weeks = (await api.ok(**MARCH))["period"]["weekly"]
    # intake: 03-01 c07 c10 | 03-02..08 c01 c04 c16 | 03-09..15 c13 c15 (Sunday) | 03-16..22 c06
    #   | 03-23..29 c08 c11 | 03-30..31 none
    # replied (standing): c01 03-05 | c04 03-09, c02 03-10 | c15 03-19, c03 03-20
    # closed: c05 03-08 (Sunday) | c17 03-25; not accepted: c06 03-17; withdrawn: c07 03-24
    expected = [
        ("2026-02-23", "03-01 00:00", "03-02 00:00", 2, 0, 0, 0, 0),
        ("2026-03-02", "03-02 00:00", "03-09 00:00", 3, 1, 1, 0, 0),
        ("2026-03-09", "03-09 00:00", "03-16 00:00", 2, 2, 0, 0, 0),
        ("2026-03-16", "03-16 00:00", "03-23 00:00", 1, 2, 0, 1, 0),
        ("2026-03-23", "03-23 00:00", "03-30 00:00", 2, 0, 1, 0, 1),
        ("2026-03-30", "03-30 00:00", "04-01 00:00", 0, 0, 0, 0, 0),
    ]
    assert [
        (
            w["week_start"],
            instant(w["starts_at"]),
            instant(w["ends_at"]),
            w["intake"],
            w["replied"],
            w["closed"],
            w["not_accepted"],
            w["withdrawn"],
        )
        for w in weeks
    ] == [(week, t(start), t(end), *counts) for week, start, end, *counts in expected]


async def test_scope_and_subtrees(api: Api) -> None:
    # The danghu supervisor sees H and D: c01 c02 c06 c07 c08 c11 c13 c16 (c03 was escalated
    # out of H to the county and is no longer theirs).
    body = await api.ok("supervisor", **MARCH)
    assert body["unit_id"] == H
    work, period = body["workload"], body["period"]
    assert work["open"] == 6  # c01 c02 c08 c11 c13 c16
    assert work["by_unit"] == {H: 1, D: 5}
    # overdue c13; at risk c11, c13; backlog c08
    assert (work["overdue"], work["at_risk"], work["backlog"]) == (1, 2, 1)
    assert period["intake"] == 7  # c01 c06 c07 c08 c11 c13 c16
    assert period["resolved_at_level"] == {
        "replied": 2,
        "village": {"count": 1, "share": 0.5},  # c01
        "town": {"count": 1, "share": 0.5},  # c02
        "county": {"count": 0, "share": 0.0},
    }
    assert period["on_time"]["rate"] == 1.0
    # c01 satisfied, c02 basically satisfied, c16 unsatisfied
    assert period["satisfaction"]["rated"] == 3
    assert period["satisfaction"]["rate"] == pytest.approx(2 / 3)

    # ...and may narrow to a village of the subtree.
    village = await api.ok("supervisor", unit_id=D, **MARCH)
    assert village["unit_name"] == "东门社区" and village["workload"]["open"] == 5

    # An officer sees their own unit: by default the village's c01 c08 c11 c13 c16...
    officer = await api.ok("officer", **MARCH)
    assert officer["unit_id"] == D and officer["workload"]["by_unit"] == {D: 5}
    # ...and an officer of a town the town's own cases, not its villages'.
    town_officer = await api.ok("officer_town", **MARCH)
    assert town_officer["workload"]["by_unit"] == {H: 1}  # c02

    # Outside the scope, or no such unit: 404, as for cases.
    for who, unit in [("officer", H), ("supervisor", P), ("supervisor", Z), ("admin", "nowhere")]:
        response = await api.stats(who, unit_id=unit)
        assert response.status_code == 404, (who, unit)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.http.get("/api/v1/stats")).status_code == 401


async def test_period_parameters(api: Api) -> None:
    # Date-times with offsets name the same period as the dates.
    same = await api.ok(**{"from": "2026-02-28T16:00:00Z", "to": "2026-04-01T00:00:00+08:00"})
    march = await api.ok(**MARCH)
    assert same["period"] == march["period"]

    # Default: the 30 days up to now; or up to the end of `to`.
    default = (await api.ok())["period"]
    assert (instant(default["starts_at"]), instant(default["ends_at"])) == (
        NOW - timedelta(days=30),
        NOW,
    )
    until = (await api.ok(to="2026-03-31"))["period"]
    assert instant(until["ends_at"]) == t("04-01 00:00")
    assert instant(until["starts_at"]) == t("03-02 00:00")

    # A period with nothing in it: zeros and nulls, not errors; the workload is still "now".
    empty = await api.ok(**{"from": "2025-01-01", "to": "2025-01-31"})
    period = empty["period"]
    assert period["intake"] == period["replied"] == period["closed"] == 0
    assert period["on_time"] == {"replied": 0, "on_time": 0, "late": 0, "rate": None}
    assert period["satisfaction"]["rate"] is None
    assert period["resolved_at_level"]["village"] == {"count": 0, "share": None}
    assert period["time_to_reply"] == {
        "count": 0,
        "p50_seconds": None,
        "p90_seconds": None,
        "p50_days": None,
        "p90_days": None,
    }
    # 2025-01-01 is a Wednesday: weeks of 12-30 (clipped), 01-06, 01-13, 01-20, 01-27.
    assert [w["week_start"] for w in period["weekly"]] == [
        "2024-12-30",
        "2025-01-06",
        "2025-01-13",
        "2025-01-20",
        "2025-01-27",
    ]
    assert empty["workload"]["open"] == 13


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "last week"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-03-01T00:00:00"}, "from"),  # no offset: which 00:00?
        ({"to": "2026-03-01T25:00:00Z"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-03-01"}, "to"),  # more than 731 days
        ({"unit_id": "x" * 201}, "unit_id"),
    ],
)
async def test_bad_parameters_are_422(api: Api, params: dict[str, str], field: str) -> None:
    response = await api.stats(**params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


def nearest_rank_percentiles(  # the statistics' rank picks, on their own
    conn: Connection, durations: Subquery, percents: Sequence[int]
) -> tuple[int, list[float | None]]:
    """How many durations there are, and the nearest-rank ``percents`` of them.

    Computed in the database with window functions: ``ROW_NUMBER() OVER (ORDER BY seconds)``
    ranks each duration r = 1..n and ``COUNT(*) OVER ()`` gives n; the p-th percentile is the
    duration at rank ⌈p·n/100⌉, picked by the integer test (r − 1)·100 < p·n ≤ r·100 because
    neither ``CEIL`` nor ``PERCENTILE_DISC`` exists on both databases (stock SQLite has neither).
    Chosen over fetching the ordered durations: one row leaves the database however many cases
    there are. Ties rank arbitrarily but have equal durations, so the answer is the same.
    ``durations`` must have one column, ``seconds``.
    """
    seconds = durations.c.seconds
    ranked = select(
        seconds.label("seconds"),
        func.row_number().over(order_by=seconds).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked")
    picks = rank_picks(ranked.c.rank, ranked.c.n, ranked.c.seconds, percents)
    row = conn.execute(select(func.count(), *picks).select_from(ranked)).one()
    count, values = int(row[0]), row[1:]
    return count, [None if v is None else float(v) for v in values]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (0, [None, None])),
        ([7.0], (1, [7.0, 7.0])),
        # n = 10: p50 at rank ⌈5⌉ = 5, p90 at rank ⌈9⌉ = 9 (ties count once each)
        ([9, 1, 4, 4, 10, 2, 8, 3, 6, 5], (10, [4.0, 9.0])),
        # n = 4: p50 at rank ⌈2⌉ = 2, p90 at rank ⌈3.6⌉ = 4
        ([40, 10, 30, 20], (4, [20.0, 40.0])),
    ],
)
def test_nearest_rank_percentiles(
    db: Engine, values: list[float], expected: tuple[int, list[float | None]]
) -> None:
    rows = [select(literal(float(v)).label("seconds")) for v in values]
    if not rows:  # an empty set of durations, with the column the helper reads
        rows = [select(literal(0.0).label("seconds")).where(literal(1) == 0)]
    durations = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("durations")
    with db.connect() as conn:
        assert nearest_rank_percentiles(conn, durations, (50, 90)) == expected


async def test_reply_undone_after_the_period(api: Api) -> None:
    # [03-01, 03-08): c01 replied 03-05 and stands; c16 replied 03-06 but was reopened on 03-08,
    # after the period — the reply is not standing now, so it does not count in that period.
    period = (await api.ok(**{"from": "2026-03-01", "to": "2026-03-07"}))["period"]
    assert period["replied"] == 1
    assert period["resolved_at_level"]["village"] == {"count": 1, "share": 1.0}
    assert period["time_to_reply"]["count"] == 1
    assert period["time_to_reply"]["p50_seconds"] == 3 * DAY  # c01: 03-02 09:00 → 03-05 09:00
    # Ratings in the period: c01 satisfied (03-06), c16 unsatisfied (03-07).
    assert (period["satisfaction"]["rated"], period["satisfaction"]["satisfied"]) == (2, 1)
