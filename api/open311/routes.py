"""GeoReport v2 under ``/open311/v2``: thin routes, each in ``.json`` and ``.xml``.

``jurisdiction_id`` is accepted and ignored, as the spec allows for an endpoint that serves one
jurisdiction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from api.deps import AppSettings, DbSession, Temporal
from api.open311 import views
from api.open311.errors import Open311Route
from api.open311.filters import RequestFilters, listed_ids
from api.open311.service import Open311Service
from api.open311.submission import Form
from api.open311.throttle import throttle_lookups, throttle_reads
from api.open311.wire import Format, Open311Error, render
from api.problems import allowed_methods
from petitionflow.settings import Settings

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)
# Every public read counts against the per-client rate limit (``api/open311/throttle.py``).
Throttled = [Depends(throttle_reads)]

FormatIn = Annotated[Format, Path(description="`json` or `xml`")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="optional: a retry with the same key and body registers nothing new",
    ),
]
ApiKeyHeader = Annotated[
    str | None,
    Header(
        alias="X-Api-Key",
        max_length=200,
        description="an Open311 api_key: needed to list requests (those of its unit)",
    ),
]
# The spec's lists are comma-delimited; its dates W3C date-times with an offset.
StatusList = Annotated[
    str | None,
    Query(
        description="`open`, `closed` or both, comma-delimited",
        json_schema_extra={"pattern": r"^\s*((open|closed)\s*(,\s*(open|closed)\s*)*)?$"},
    ),
]
W3CDateTime = Annotated[
    str | None,
    Query(
        description="a date-time with its offset, e.g. 2026-01-01T00:00:00+08:00",
        json_schema_extra={  # left empty it counts as absent, as form-posting clients send it
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "pattern": r"^\s*$"},
                {"type": "null"},
            ]
        },
    ),
]
BOTH_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/xml": {}}, "description": "OK"},
    400: {"description": "errors: [{code, description}] (`<errors><error>…`)"},
    404: {"description": "errors: no such resource"},
    429: {"description": "errors: too many requests from this client; `Retry-After`"},
}
SUBMISSION_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "service_code",
                            "lat",
                            "long",
                            "address_string",
                            "address_id",
                            "first_name",
                            "last_name",
                            "phone",
                            "description",
                            "media_url",
                            "account_id",
                            "attribute[CODE]",
                        )
                    },
                }
            }
        },
    }
}


def _service(session: DbSession, client: Temporal, settings: AppSettings) -> Open311Service:
    return Open311Service(session=session, client=client, settings=settings)


@router.get(
    "/discovery.{fmt}", response_class=Response, responses=BOTH_FORMATS, dependencies=Throttled
)
def discovery(fmt: FormatIn, request: Request, settings: AppSettings) -> Response:
    """Service discovery: where the endpoint is and which formats it speaks."""
    url = f"{str(request.base_url).rstrip('/')}{PREFIX}"
    return render(fmt, "discovery", views.discovery(url, production=_production(settings)))


@router.get(
    "/services.{fmt}", response_class=Response, responses=BOTH_FORMATS, dependencies=Throttled
)
def services(fmt: FormatIn) -> Response:
    """The petition categories a request can be filed under."""
    return render(fmt, "services", views.services())


@router.get(
    "/services/{service_code}.{fmt}",
    response_class=Response,
    responses=BOTH_FORMATS,
    dependencies=Throttled,
)
def service_definition(service_code: str, fmt: FormatIn) -> Response:
    """The extra questions a category asks (``attribute[code]`` in a submission)."""
    return render(fmt, "service_definition", Open311Service.definition(service_code))


@router.get(
    "/requests.{fmt}",
    response_class=Response,
    responses={**BOTH_FORMATS, 403: {"description": "errors: a list without a valid api_key"}},
    dependencies=Throttled,
)
def list_requests(
    fmt: FormatIn,
    request: Request,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    api_key: ApiKeyHeader = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: W3CDateTime = None,
    end_date: W3CDateTime = None,
    status: StatusList = None,
) -> Response:
    """Requests by requested time, newest first: the last 90 days unless given a window of at
    most 90 days; at most 1000. Listing needs an api_key (header `X-Api-Key`) and shows the
    requests of its unit. ``service_request_id`` (at most 20, comma-delimited) overrides the
    other filters and needs no key: each id counts as one lookup against the rate limit."""
    service = _service(session, client, settings)
    caller = service.lister(api_key) if not listed_ids(service_request_id) else None
    filters = RequestFilters.parse(
        now=datetime.now(UTC),
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    throttle_lookups(request, len(filters.ids))
    return render(fmt, "service_requests", service.requests(filters, caller))


@router.post(
    "/requests.{fmt}",
    status_code=201,
    response_class=Response,
    responses={
        **BOTH_FORMATS,
        202: {"description": "saved; a token instead of the id"},
        403: {"description": "errors: api_key missing, invalid or revoked"},
    },
    openapi_extra=SUBMISSION_FORM,
)
async def create_request(
    fmt: FormatIn,
    request: Request,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """File a petition, received by the api_key's unit; 201 with its service_request_id, or 202
    with a token when the case is saved but not yet confirmed."""
    content_type = request.headers.get("content-type", "")
    if content_type and not content_type.startswith("application/x-www-form-urlencoded"):
        raise Open311Error(
            400, "请以 application/x-www-form-urlencoded 提交 / send the form url-encoded"
        )
    form = Form(
        request.url.query, await request.body(), api_key_header=request.headers.get("x-api-key")
    )
    status, created = await _service(session, client, settings).submit(form, idempotency_key)
    return render(fmt, "service_requests", [created], status=status)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    response_class=Response,
    responses=BOTH_FORMATS,
    dependencies=Throttled,
)
def get_request(
    service_request_id: str,
    fmt: FormatIn,
    request: Request,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
) -> Response:
    """One request by its id; an unknown id answers the same 404 whatever it looks like."""
    throttle_lookups(request, 1)
    found = _service(session, client, settings).request(service_request_id)
    return render(fmt, "service_requests", found)


@router.get(
    "/tokens/{token}.{fmt}", response_class=Response, responses=BOTH_FORMATS, dependencies=Throttled
)
def get_token(
    token: str, fmt: FormatIn, session: DbSession, client: Temporal, settings: AppSettings
) -> Response:
    """The service_request_id behind a token; null while the case is still being registered."""
    found = _service(session, client, settings).token(token)
    return render(fmt, "service_requests", found)


@router.api_route(
    "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
def unknown(path: str, request: Request) -> Response:
    """Anything else under the prefix still answers in the spec's error shape: 405 naming the
    methods served where the path exists, else 404."""
    allowed = allowed_methods(request)
    if allowed:
        raise Open311Error(
            405,
            f"不支持 {request.method}，可用 {', '.join(allowed)} / use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    raise Open311Error(404, f"没有此资源 / no such resource: {path}")


def _production(settings: Settings) -> bool:
    return settings.env == "prod"
