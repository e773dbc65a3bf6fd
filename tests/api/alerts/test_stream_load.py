"""Open alert streams cannot starve the API: they hold no database connection between polls
(one poller per process fans out to them), and each user may hold only a few."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from api.auth import create_user
from tests.api.alerts.test_alerts import serve
from tests.api.conftest import Stack
from tests.test_dev_command import free_port

STREAMS = 200
USERS = 10


async def _open_streams(base: str, tokens: list[str], count: int, ready: list[int]):
    """``count`` open streams spread over ``tokens``; each appends to ``ready`` once connected."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    client = httpx.AsyncClient(timeout=None, limits=limits)

    async def listen(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with client.stream("GET", f"{base}/api/v1/alerts/stream", headers=headers) as r:
            assert r.status_code == 200, await r.aread()
            async for line in r.aiter_lines():
                if line.startswith(": connected"):
                    ready.append(1)

    tasks = [asyncio.create_task(listen(tokens[i % len(tokens)])) for i in range(count)]
    return client, tasks


async def test_200_open_streams_leave_the_api_responsive(stack: Stack) -> None:
    stack.settings.stream_max_per_user = STREAMS // USERS
    tokens = [
        create_user(stack.engine, role="officer", unit_id="pinghu.danghu", user_id=f"u-s{i}")[1]
        for i in range(USERS)
    ]
    app = stack.http._transport.app  # type: ignore[attr-defined]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with serve(app, port):
        ready: list[int] = []
        client, tasks = await _open_streams(base, tokens, STREAMS, ready)
        try:
            for _ in range(600):
                if len(ready) == STREAMS or any(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.1)
            failed = [t.exception() for t in tasks if t.done()]
            assert len(ready) == STREAMS, f"{len(ready)} streams open; failures: {failed[:3]}"
            await asyncio.sleep(2 * stack.settings.stream_poll_seconds)  # polls go on meanwhile

            async with httpx.AsyncClient(base_url=base, timeout=60) as plain:
                took = []
                for _ in range(5):
                    started = time.perf_counter()
                    answer = await plain.get("/api/v1/cases", headers=stack.auth("officer"))
                    took.append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text
            assert statistics.median(took) < 1.0, took
            assert app.state.alert_hub.open_streams == STREAMS
            assert not any(t.done() for t in tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await client.aclose()
        for _ in range(50):  # closed streams are forgotten, so their users may open new ones
            if app.state.alert_hub.open_streams == 0:
                break
            await asyncio.sleep(0.1)
        assert app.state.alert_hub.open_streams == 0


async def test_open_streams_per_user_are_capped(stack: Stack) -> None:
    stack.settings.stream_max_per_user = 2
    app = stack.http._transport.app  # type: ignore[attr-defined]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with serve(app, port):
        ready: list[int] = []
        client, tasks = await _open_streams(base, [stack.tokens["officer"]], 2, ready)
        try:
            for _ in range(100):
                if len(ready) == 2:
                    break
                await asyncio.sleep(0.1)
            async with httpx.AsyncClient(base_url=base, timeout=10) as plain:
                refused = await plain.get("/api/v1/alerts/stream", headers=stack.auth("officer"))
                assert refused.status_code == 429
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["status"] == 429
                async with plain.stream(
                    "GET", "/api/v1/alerts/stream", headers=stack.auth("supervisor")
                ) as other:
                    assert other.status_code == 200  # another user is not refused
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await client.aclose()
