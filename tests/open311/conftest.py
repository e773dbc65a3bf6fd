"""Open311 fixtures: the end-to-end stack of ``tests/api`` (real Temporal dev server, real worker,
SQLite and PostgreSQL) with the Open311 router included, an api_key bound to 东门社区, and a
reader that turns either format into the same data."""

from __future__ import annotations

import asyncio
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_user
from api.open311.keys import create_key
from petitionflow.settings import Settings
from petitionflow.worker import build_worker
from tests.api.conftest import USERS, Stack, temporal  # noqa: F401  (the session's dev server)

UNIT = "pinghu.danghu.dongmen"
# The spec's list elements and the element each of their items is written as.
SPEC_LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


@dataclass
class Open311Stack(Stack):
    key: str = ""
    key_id: str = ""

    async def submit(
        self, fmt: str = "json", *, key: str | None = None, headers=None, **fields: Any
    ) -> httpx.Response:
        """POST requests.{fmt}, form-encoded; a complete submission unless fields change it."""
        form: dict[str, Any] = {
            "api_key": self.key if key is None else key,
            "service_code": "property",
            "address_string": "东门社区阳光小区",
            "description": "小区电梯长期故障，物业不予维修",
            "attribute[people]": "one",
        }
        form.update(fields)
        form = {k: v for k, v in form.items() if v is not None}
        return await self.http.post(f"/open311/v2/requests.{fmt}", data=form, headers=headers)

    async def o311(
        self, path: str, *, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return await self.http.get(f"/open311/v2/{path}", params=params, headers=headers)

    @property
    def keyed(self) -> dict[str, str]:
        """The header a client lists its unit's requests with."""
        return {"X-Api-Key": self.key}

    async def case_id_of(self, service_request_id: str) -> str:
        """The case behind a service request, through the projection-backed list."""

        async def listed() -> str | None:
            items = (await self.get("/api/v1/cases", who="admin", q=service_request_id)).json()
            return items["items"][0]["case_id"] if items["items"] else None

        return await eventually(listed)

    async def settled(self, case_id: str) -> dict[str, Any]:
        """The live snapshot, once the projection has stored its latest event (the case row and
        its timeline are written together)."""
        snap = (await self.get(f"/api/v1/cases/{case_id}", who="admin")).json()

        async def projected() -> bool:
            timeline = (await self.get(f"/api/v1/cases/{case_id}/timeline", who="admin")).json()
            return bool(timeline) and timeline[-1]["seq"] >= snap["event_seq"]

        await eventually(projected)
        return snap


async def eventually(probe: Callable[[], Awaitable[Any]], tries: int = 200) -> Any:
    for _ in range(tries):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


def read(r: httpx.Response) -> Any:
    """The body as data, whichever format: XML is read back by the spec's Spark convention, its
    text compared as text (JSON ``null`` = empty element, ``true`` = "true")."""
    if r.headers["content-type"] == "application/json; charset=utf-8":
        return r.json()
    assert r.headers["content-type"] == "text/xml; charset=utf-8", r.headers
    assert r.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(r.content)
    return root.tag, _element(root)


def _element(element: ET.Element) -> Any:
    if element.tag in SPEC_LISTS:
        assert all(child.tag == SPEC_LISTS[element.tag] for child in element)
        return [_element(child) for child in element]
    if len(element):
        return {child.tag: _element(child) for child in element}
    return element.text


def as_text(data: Any) -> Any:
    """JSON data as the XML format carries it."""
    if isinstance(data, dict):
        return {k: as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_text(v) for v in data]
    if isinstance(data, bool):
        return json.dumps(data)
    return None if data is None else str(data)


async def both(
    stack: Open311Stack,
    path: str,
    root: str,
    *,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Any:
    """GET a resource in both formats; they must carry the same data. Returns the JSON."""
    as_json = await stack.o311(f"{path}.json", headers=headers, **params)
    as_xml = await stack.o311(f"{path}.xml", headers=headers, **params)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.text, as_xml.text)
    data = read(as_json)
    assert read(as_xml) == (root, as_text(data))
    return data


# Open311 is a view over the same service the /api/v1 tests run on both databases; here SQLite
# keeps the suite inside its time budget.
@pytest.fixture(params=["sqlite"])
async def o311_stack(
    request: pytest.FixtureRequest,
    temporal: WorkflowEnvironment,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> AsyncIterator[Open311Stack]:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        task_queue=f"open311-{uuid.uuid4().hex[:8]}",
        secret_key=uuid.uuid4().hex * 2,  # type: ignore[arg-type]
        update_timeout_seconds=3,
    )
    tokens = {
        who: create_user(engine, role=role, unit_id=unit, user_id=f"u-{who}")[1]
        for who, (role, unit) in USERS.items()
    }
    row, key = create_key(engine, unit_id=UNIT, name="12345热线")

    @asynccontextmanager
    async def run_worker() -> AsyncIterator[None]:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                temporal.client,
                task_queue=settings.task_queue,
                engine=engine,
                calendar=settings.work_calendar,
                executor=executor,
                field_cipher=settings.field_cipher,
            )
            async with worker:
                yield

    app = create_app(settings, client=temporal.client, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Open311Stack(
            http, engine, settings, temporal, tokens, run_worker, key=key, key_id=row.id
        )


@pytest.fixture
async def o311(o311_stack: Open311Stack) -> AsyncIterator[Open311Stack]:
    """The stack with its worker running."""
    async with o311_stack.run_worker():
        yield o311_stack
