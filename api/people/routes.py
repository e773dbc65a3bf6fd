"""``POST /api/v1/person-search``: thin — the query in, the person's cases out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AppSettings, CurrentCaller, DbSession
from api.people.history import PetitionerHistory, petitioner_history
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


@router.get(
    "/petitioners/{petitioner_ref}",
    response_model=PetitionerHistory,
    responses=responses(401, 404, 422),
    summary="One petitioner's cases and visits (on record)",
)
def petitioner(
    petitioner_ref: Annotated[str, Path(pattern=r"^[0-9a-f]{16,64}$")],
    caller: CurrentCaller,
    session: DbSession,
    reason: Annotated[str | None, Query(min_length=2, max_length=500)] = None,
) -> PetitionerHistory:
    """By the opaque reference shown on a case's petitioner entries (``petitioners[].ref``),
    never the ID number: the person's cases in the caller's scope (reading follows the work),
    newest first, each with the visits they came on. Each case is written to the access log
    (kind ``petitioner_history``) with ``reason``."""
    return petitioner_history(session, caller=caller, ref=petitioner_ref, reason=reason)
