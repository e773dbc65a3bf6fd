"""Alerts: list, acknowledge, the live stream; and where a unit's alerts are sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.alerts.schemas import (
    AlertFilters,
    AlertOut,
    AlertPage,
    BulkAckIn,
    BulkAckOut,
    ChannelIn,
    ChannelOut,
)
from api.alerts.service import AlertService
from api.alerts.stream import AlertHub, stream
from api.deps import AppSettings, BriefCaller, CurrentCaller, DbSession, Temporal, get_engine
from api.problems import responses
from models.alerts import AlertKind

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.get("/alerts", response_model=AlertPage, responses=responses(401, 422))
def list_alerts(
    caller: CurrentCaller,
    session: DbSession,
    unit_id: Annotated[
        str | None, Query(max_length=200, description="includes the subtree")
    ] = None,
    kind: AlertKind | None = None,
    acknowledged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AlertPage:
    filters = AlertFilters(
        unit_id=unit_id, kind=kind, acknowledged=acknowledged, limit=limit, cursor=cursor
    )
    return AlertService(session).list_alerts(caller=caller, filters=filters)


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, responses=responses(401, 404))
async def acknowledge(
    alert_id: str, caller: CurrentCaller, session: DbSession, client: Temporal
) -> AlertOut:
    """Acknowledge: stops re-notification of a breach or supervision alert."""
    return await AlertService(session).acknowledge(alert_id=alert_id, caller=caller, client=client)


@router.post("/alerts/ack", response_model=BulkAckOut, responses=responses(401, 404, 422))
async def acknowledge_many(
    body: BulkAckIn, caller: CurrentCaller, session: DbSession, client: Temporal
) -> BulkAckOut:
    """Acknowledge several alerts at once (up to 200; a case's alerts, as the dashboard groups
    them): all or none — one unknown or outside the caller's scope answers 404 and acknowledges
    nothing. Acknowledging again is harmless."""
    items = await AlertService(session).acknowledge_many(
        alert_ids=body.alert_ids, caller=caller, client=client
    )
    return BulkAckOut(items=items)


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **responses(401, 429)},
)
async def alert_stream(request: Request, caller: BriefCaller) -> StreamingResponse:
    """Server-sent events: `alert` for each new alert and `case` for each state change in the
    caller's scope. At most `PETITIONFLOW_STREAM_MAX_PER_USER` open streams per user (429)."""
    hub: AlertHub = request.app.state.alert_hub
    subscription = hub.subscribe(get_engine(request), caller)
    return StreamingResponse(
        stream(hub, subscription, is_gone=request.is_disconnected),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/alert-channels",
    status_code=201,
    response_model=ChannelOut,
    responses=responses(401, 403, 404, 422),
)
def add_channel(
    body: ChannelIn, caller: CurrentCaller, session: DbSession, settings: AppSettings
) -> ChannelOut:
    """Send a unit's alerts (and its subtree's) to a webhook or an e-mail address. A webhook must
    be https on a public address unless `PETITIONFLOW_WEBHOOK_ALLOW` names it (422)."""
    return AlertService(session).add_channel(
        body=body, caller=caller, guard=settings.webhook_guard()
    )


@router.get("/alert-channels", response_model=list[ChannelOut], responses=responses(401))
def list_channels(caller: CurrentCaller, session: DbSession) -> list[ChannelOut]:
    return AlertService(session).channels(caller=caller)
