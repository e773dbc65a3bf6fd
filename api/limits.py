"""Bad requests stopped at the door: oversized bodies (413) and non-JSON bodies on the JSON API
(415), answered as problems before any handler runs — so nothing is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from api.problems import problem

MAX_BODY_BYTES = 1 << 20  # a petition's text is a few KiB; 1 MiB leaves ample room
JSON_API = "/api/"
WITH_BODY = {"POST", "PUT", "PATCH"}


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]):
        if request.method in WITH_BODY:
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
                return problem(413, f"请求体过大 / body larger than {MAX_BODY_BYTES} bytes")
            if declared is None:
                body = await request.body()  # chunked: count what actually arrives
                if len(body) > MAX_BODY_BYTES:
                    return problem(413, f"请求体过大 / body larger than {MAX_BODY_BYTES} bytes")
                declared = str(len(body))
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if (
                request.url.path.startswith(JSON_API)
                and int(declared) > 0
                and media != "application/json"
            ):
                return problem(
                    415, f"只接受 application/json / expected application/json, got {media!r}"
                )
        return await call_next(request)
