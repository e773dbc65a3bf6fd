"""Every petitioner of a case (集体访) in ``case_petitioners``, protected as the case row's
petitioner is: each field encrypted bound to ``<case id>#<position>`` (a value moved to another
person's row does not decrypt), the masked forms, and the keyed hashes — of the ID number (repeat
matching), the name and phone (person search), and ``person_ref``, the opaque reference of a
person's history. Written once, with the case's first projection; purged with the case."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session
from sqlmodel import select as select_rows

from models.boundary import Person
from models.tables import CasePetitionerRow
from petitionflow.field_crypto import ENCRYPTED_COLUMNS, FORMAT, FieldCipher

PETITIONERS = CasePetitionerRow.__table__  # type: ignore[attr-defined]
KEY_COLUMNS = ("petitioner_key", "petitioner_name_key", "petitioner_phone_key", "person_ref")


def row_id(case_id: str, position: int) -> str:
    """What a petitioner's ciphertexts are bound to (their associated data's row)."""
    return f"{case_id}#{position}"


def write_petitioners(
    session: Session, cipher: FieldCipher, case_id: str, people: Iterable[Person]
) -> None:
    """The case's petitioners, once each (a retried write finds them and keeps them)."""
    for position, person in enumerate(people):
        if session.get(CasePetitionerRow, (case_id, position)) is not None:
            continue
        row = CasePetitionerRow(
            case_id=case_id, position=position, representative=person.representative
        )
        for column, value in cipher.seal(row_id(case_id, position), person.petitioner).items():
            setattr(row, column, value)
        for column in KEY_COLUMNS:
            setattr(row, column, person.keys.get(column, ""))
        session.add(row)


def open_petitioners(session: Session, cipher: FieldCipher, case_id: str) -> list[dict[str, str]]:
    """Every petitioner of the case in plain text, in order (a reveal: the caller records it)."""
    rows = session.exec(
        select_rows(CasePetitionerRow)
        .where(CasePetitionerRow.case_id == case_id)
        .order_by(CasePetitionerRow.position)  # type: ignore[arg-type]
    ).all()
    return [cipher.open(row_id(case_id, row.position), row) for row in rows]


def purge_petitioners(conn: Connection, case_id: str) -> None:
    """Retention: the case's petitioners go with its personal data."""
    conn.execute(delete(PETITIONERS).where(PETITIONERS.c.case_id == case_id))


# -- key rotation (``petitionflow keys rotate``) --------------------------------------------------
def _stale(cipher: FieldCipher) -> ColumnElement[bool]:
    current = f"{FORMAT}:{cipher.active}:"
    return or_(
        *(
            and_(
                PETITIONERS.c[column] != "",
                ~PETITIONERS.c[column].startswith(current, autoescape=True),
            )
            for column in ENCRYPTED_COLUMNS.values()
        )
    )


def rotate_petitioners(engine: Engine, cipher: FieldCipher, *, batch_size: int = 200) -> int:
    """Re-encrypt every petitioner row under another key, a batch per short transaction,
    compare-and-set on the old values (a row changed meanwhile is taken by the next pass).
    Returns the rows re-encrypted."""
    done = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(
                    PETITIONERS.c.case_id,
                    PETITIONERS.c.position,
                    *(PETITIONERS.c[c] for c in ENCRYPTED_COLUMNS.values()),
                )
                .where(_stale(cipher))
                .limit(batch_size)
            ).all()
            if not rows:
                return done
            for row in rows:
                bound = row_id(row.case_id, row.position)
                old = {c: getattr(row, c) for c in ENCRYPTED_COLUMNS.values()}
                new = {
                    column: cipher.reencrypt(old[column], row=bound, field=name)
                    for name, column in ENCRYPTED_COLUMNS.items()
                }
                result = conn.execute(
                    update(PETITIONERS)
                    .where(
                        PETITIONERS.c.case_id == row.case_id,
                        PETITIONERS.c.position == row.position,
                        *(PETITIONERS.c[c] == old[c] for c in old),
                    )
                    .values(**new)
                )
                done += result.rowcount


def petitioners_remaining(engine: Engine, cipher: FieldCipher) -> int:
    """Petitioner rows that still hold a value under another key."""
    with engine.connect() as conn:
        query = select(func.count()).select_from(PETITIONERS).where(_stale(cipher))
        return int(conn.execute(query).scalar_one())
