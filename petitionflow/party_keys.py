"""``petitionflow keys rotate`` for 调解's parties (issue 17): each party's name re-encrypted
under the active key, a short transaction per batch, compare-and-set on the old value, so it runs
beside the service and resumes where it stopped."""

from __future__ import annotations

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from activities.mediation import party_field
from models.tables import CasePartyRow
from petitionflow.field_crypto import FORMAT, FieldCipher

PARTIES = CasePartyRow.__table__  # type: ignore[attr-defined]


def _stale(cipher: FieldCipher) -> ColumnElement[bool]:
    current = f"{FORMAT}:{cipher.active}:"
    return and_(PARTIES.c.name_enc != "", ~PARTIES.c.name_enc.startswith(current, autoescape=True))


def rotate_parties(engine: Engine, cipher: FieldCipher, *, batch_size: int = 200) -> int:
    """Party names re-encrypted; a row changed meanwhile is left for ``parties_remaining``."""
    done, after = 0, ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(PARTIES.c.id, PARTIES.c.case_id, PARTIES.c.position, PARTIES.c.name_enc)
                .where(_stale(cipher), PARTIES.c.id > after)
                .order_by(PARTIES.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return done
            for row in rows:
                new = cipher.reencrypt(
                    row.name_enc, row=row.case_id, field=party_field(row.position)
                )
                result = conn.execute(
                    update(PARTIES)
                    .where(PARTIES.c.id == row.id, PARTIES.c.name_enc == row.name_enc)
                    .values(name_enc=new)
                )
                done += result.rowcount
            after = rows[-1].id


def parties_remaining(engine: Engine, cipher: FieldCipher) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(PARTIES).where(_stale(cipher))
        return int(conn.execute(query).scalar_one())
