"""RFC 9457 problem details for every 4xx/5xx, handled once for the whole app.

Details and field errors are :class:`~models.messages.Message` s (Chinese and English); the
answer carries one language, the client's choice by ``Accept-Language`` (Chinese by default),
named in ``Content-Language``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from models.actions import ACTION_PARAMS
from models.errors import DomainError, FieldError
from models.messages import Lang, Message, preferred_language, validation_message

MEDIA_TYPE = "application/problem+json"
# A problem lists at most this many errors (the first ones) and counts them all in
# ``errors_total``: an invalid body of any size answers with a small problem.
MAX_ERRORS = 20
# Tags of the bodies that are discriminated unions (actions; alert channels' kinds): pydantic puts
# the tag in an error's location, where the caller expects the field's name.
UNION_BRANCHES = frozenset(ACTION_PARAMS) | {"webhook", "email"}


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    allowed_actions: list[str] | None = None
    errors: list[dict[str, str]] | None = None
    errors_total: int | None = None


class ProblemError(Exception):
    """Raise anywhere below a route to answer with a problem; nothing has been changed.

    ``detail`` (and each of ``errors``' messages) is a :class:`Message`; a plain string is read
    as :meth:`Message.of` reads one (Message("中文", "English") is split)."""

    def __init__(
        self,
        status: int,
        detail: Message | str,
        *,
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.detail = Message.of(detail)
        super().__init__(str(self.detail))
        self.status, self.type = status, type
        self.headers, self.extra = headers or {}, extra


def language(request: Request | None) -> Lang:
    return preferred_language(request.headers.get("accept-language") if request else None)


def problem(
    status: int,
    detail: Message | str,
    *,
    lang: Lang = "zh",
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    errors = extra.get("errors")
    if isinstance(errors, list):
        shown = [{**e, "message": Message.of(e["message"]).pick(lang)} for e in errors[:MAX_ERRORS]]
        extra = {**extra, "errors": shown, "errors_total": len(errors)}
    body = {
        "type": type,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": Message.of(detail).pick(lang),
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = {**(headers or {}), "Content-Language": lang, "Vary": "Accept-Language"}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def summary(errors: list[FieldError]) -> Message:
    """The detail line of a list of field errors: the first few, and how many more there are."""
    shown = errors[:MAX_ERRORS]
    more = len(errors) - MAX_ERRORS
    zh = "；".join(f"{e['field']}：{Message.of(e['message']).zh}" for e in shown)
    en = "; ".join(f"{e['field']}: {Message.of(e['message']).en}" for e in shown)
    if more > 0:
        zh, en = f"{zh}；… 另有 {more} 项", f"{en}; … and {more} more"
    return Message(zh, en)


# Starlette's own answers (an unknown path, a method the path does not take), worded.
HTTP_DETAILS = {
    404: Message("没有此资源", "Not Found"),
    405: Message("此路径不接受该请求方法", "Method Not Allowed"),
}


def from_domain(err: DomainError) -> ProblemError:
    details = err.to_details()
    return ProblemError(
        err.status,
        err.detail,
        type=f"/problems/{type(err).__name__}",
        allowed_actions=details.get("allowed_actions"),
        errors=details.get("errors"),
    )


def _field(error: dict[str, Any]) -> str:
    loc = list(error["loc"])
    if error.get("type") == "union_tag_invalid":
        return "action"
    if len(loc) > 1 and loc[0] == "body" and loc[1] in UNION_BRANCHES:
        del loc[1]  # the discriminator's branch name, not a field
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem(
            exc.status,
            exc.detail,
            lang=language(request),
            type=exc.type,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        err = from_domain(exc)
        return problem(err.status, err.detail, lang=language(request), type=err.type, **err.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e), "message": validation_message(e)} for e in exc.errors()]
        return problem(
            422,
            summary(errors),
            lang=language(request),
            type="/problems/InvalidParams",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        detail = (
            HTTP_DETAILS.get(exc.status_code)
            if exc.detail == HTTPStatus(exc.status_code).phrase
            else None
        )
        return problem(
            exc.status_code,
            detail or Message.of(str(exc.detail)),
            lang=language(request),
            headers=headers,
        )

    build = app.openapi  # FastAPI's own, which caches the document it builds

    def openapi() -> dict[str, Any]:
        schema = build()
        if getattr(app.state, "errors_documented_in", None) is not schema:
            _document_errors(schema)
            app.state.errors_documented_in = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(request: Request) -> list[str]:
    """Every method the documented routes serve at this path. Starlette's own 405 names only
    the first route that matched the path (GET and POST of one path are two routes)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):  # through included routers
        if isinstance(route.original_route, APIRoute) and route.original_route.include_in_schema:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                methods |= route.methods or set()
    return sorted(methods)


# Answered before or around any handler: an unparseable body (400), too large (413), not JSON (415)
BODY_ERRORS = (400, 413, 415)


def _problem_answer(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _document_errors(schema: dict[str, Any]) -> None:
    """FastAPI's document, with the errors as they are really answered: its 422 entries say
    problem+json, and every operation with a body lists the body's own errors."""
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            if path.startswith("/open311/"):
                answers.pop("422", None)  # the spec's own errors: bad input is a 400 there
                continue
            if "422" in answers:
                answers["422"] = _problem_answer(422)
            if "requestBody" in operation:
                for status in BODY_ERRORS:
                    answers.setdefault(str(status), _problem_answer(status))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route can answer with."""
    return {status: _problem_answer(status) for status in statuses}
