from __future__ import annotations

import asyncio

import pytest

from petitionflow.db import make_engine
from tests.api.conftest import Stack


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health(api: Stack, path: str) -> None:
    for _ in range(100):  # the worker's first poll reaches the server a moment after it starts
        r = await api.http.get(path)
        if r.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert r.status_code == 200, r.text


async def test_readyz_fails_while_no_worker_polls(stack: Stack) -> None:
    """A worker that died at start (its metrics port taken) leaves nothing polling: not ready."""
    r = await stack.http.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert f"no worker polls task queue {stack.settings.task_queue!r}" in r.json()["detail"]
    async with stack.run_worker():
        for _ in range(100):
            r = await stack.http.get("/readyz")
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 200, r.text


async def test_readyz_says_what_is_down(api: Stack) -> None:
    app = api.http._transport.app  # type: ignore[attr-defined]
    app.state.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        r = await api.http.get("/readyz")
        assert r.status_code == 503 and "database" in r.json()["detail"]
        assert r.headers["retry-after"] == "5"
    finally:
        app.state.engine = api.engine
