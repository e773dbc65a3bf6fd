"""Every failure under ``/open311/v2`` answers in the spec's error shape and the requested
format, not as the rest of the API's problem+json. The spec's statuses: 404 for what does not
exist, 403 for a missing or wrong api_key, 400 for anything else the request got wrong."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from api.open311.wire import FORMATS, Format, Open311Error, error_response
from api.problems import ProblemError, from_domain
from models.errors import DomainError
from models.messages import validation_message

log = logging.getLogger("petitionflow.open311")

# problem+json statuses of the shared case service, as the spec would have them
SPEC_STATUS = {401: 403, 409: 400, 422: 400}


class Open311Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_spec_shape(request: Request) -> Response:
            try:
                return await handle(request)
            except Exception as exc:
                return error_for(exc, requested_format(request))

        return handle_in_spec_shape


def requested_format(request: Request) -> Format:
    """The format the path asks for; XML, the spec's required format, when it names none."""
    fmt = request.path_params.get("fmt")
    if fmt == "json" or (fmt not in FORMATS and request.url.path.endswith(".json")):
        return "json"
    return "xml"


def error_for(exc: Exception, fmt: Format) -> Response:
    if isinstance(exc, DomainError):
        exc = from_domain(exc)
    if isinstance(exc, Open311Error):
        return error_response(fmt, exc.status, exc.descriptions, exc.headers)
    if isinstance(exc, RequestValidationError):
        return error_response(fmt, 400, tuple(_invalid(e) for e in exc.errors()))
    if isinstance(exc, ProblemError):
        status = SPEC_STATUS.get(exc.status, exc.status)
        # GeoReport errors have no language negotiation: both wordings, as the spec's clients
        # (12345 hot-line systems) have always read them
        return error_response(fmt, status, (str(exc.detail),), exc.headers)
    if isinstance(exc, HTTPException):
        return error_response(fmt, exc.status_code, (str(exc.detail),), dict(exc.headers or {}))
    log.exception("open311 request failed", exc_info=exc)
    return error_response(fmt, 500, ("服务内部错误，请稍后重试 / internal error; try again later",))


def _invalid(error: dict[str, Any]) -> str:
    where = [str(p) for p in error["loc"] if p not in ("path", "query", "header", "body")]
    if where == ["fmt"]:
        return "不支持的格式，请使用 .json 或 .xml / unsupported format; use .json or .xml"
    return f"{'.'.join(where) or 'request'}: {validation_message(error)}"
