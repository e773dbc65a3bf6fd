"""调解's parties at rest, on SQLite and PostgreSQL: written once per event (a retried write adds
nothing), encrypted and bound to their case and place, re-encrypted by ``keys rotate``, and gone
with the case's personal data when retention purges it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.mediation import party_field, write_parties
from models.boundary import CaseEvent
from models.mediation import MediationParty
from models.tables import CasePartyRow
from petitionflow.codec import parse_keys
from petitionflow.field_crypto import FieldCipher, FieldCryptoError
from petitionflow.party_keys import parties_remaining, rotate_parties
from tests.conftest import CODEC_KEYS, FIELD_CIPHER

T = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
RING = FieldCipher(parse_keys(CODEC_KEYS + ",k2:" + "B" * 43 + "="), "k2")


@pytest.mark.parametrize("fixture", ["engine", "pg_engine"])
def test_parties_encrypted_once_and_rotated(fixture: str, request: pytest.FixtureRequest) -> None:
    db: Engine = request.getfixturevalue(fixture)
    event = CaseEvent(
        event_id="c-9:4",
        case_id="c-9",
        seq=4,
        action="start_mediation",
        actor="u",
        role="officer",
        from_state="handling",
        to_state="handling",
        at=T,
        parties=[
            MediationParty(name="欧阳明", role="业主"),
            MediationParty(name="平湖物业公司", kind="organisation", role="物业"),
        ],
    )
    for _ in range(2):  # a retried write
        with Session(db) as session, session.begin():
            write_parties(session, FIELD_CIPHER, event)
    with Session(db) as session:
        rows = session.exec(select(CasePartyRow).order_by(CasePartyRow.position)).all()
    assert [r.name_masked for r in rows] == ["欧**", "平湖物业公司"]
    assert all("欧阳明" not in r.name_enc and r.name_enc.startswith("pf1:k1:") for r in rows)

    assert parties_remaining(db, RING) == 2
    assert rotate_parties(db, RING, batch_size=1) == 2
    assert parties_remaining(db, RING) == 0
    with Session(db) as session:
        first = session.exec(select(CasePartyRow).where(CasePartyRow.position == 0)).one()
    assert first.name_enc.startswith("pf1:k2:")
    assert RING.decrypt(first.name_enc, row="c-9", field=party_field(0)) == "欧阳明"
    with pytest.raises(FieldCryptoError):  # bound to its place: not opened as another party
        RING.decrypt(first.name_enc, row="c-9", field=party_field(1))
