"""Issue 20, findings 4 and 5 through the API: a webhook target on an internal address is refused
when the channel is created (a local listener stands in for the internal service and hears
nothing); credentials in a target are used, but never shown — not in the channel list, not in
the deliveries of ``GET /alerts`` that lower units read."""

from __future__ import annotations

import asyncio
import base64

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.api.alerts.test_alerts import FAST, alerts, serve, wait_for
from tests.api.conftest import Stack
from tests.test_dev_command import free_port


def hook_app(heard: list[Request]) -> Starlette:
    async def hook(request: Request) -> JSONResponse:
        heard.append(request)
        return JSONResponse({"internal": "service answered this"})

    return Starlette(routes=[Route("/{path:path}", hook, methods=["POST", "GET"])])


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_internal_targets_are_refused_at_creation(stack: Stack) -> None:
    stack.settings.webhook_allow = ""  # as deployed: nothing allow-listed
    port = free_port()
    heard: list[Request] = []
    async with serve(hook_app(heard), port):
        for target in (
            f"http://127.0.0.1:{port}/",
            f"https://127.0.0.1:{port}/",
            f"https://localhost:{port}/",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.8/hook",
            "https://[::1]/hook",
            "http://93.184.215.14/hook",  # public, but not https
        ):
            r = await stack.http.post(
                "/api/v1/alert-channels",
                headers=stack.auth("supervisor"),
                json={"unit_id": "pinghu.danghu", "kind": "webhook", "target": target},
            )
            assert r.status_code == 422, (target, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in r.json()["errors"]] == ["target"]
    assert heard == []
    assert (await stack.get("/api/v1/alert-channels", who="admin")).json() == []
    stack.settings.webhook_allow = "127.0.0.1"  # an intranet hook, allow-listed
    r = await stack.http.post(
        "/api/v1/alert-channels",
        headers=stack.auth("supervisor"),
        json={"unit_id": "pinghu.danghu", "kind": "webhook", "target": f"http://127.0.0.1:{port}/"},
    )
    assert r.status_code == 201, r.text


async def test_credentials_in_targets_never_leave(stack: Stack) -> None:
    port = free_port()
    heard: list[Request] = []
    target = f"http://hookuser:pa55word@127.0.0.1:{port}/hook?token=t0ken&unit=x"
    shown = f"http://127.0.0.1:{port}/hook?token=%2A%2A%2A&unit=%2A%2A%2A"
    stack.use_policy(FAST)
    r = await stack.http.post(
        "/api/v1/alert-channels",
        headers=stack.auth("supervisor"),
        json={"unit_id": "pinghu.danghu", "kind": "webhook", "target": target, "secret": "s3"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["target"] == shown and "secret" not in r.json()
    listed = (await stack.get("/api/v1/alert-channels", who="supervisor")).json()
    assert [c["target"] for c in listed] == [shown]

    async with serve(hook_app(heard), port), stack.run_worker():
        await stack.register()
        await wait_for(lambda: asyncio.sleep(0, result=len(heard) >= 1))

        async def delivered() -> list[dict]:
            found = [d for a in await alerts(stack, who="officer") for d in a["deliveries"]]
            return found

        deliveries = await wait_for(delivered)
    basic = base64.b64encode(b"hookuser:pa55word").decode()
    assert heard[0].headers["authorization"] == f"Basic {basic}"  # used…
    assert {d["target"] for d in deliveries} == {shown}  # …but never shown, not even below
    for who in ("officer", "supervisor", "admin"):
        body = (await stack.get("/api/v1/alerts", who=who)).text
        body += (await stack.get("/api/v1/alert-channels", who=who)).text
        assert "pa55word" not in body and "t0ken" not in body and "hookuser" not in body
