"""Browser fixtures: the real API stack (Temporal dev server + worker, SQLite) served over HTTP
on a free port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from api.app import create_app
from api.auth import create_user
from api.dashboard import vendor_installed
from tests.api.conftest import Stack, stack, temporal  # noqa: F401  (fixtures used here)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
COUNTY_SUPERVISOR = "supervisor_county"


def dashboard_app(api_stack: Stack) -> FastAPI:
    """The service's app, dashboard and statistics included, as `make dev` serves it."""
    return create_app(api_stack.settings, client=api_stack.env.client, engine=api_stack.engine)


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """uvicorn on a free loopback port, in a background task; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if not server.started:
            raise RuntimeError("the dashboard's test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


@dataclass
class LiveDashboard:
    url: str
    stack: Stack
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def dashboard(stack: Stack) -> AsyncIterator[LiveDashboard]:  # noqa: F811
    """The app with its worker running, reachable by a browser."""
    if not vendor_installed():
        pytest.fail("dashboard assets missing: run `cd dashboard && npm ci && npm run vendor`")
    stack.tokens[COUNTY_SUPERVISOR] = create_user(
        stack.engine, role="supervisor", unit_id="pinghu", user_id=f"u-{COUNTY_SUPERVISOR}"
    )[1]
    async with stack.run_worker(), serving(dashboard_app(stack)) as url:
        yield LiveDashboard(url=url, stack=stack, tokens=stack.tokens)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@dataclass
class BrowserProblems:
    """What the page complained about: script errors and console errors (CSP included)."""

    messages: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        # A 4xx answer the page expects (the 409 it renders) is logged as a failed load.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.messages.append(message.text)


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    tab = await context.new_page()
    problems = BrowserProblems()
    tab.on("console", problems.console)
    tab.on("pageerror", lambda error: problems.messages.append(f"page error: {error}"))
    yield tab
    await context.close()
    assert problems.messages == [], problems.messages


@pytest.fixture(scope="session")
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield ARTIFACTS
