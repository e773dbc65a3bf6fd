"""Bad requests stopped at the door: oversized bodies (413) and non-JSON bodies on the JSON API
(415), answered as problems before any handler runs — so nothing is written, and a large body is
never parsed. The limit is ``PETITIONFLOW_MAX_BODY_BYTES``; a chunked body is read only as far as
the limit. File uploads (case attachments) are the exception: ``multipart/form-data`` on their
own paths, with their own limit (``PETITIONFLOW_ATTACHMENTS_MAX_BYTES`` and room for the form)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.open311.wire import error_response
from api.problems import problem
from models.messages import Message as Wording
from models.messages import preferred_language

JSON_API = "/api/"
OPEN311 = "/open311/"  # answers in the spec's error shape
WITH_BODY = {"POST", "PUT", "PATCH"}
MULTIPART = "multipart/form-data"
FORM_ALLOWANCE = 64 * 1024  # an upload's boundaries, part headers and small fields


class BodyGuard:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, uploads: Sequence[tuple[str, int]] = ()
    ) -> None:
        self.app, self.max_bytes = app, max_bytes
        # (path pattern, largest file): multipart bodies of up to the file plus the form
        self.uploads = [(re.compile(path), size + FORM_ALLOWANCE) for path, size in uploads]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        upload = next((size for path, size in self.uploads if path.match(scope["path"])), None)
        max_bytes = upload or self.max_bytes
        expected = MULTIPART if upload else "application/json"
        lang = preferred_language(headers.get("accept-language"))
        detail = Wording("请求体过大", f"body larger than {max_bytes} bytes")
        too_large = (
            error_response(
                "json" if scope["path"].endswith(".json") else "xml", 413, (str(detail),)
            )
            if scope["path"].startswith(OPEN311)
            else problem(413, detail, lang=lang)
        )
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
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
            if size > max_bytes:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if scope["path"].startswith(JSON_API) and size > 0 and media != expected:
            answer = problem(
                415,
                Wording(f"只接受 {expected}", f"expected {expected}, got {media!r}"),
                lang=lang,
            )
            await answer(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def install(app: FastAPI, *, max_bytes: int, uploads: Sequence[tuple[str, int]] = ()) -> None:
    app.add_middleware(BodyGuard, max_bytes=max_bytes, uploads=uploads)
