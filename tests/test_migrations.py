"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from activities.stat_facts import DERIVE_SQL, FACTS
from api.stats.period import PeriodQueries
from api.stats.queries import StatsScope
from models.tables import POSTGRESQL_ONLY_INDEXES, CaseRow, CaseUnitRow
from petitionflow import audit
from petitionflow.db import alembic_config, make_engine, migrate
from tests.api.stats.event_join_period import EventJoinPeriodQueries
from tests.api.stats.test_stats import ZONE
from tests.api.stats.test_stats import seed as seed_stats
from tests.conftest import FIELD_CIPHER, UNITS, seed_units


@pytest.mark.parametrize("fixture", ["engine", "pg_engine"])
def test_migrations_match_the_models(fixture: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(fixture)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, *_: name not in POSTGRESQL_ONLY_INDEXES}
        )
        diff = compare_metadata(context, SQLModel.metadata)
        found = {
            index["name"]
            for table in ("cases", "case_events")
            for index in inspect(conn).get_indexes(table)
        }
    assert diff == [], f"models changed without a migration: {diff}"
    # declared as SQL (INCLUDE, partial): present exactly on PostgreSQL
    expected = set(POSTGRESQL_ONLY_INDEXES) if engine.dialect.name == "postgresql" else set()
    assert found & set(POSTGRESQL_ONLY_INDEXES) == expected


