"""Bad requests stopped at the door: oversized bodies (413) and non-JSON bodies on the JSON API
(415), answered as problems before any handler runs — so nothing is written, and a large body is
never parsed. The limit is ``PETITIONFLOW_MAX_BODY_BYTES``; a chunked body is read only as far as
the limit."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.open311.wire import error_response
from api.problems import problem
from models.messages import Message as Wording
from models.messages import preferred_language

JSON_API = "/api/"
OPEN311 = "/open311/"  # answers in the spec's error shape
WITH_BODY = {"POST", "PUT", "PATCH"}


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        lang = preferred_language(headers.get("accept-language"))
        detail = Wording("请求体过大", f"body larger than {self.max_bytes} bytes")
        too_large = (
            error_response(
                "json" if scope["path"].endswith(".json") else "xml", 413, (str(detail),)
            )
            if scope["path"].startswith(OPEN311)
            else problem(413, detail, lang=lang)
        )
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await too_large(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:  # at most max_bytes are held: the body is read before the app sees it
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if scope["path"].startswith(JSON_API) and size > 0 and media != "application/json":
            answer = problem(
                415,
                Wording("只接受 application/json", f"expected application/json, got {media!r}"),
                lang=lang,
            )
            await answer(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def install(app: FastAPI, *, max_bytes: int) -> None:
    app.add_middleware(BodyGuard, max_bytes=max_bytes)
