"""``petitionflow keys rotate``: every personal field of the projection re-encrypted under the
active key, in small batches that each commit, so it can run while the service runs and be run
again after an interruption (it picks up what is left). ``petitionflow keys fill-search``: the
person-search hashes of rows written before they existed, the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from models.tables import CaseRow
from petitionflow.field_crypto import ENCRYPTED_COLUMNS, FORMAT, FieldCipher, key_id_of
from petitionflow.person_keys import SEARCH_KEY_COLUMNS, PersonKeys

CASES = CaseRow.__table__  # type: ignore[attr-defined]


@dataclass
class Rotation:
    cases: int = 0  # rows re-encrypted
    values: int = 0  # fields re-encrypted
    before: Counter[str] = field(default_factory=Counter)  # values found under each older key


def stale(cipher: FieldCipher) -> ColumnElement[bool]:
    """Rows with a personal field under a key other than the active one."""
    current = f"{FORMAT}:{cipher.active}:"
    return or_(
        *(
            and_(CASES.c[column] != "", ~CASES.c[column].startswith(current, autoescape=True))
            for column in ENCRYPTED_COLUMNS.values()
        )
    )


def rotate(
    engine: Engine,
    cipher: FieldCipher,
    *,
    batch_size: int = 200,
    progress: Callable[[Rotation], None] | None = None,
) -> Rotation:
    """Re-encrypt, batch by batch (one short transaction each). A row changed meanwhile is left
    for the next pass (compare-and-set on the old values); passes repeat until none is left."""
    done = Rotation()
    columns = [CASES.c[c] for c in ENCRYPTED_COLUMNS.values()]
    while True:
        after, raced = "", False
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(CASES.c.case_id, *columns)
                    .where(stale(cipher), CASES.c.case_id > after)
                    .order_by(CASES.c.case_id)
                    .limit(batch_size)
                ).all()
                if not rows:
                    break
                for row in rows:
                    old = {c: getattr(row, c) for c in ENCRYPTED_COLUMNS.values()}
                    new = {
                        column: cipher.reencrypt(old[column], row=row.case_id, field=name)
                        for name, column in ENCRYPTED_COLUMNS.items()
                    }
                    changed = {c: v for c, v in new.items() if v != old[c]}
                    if not changed:
                        continue
                    result = conn.execute(
                        update(CASES)
                        .where(
                            CASES.c.case_id == row.case_id,
                            *(CASES.c[c] == old[c] for c in changed),
                        )
                        .values(**changed)
                    )
                    if result.rowcount != 1:
                        raced = True
                        continue
                    done.cases += 1
                    done.values += len(changed)
                    done.before.update(key_id_of(old[c]) or "?" for c in changed)
                after = rows[-1].case_id
            if progress is not None:
                progress(done)
        if not raced:
            return done


def remaining(engine: Engine, cipher: FieldCipher) -> int:
    """Rows that still hold a value under another key."""
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(CASES).where(stale(cipher))).scalar_one()
        )


# -- person search ------------------------------------------------------------------------------
def unsearchable() -> ColumnElement[bool]:
    """Rows holding a name or phone without its person-search hash (written before 0014)."""
    return or_(
        *(
            and_(CASES.c[ENCRYPTED_COLUMNS[name]] != "", CASES.c[column] == "")
            for name, column in SEARCH_KEY_COLUMNS.items()
        )
    )


def fill_search_keys(
    engine: Engine,
    cipher: FieldCipher,
    people: PersonKeys,
    *,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Decrypt each such row's name and phone and store their keyed hashes, batch by batch (one
    short transaction each, so it can run beside the service and again after an interruption).
    A row whose ciphertext changed meanwhile (a rotation) is written against its new value on the
    next run. Returns the rows filled."""
    sealed = {name: CASES.c[ENCRYPTED_COLUMNS[name]] for name in SEARCH_KEY_COLUMNS}
    filled, after = 0, ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(CASES.c.case_id, *sealed.values())
                .where(unsearchable(), CASES.c.case_id > after)
                .order_by(CASES.c.case_id)
                .limit(batch_size)
            ).all()
            if not rows:
                return filled
            for row in rows:
                stored = {name: getattr(row, column.name) for name, column in sealed.items()}
                plain = {
                    name: cipher.decrypt(value, row=row.case_id, field=name)
                    for name, value in stored.items()
                }
                result = conn.execute(
                    update(CASES)
                    .where(
                        CASES.c.case_id == row.case_id,
                        *(sealed[name] == value for name, value in stored.items()),
                    )
                    .values(
                        {
                            SEARCH_KEY_COLUMNS["name"]: people.name(plain["name"]),
                            SEARCH_KEY_COLUMNS["phone"]: people.phone(plain["phone"]),
                        }
                    )
                )
                filled += result.rowcount
            after = rows[-1].case_id
        if progress is not None:
            progress(filled)
