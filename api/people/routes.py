"""``POST /api/v1/person-search``: thin — the query in, the person's cases out."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AppSettings, CurrentCaller, DbSession
from api.people.schemas import PersonSearchIn, PersonSearchOut
from api.people.service import search_person
from api.problems import responses

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post(
    "/person-search",
    response_model=PersonSearchOut,
    responses=responses(401, 422),
    summary="A person's cases, by exact name, phone or ID number (on record)",
)
def person_search(
    body: PersonSearchIn, caller: CurrentCaller, session: DbSession, settings: AppSettings
) -> PersonSearchOut:
    """Matched through keyed hashes of the normalised fields, never plaintext; in the caller's
    scope (officers: the cases their unit holds). Each case found is written to the access log
    (kind ``person_search``) with the reason given. The query travels in the body: personal
    data never goes into a URL."""
    return search_person(session, caller=caller, query=body, people=settings.person_keys)
