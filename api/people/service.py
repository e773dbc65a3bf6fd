"""Finding a person's cases: the query hashed as the projection hashed the petitioner, the
matches in scope, and every case handed out on record."""

from __future__ import annotations

from sqlmodel import Session

from api import pii
from api.auth import Caller
from api.cases.schemas import CaseSummary
from api.people.repository import cases_of_person
from api.people.schemas import MAX_RESULTS, PersonCase, PersonSearchIn, PersonSearchOut
from api.problems import ProblemError
from models.boundary import MaskedPetitioner
from models.tables import CaseRow
from models.vocabulary import PiiAccessKind
from petitionflow.person_keys import SEARCH_KEY_COLUMNS, PersonKeys


def search_person(
    session: Session, *, caller: Caller, query: PersonSearchIn, people: PersonKeys
) -> PersonSearchOut:
    asked = {
        ("id_number", "petitioner_key"): (query.id_number, people.id_number),
        ("name", SEARCH_KEY_COLUMNS["name"]): (query.name, people.name),
        ("phone", SEARCH_KEY_COLUMNS["phone"]): (query.phone, people.phone),
    }
    keys: dict[str, str] = {}
    for (name, column), (value, keyed) in asked.items():
        if not value.strip():
            continue
        digest = keyed(value)
        if not digest:  # "·" or "- -": nothing left to match, which would match everyone
            raise ProblemError(
                422,
                f"{name}: 没有可查找的内容 / nothing to search by",
                type="/problems/InvalidParams",
                errors=[{"field": name, "message": "nothing to search by once normalised"}],
            )
        keys[column] = digest
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
