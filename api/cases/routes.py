"""Thin routes: HTTP in, a CaseService call, HTTP out."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from fastapi.responses import JSONResponse

from api.cases.schemas import (
    ActionIn,
    CaseFilters,
    CaseOut,
    CasePage,
    Instant,
    RegistrationIn,
    TimelineEvent,
)
from api.cases.service import CaseService
from api.deps import AppSettings, CurrentCaller, DbSession, Temporal
from api.problems import responses
from api.public.schemas import Tracking
from models.lifecycle import PetitionLifecycle
from models.vocabulary import Level

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="a retry with the same key and body returns the first result",
    ),
]
REPEAT: dict[int | str, dict[str, object]] = {
    200: {
        "model": CaseOut | Tracking,
        "description": "a repeat petition linked to the open case: the case if it is in the "
        "caller's scope, otherwise only what its tracking page shows",
    }
}
STATES = tuple(s.id for s in PetitionLifecycle.states)


def service(session: DbSession, client: Temporal, settings: AppSettings) -> CaseService:
    return CaseService(session=session, client=client, settings=settings)


@router.post(
    "",
    status_code=201,
    response_model=CaseOut,
    responses={**REPEAT, **responses(401, 403, 422, 503)},
)
async def register_case(
    body: RegistrationIn,
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CaseOut | Response:
    """Register a petition: starts its workflow, or links a repeat to the open case."""
    status, snapshot = await service(session, client, settings).register(
        body=body, caller=caller, key=idempotency_key
    )
    if isinstance(snapshot, Tracking):  # a repeat of a case outside the caller's scope
        return JSONResponse(snapshot.model_dump(mode="json"), status_code=status)
    response.status_code = status
    return snapshot


Q = "words of the title, text or category; or a tracking code, which finds that case alone"


def list_filters(
    state: Annotated[str | None, Query(pattern="|".join(STATES))] = None,
    open: Annotated[
        bool | None, Query(description="true: still open (not in a final state); false: final")
    ] = None,
    level: Level | None = None,
    unit_id: Annotated[
        str | None, Query(max_length=200, description="includes the subtree")
    ] = None,
    overdue: bool | None = None,
    at_risk: bool | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description=Q)] = None,
    created_from: Instant | None = None,
    created_to: Instant | None = None,
    department: Annotated[
        str | None,
        Query(max_length=200, description="交办: cases whose lead or a co-handler is this unit"),
    ] = None,
    backlog: Annotated[
        bool | None,
        Query(description="积案: long overdue or raised 3+ times (the statistics' rule)"),
    ] = None,
    leader: Annotated[
        str | None, Query(max_length=64, description="the 包案 leader's user id")
    ] = None,
    open_orders: Annotated[
        bool | None, Query(description="true: with an open supervision order (督办单)")
    ] = None,
) -> CaseFilters:
    """The case list's filters (the list and its export read the same ones)."""
    return CaseFilters(
        state=state,
        open=open,
        level=level,
        unit_id=unit_id,
        overdue=overdue,
        at_risk=at_risk,
        category=category,
        q=q,
        created_from=created_from,
        created_to=created_to,
        department=department,
        backlog=backlog,
        leader=leader,
        open_orders=open_orders,
    )


ListFilters = Annotated[CaseFilters, Depends(list_filters)]


@router.get("", response_model=CasePage, responses=responses(401, 422))
def list_cases(
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    filters: ListFilters,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CasePage:
    return service(session, client, settings).list_cases(
        caller=caller, filters=replace(filters, limit=limit, cursor=cursor)
    )


@router.get("/{case_id}", response_model=CaseOut, responses=responses(401, 403, 404, 422, 503))
async def get_case(
    case_id: str,
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    reveal: Annotated[
        Literal["pii"] | None, Query(description="unmasked personal data, on record")
    ] = None,
    reason: Annotated[str | None, Query(max_length=500, description="why (with reveal)")] = None,
) -> CaseOut:
    return await service(session, client, settings).read(
        case_id=case_id, caller=caller, reveal=reveal == "pii", reason=reason
    )


@router.post(
    "/{case_id}/actions",
    response_model=CaseOut,
    responses=responses(401, 403, 404, 409, 422, 503),
)
async def act_on_case(
    case_id: str,
    body: Annotated[ActionIn, Body()],
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    idempotency_key: IdempotencyKey = None,
) -> CaseOut:
    """Take an action; 409 lists the actions allowed now."""
    raw: dict[str, Any] = body.model_dump(mode="json")  # type: ignore[attr-defined]
    return await service(session, client, settings).act(
        case_id=case_id, caller=caller, body=raw, key=idempotency_key
    )


CHAIN_HEADER = "Petitionflow-Chain-Verified"


@router.get(
    "/{case_id}/timeline",
    response_model=list[TimelineEvent],
    responses={
        200: {
            "headers": {
                CHAIN_HEADER: {
                    "description": "`true` when the case's whole event chain verifies",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                }
            }
        },
        **responses(401, 404),
    },
)
async def case_timeline(
    case_id: str,
    caller: CurrentCaller,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    response: Response,
    merged: bool = False,
) -> list[TimelineEvent]:
    """From the projection: every event in order (it may trail the live snapshot briefly), each
    with its link in the case's hash chain and whether the chain verifies up to it. With
    ``merged=true``, the events of the duplicates merged into the case too, in time order."""
    events = await service(session, client, settings).timeline(
        case_id=case_id, caller=caller, merged=merged
    )
    response.headers[CHAIN_HEADER] = "true" if all(e.chain_verified for e in events) else "false"
    return events