LEGACY = {
    "petitioner_name": "欧阳旧档",
    "petitioner_id_number": "330482199001010011",
    "petitioner_phone": "13900001111",
    "petitioner_address": "当湖街道旧档巷1号",
}


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "pg_url"])
def test_plaintext_rows_are_encrypted_by_the_migration(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Rows written before 0010 hold plaintext; upgrading encrypts them under the ring it is
    given and leaves none of it in the SQLite file; downgrading decrypts them again."""
    url: str = request.getfixturevalue(url_fixture)
    if url_fixture == "pg_url":
        command.downgrade(alembic_config(url), "0009")
    else:
        migrate(url, revision="0009")
    engine = make_engine(url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    columns = {
        "case_id": "legacy-1",
        "tracking_code": "LEGACY1",
        "state": "registered",
        "level": "village",
        "unit_id": "pinghu.danghu.dongmen",
        "kind": "claim",
        "category": "物业纠纷",
        "severity": "minor",
        "channel": "visit",
        "title": "旧案",
        "description": "",
        "created_at": now,
        "updated_at": now,
        "visit_count": 1,
        "at_risk": False,
        "overdue": False,
        "event_seq": 1,
        "snapshot": "{}",
        "petitioner_key": "k",
        **LEGACY,
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO cases ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            ),
            columns,
        )
    engine.dispose()

    migrate(url, field_cipher=FIELD_CIPHER)
    engine = make_engine(url)
    with Session(engine) as session:
        row = session.get(CaseRow, "legacy-1")
        assert row is not None
        plain = {f"petitioner_{k}": v for k, v in FIELD_CIPHER.open("legacy-1", row).items()}
        assert plain == LEGACY
        assert row.petitioner_name_masked == "欧***"
        assert row.petitioner_phone_masked == "139****1111"
    engine.dispose()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for value in LEGACY.values():
            assert value.encode() not in raw, value

    command.downgrade(alembic_config(url, field_cipher=FIELD_CIPHER), "0009")
    engine = make_engine(url)
    with engine.connect() as conn:
        back = conn.execute(
            text(f"SELECT {', '.join(LEGACY)} FROM cases WHERE case_id = 'legacy-1'")
        ).one()
    engine.dispose()
    assert dict(back._mapping) == LEGACY
    migrate(url, field_cipher=FIELD_CIPHER)  # and up again, for the fixture's teardown


def test_existing_events_are_chained_by_the_migration(sqlite_url: str) -> None:
    migrate(sqlite_url, revision="0010")
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        for case_id in ("a", "b"):
            for seq in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO case_events (event_id, case_id, seq, action, actor, role, "
                        "from_state, to_state, at, params) VALUES (:id, :case, :seq, 'accept', "
                        "'u', 'officer', 'registered', 'handling', :at, :params)"
                    ),
                    {
                        "id": f"{case_id}:{seq}",
                        "case": case_id,
                        "seq": seq,
                        "at": datetime(2026, 12, 1, seq, tzinfo=UTC).replace(tzinfo=None),
                        "params": '{"note": "受理", "n": 1.5}',
                    },
                )
    engine.dispose()
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    result = audit.verify(engine)
    assert (result.cases, result.events, result.broken) == (2, 6, [])
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET params = '{}' WHERE event_id = 'b:2'"))
    assert [(b.case_id, b.seq) for b in audit.verify(engine).broken] == [("b", 2)]
    engine.dispose()


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "pg_url"])
def test_case_units_are_back_filled_by_the_migration(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Cases projected before 0013: the units their clocks ran at and escalations left, the
    units their forwards and review requests named, and the registering officer's unit."""
    url: str = request.getfixturevalue(url_fixture)
    if url_fixture == "pg_url":
        command.downgrade(alembic_config(url), "0012")
    else:
        migrate(url, revision="0012")
    engine = make_engine(url)
    seed_units(engine)
    at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    stored = at.replace(tzinfo=None) if url_fixture == "sqlite_url" else at
    snapshot = {
        "deadlines": [{"unit_id": "pinghu.danghu", "started_at": "2026-12-02T00:00:00+00:00"}],
        "escalations": [
            {"from_unit": "pinghu.danghu.dongmen", "to_unit": "pinghu.danghu", "at": None}
        ],
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, name, role, unit_id, token_hash, created_at) VALUES "
                "('u-reg', '', 'officer', 'pinghu.danghu.dongmen', 'h', :at)"
            ),
            {"at": stored},
        )
        conn.execute(
            text(
                "INSERT INTO cases (case_id, tracking_code, state, level, unit_id, kind, "
                "category, severity, channel, title, description, created_at, updated_at, "
                "visit_count, at_risk, overdue, event_seq, snapshot, petitioner_name_enc, "
                "petitioner_id_number_enc, petitioner_phone_enc, petitioner_address_enc, "
                "petitioner_name_masked, petitioner_id_number_masked, petitioner_phone_masked, "
                "petitioner_key) VALUES ('old-1', 'OLD1', 'registered', 'village', "
                "'pinghu.zhapu.tangshan', 'claim', '物业纠纷', 'minor', 'visit', '旧案', '', "
                ":at, :at, 1, false, false, 3, :snapshot, '', '', '', '', '', '', '', '')"
            ),
            {"at": stored, "snapshot": json.dumps(snapshot)},
        )
        for seq, action, params in [
            (1, "register", {}),
            (2, "forward", {"unit_id": "pinghu.zhapu.tangshan"}),
            (3, "request_review", {"review_by": "outside"}),
        ]:
            conn.execute(
                text(
                    "INSERT INTO case_events (event_id, case_id, seq, action, actor, role, "
                    "from_state, to_state, at, params, chain) VALUES (:id, 'old-1', :seq, "
                    ":action, 'u-reg', 'officer', NULL, 'registered', :at, :params, '')"
                ),
                {
                    "id": f"old-1:{seq}",
                    "seq": seq,
                    "action": action,
                    "at": stored,
                    "params": json.dumps(params),
                },
            )
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(CaseUnitRow).where(CaseUnitRow.case_id == "old-1")).all()
    engine.dispose()
    assert {r.unit_id: r.since for r in rows} == {
        "pinghu.danghu.dongmen": at,  # registered there by its officer
        "pinghu.danghu": datetime(2026, 12, 2, tzinfo=UTC),  # its clock started there
        "pinghu.zhapu.tangshan": at,  # forwarded there, and holding it now
    }


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "pg_url"])
def test_statistics_facts_are_backfilled_by_the_migration(
    url_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Timelines written before 0022 get their facts: the period statistics after upgrading are
    those the events joined to their cases gave, and the facts those the projection would
    write (``DERIVE_SQL``, which the migration's frozen copy must match)."""
    url: str = request.getfixturevalue(url_fixture)
    if url_fixture == "pg_url":
        command.downgrade(alembic_config(url), "0021")
    else:
        migrate(url, revision="0021")
    engine = make_engine(url)
    seed_stats(engine, facts=False)
    migrate(url)
    march = StatsScope(
        unit_id="pinghu",
        unit_name="平湖市",
        units=frozenset(u.id for u in UNITS),
        starts_at=datetime(2026, 3, 1, tzinfo=ZONE),
        ends_at=datetime(2026, 4, 1, tzinfo=ZONE),
        now=datetime(2026, 4, 2, tzinfo=ZONE),
        zone=ZONE,
    )
    with engine.connect() as conn:
        backfilled = [tuple(r) for r in conn.execute(select(FACTS).order_by(*FACTS.primary_key))]
        period = PeriodQueries(conn, march).period()
        assert period == EventJoinPeriodQueries(conn, march).period()
    assert (period.replied, period.on_time.late, period.satisfaction.rated) == (5, 1, 5)
    with engine.begin() as conn:
        conn.execute(FACTS.delete())
        conn.execute(text(DERIVE_SQL))
        derived = [tuple(r) for r in conn.execute(select(FACTS).order_by(*FACTS.primary_key))]
    assert backfilled == derived
    engine.dispose()
