"""Finding a person's cases: the query hashed as the projection hashed the petitioner, the
matches in scope, and every case handed out on record."""

from __future__ import annotations

from sqlmodel import Session

from api import pii
from api.auth import Caller
from api.cases.schemas import CaseSummary
from api.people.repository import cases_of_person
from api.people.schemas import MAX_RESULTS, PersonCase, PersonSearchIn, PersonSearchOut
from models.boundary import MaskedPetitioner
from models.tables import CaseRow
from models.vocabulary import PiiAccessKind
from petitionflow.person_keys import SEARCH_KEY_COLUMNS, PersonKeys


def search_person(
    session: Session, *, caller: Caller, query: PersonSearchIn, people: PersonKeys
) -> PersonSearchOut:
    keys = {
        column: digest
        for column, digest in (
            ("petitioner_key", people.id_number(query.id_number)),
            (SEARCH_KEY_COLUMNS["name"], people.name(query.name)),
            (SEARCH_KEY_COLUMNS["phone"], people.phone(query.phone)),
        )
        if digest
    }
    rows = cases_of_person(session, caller, keys, MAX_RESULTS)
    found = rows[:MAX_RESULTS]
    # On record before anything is handed out: who looked for whom, which cases they got, why.
    for row in found:
        pii.record_access(session, caller, row.case_id, PiiAccessKind.person_search, query.reason)
    return PersonSearchOut(items=[person_case(r) for r in found], truncated=len(rows) > len(found))


def person_case(row: CaseRow) -> PersonCase:
    return PersonCase(
        **CaseSummary.model_validate(row).model_dump(),
        petitioner=MaskedPetitioner(
            name=row.petitioner_name_masked,
            id_number=row.petitioner_id_number_masked,
            phone=row.petitioner_phone_masked,
        ),
    )
