"""End-to-end API fixtures: a real Temporal dev server, a real worker, the app over HTTP, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from stdnum.iso7064 import mod_11_2
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_user
from petitionflow.devserver import binary
from petitionflow.settings import Settings
from petitionflow.temporal import data_converter
from petitionflow.worker import build_worker
from tests.conftest import CODEC_KEYS
from workflows import search_attributes

USERS = {
    "officer": ("officer", "pinghu.danghu.dongmen"),
    "officer_zhapu": ("officer", "pinghu.zhapu.tangshan"),
    "officer_town": ("officer", "pinghu.danghu"),
    "officer_county": ("officer", "pinghu"),
    "supervisor": ("supervisor", "pinghu.danghu"),
    "supervisor_zhapu": ("supervisor", "pinghu.zhapu"),
    "admin": ("admin", "pinghu"),
}


@pytest.fixture(scope="session")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    """The dev server, with clients that encrypt payloads as the service does."""
    encrypting = Settings(env="test", codec_keys=CODEC_KEYS)  # type: ignore[arg-type]
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(encrypting),
        dev_server_existing_path=binary("temporal"),
        dev_server_extra_args=["--log-level", "error"],
        search_attributes=search_attributes.ALL,
    )
    yield env
    await env.shutdown()


@dataclass
class Stack:
    http: httpx.AsyncClient
    engine: Engine
    settings: Settings
    env: WorkflowEnvironment
    tokens: dict[str, str]
    run_worker: Callable[[], AbstractAsyncContextManager[None]]
    users: dict[str, str] = field(default_factory=dict)
    app: Any = None  # the ASGI app under test (its state: rate limiters)

    def use_policy(self, text: str) -> None:
        """The SLA policy in force for cases registered from now on."""
        file = self.settings.data_dir / f"policy-{uuid.uuid4().hex[:6]}.toml"
        file.write_text(text)
        self.settings.policy = file
        self.settings.__dict__.pop("sla_policy", None)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def register(self, who: str = "officer", key: str | None = None, **changes: Any):
        body = registration(**changes)
        headers = self.auth(who) | ({"Idempotency-Key": key} if key else {})
        return await self.http.post("/api/v1/cases", json=body, headers=headers)

    async def act(self, case_id: str, action: str, who: str = "officer", key=None, **params):
        headers = self.auth(who) | ({"Idempotency-Key": key} if key else {})
        return await self.http.post(
            f"/api/v1/cases/{case_id}/actions", json={"action": action, **params}, headers=headers
        )

    async def get(self, path: str, who: str | None = "officer", **params):
        return await self.http.get(path, headers=self.auth(who) if who else {}, params=params)


def resident_id(serial: int | None = None) -> str:
    """A valid 居民身份证号 of 平湖 (GB 11643 check digit), distinct per serial (0–999); without
    one, a random number from some 18 million, so that two registrations of a test are never
    the same person by chance (1,000 made repeat petitions out of a few percent of runs)."""
    if serial is not None:
        base = f"33048219900101{serial % 1000:03d}"
    else:
        number = uuid.uuid4().int
        born = date(1950, 1, 1) + timedelta(days=number % 18_000)
        base = f"330482{born:%Y%m%d}{number // 18_000 % 1000:03d}"
    return base + mod_11_2.calc_check_digit(base)


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "petitioner": {
            "name": "王五",
            "id_number": resident_id(),
            "phone": "13812345678",
            "address": "东门社区3号",
        },
        "channel": "visit",
        "kind": "claim",
        "category": "物业纠纷",
        "severity": "minor",
        "unit_id": "pinghu.danghu.dongmen",
        "title": "小区物业费争议",
        "description": "物业公司擅自上调物业费",
    }
    for name, value in changes.items():
        if name.startswith("petitioner_"):
            body["petitioner"][name.removeprefix("petitioner_")] = value
        else:
            body[name] = value
    return body


@pytest.fixture(params=["sqlite", "postgresql"])
async def stack(
    request: pytest.FixtureRequest, temporal: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Stack]:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    policy = getattr(request, "param_policy", None)
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        task_queue=f"api-{uuid.uuid4().hex[:8]}",
        secret_key=uuid.uuid4().hex * 2,  # type: ignore[arg-type]  # own ids per test
        codec_keys=CODEC_KEYS,  # type: ignore[arg-type]
        update_timeout_seconds=3,
        policy=policy,
        webhook_allow="127.0.0.1",  # the tests' receivers listen there
    )
    tokens = {
        who: create_user(engine, role=role, unit_id=unit, user_id=f"u-{who}")[1]
        for who, (role, unit) in USERS.items()
    }

    @asynccontextmanager
    async def run_worker() -> AsyncIterator[None]:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                temporal.client,
                task_queue=settings.task_queue,
                engine=engine,
                calendar=settings.work_calendar,
                executor=executor,
                delivery=settings.delivery(),
                webhook_guard=settings.webhook_guard(),
                field_cipher=settings.field_cipher,
                retention_policy=settings.retention_policy,
                risk_policy=settings.risk_policy,
                attachment_store=settings.attachment_store,
                documents=settings.document_issuer,
                sms=settings.sms_gateway(),
            )
            async with worker:
                yield

    app = create_app(settings, client=temporal.client, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Stack(http, engine, settings, temporal, tokens, run_worker, app=app)


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Stack]:
    """The stack with its worker running."""
    async with stack.run_worker():
        yield stack
