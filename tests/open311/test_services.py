"""Discovery, the service list and service definitions, in both formats, field for field."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.open311.catalogue import SERVICES
from api.open311.keys import create_key
from api.open311.routes import router
from petitionflow.settings import Settings
from tests.open311.conftest import UNIT, Open311Stack, both, read

DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
CATEGORIES = {"物业纠纷", "征地拆迁", "劳资纠纷", "邻里纠纷", "环境保护", "安全生产", "农村事务"}


@pytest.fixture
async def catalogue(
    engine: Engine, temporal: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Open311Stack]:
    """The app alone: the catalogue needs neither a worker nor PostgreSQL."""
    settings = Settings(env="test", data_dir=tmp_path, secret_key=uuid.uuid4().hex * 2)  # type: ignore[arg-type]
    app = create_app(settings, client=temporal.client, engine=engine)
    app.include_router(router)
    _, key = create_key(engine, unit_id=UNIT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://city.test") as http:
        yield Open311Stack(http, engine, settings, temporal, {}, None, key=key)  # type: ignore[arg-type]


async def test_discovery(catalogue: Open311Stack) -> None:
    found = await both(catalogue, "discovery", "discovery")
    assert list(found) == DISCOVERY_FIELDS
    [endpoint] = found["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://city.test/open311/v2"
    assert endpoint["type"] == "test"  # not PETITIONFLOW_ENV=prod
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == found["changeset"]


async def test_services_are_our_categories(catalogue: Open311Stack) -> None:
    found = await both(catalogue, "services", "services")
    assert isinstance(found, list)
    for service in found:
        assert list(service) == SERVICE_FIELDS
        assert service["type"] == "realtime"
        assert isinstance(service["metadata"], bool)
    names = [s["service_name"] for s in found]
    codes = [s["service_code"] for s in found]
    assert set(names) >= CATEGORIES and "涉法涉诉" in names
    assert len(set(codes)) == len(codes) and all(c.isascii() for c in codes)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.code)
async def test_service_definitions(catalogue: Open311Stack, service) -> None:
    listed = {s["service_code"]: s for s in read(await catalogue.o311("services.json"))}
    found = await both(catalogue, f"services/{service.code}", "service_definition")
    assert list(found) == ["service_code", "attributes"]
    assert found["service_code"] == service.code
    attributes = found["attributes"]
    # metadata=true exactly when a client must fetch the definition for questions to ask
    assert listed[service.code]["metadata"] == any(a["variable"] for a in attributes)
    assert sorted(a["order"] for a in attributes) == list(range(1, len(attributes) + 1))
    for attribute in attributes:
        listed_values = attribute["datatype"] in ("singlevaluelist", "multivaluelist")
        assert list(attribute) == ATTRIBUTE_FIELDS + (["values"] if listed_values else [])
        assert attribute["datatype"] in DATATYPES
        assert isinstance(attribute["required"], bool) and isinstance(attribute["variable"], bool)
        for value in attribute.get("values", []):
            assert list(value) == ["key", "name"]


async def test_group_petitions_and_legal_channel_are_asked(catalogue: Open311Stack) -> None:
    land = read(await catalogue.o311("services/land_acquisition.json"))
    people = next(a for a in land["attributes"] if a["code"] == "people")
    assert "5人及以上（集体访）" in [v["name"] for v in people["values"]]
    litigation = read(await catalogue.o311("services/litigation.json"))
    notice, stage = litigation["attributes"]
    assert notice["variable"] is False and "访诉分离" in notice["description"]
    assert stage["required"] is True


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_errors_in_the_spec_shape(catalogue: Open311Stack, fmt: str) -> None:
    for path, status in [
        (f"services/no-such-thing.{fmt}", 404),
        (f"requests/AAAAAAAAAAAAAAAA.{fmt}", 404),
        (f"tokens/nope.{fmt}", 404),
        (f"nowhere.{fmt}", 404),
        (f"requests.{fmt}?status=pending", 400),
        (f"requests.{fmt}?service_code=nope", 400),
        (f"requests.{fmt}?start_date=yesterday", 400),
        (f"requests.{fmt}?start_date=2026-01-01T00:00:00", 400),  # no offset
        (f"requests.{fmt}?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
    ]:
        r = await catalogue.http.get(f"/open311/v2/{path}", headers=catalogue.keyed)
        errors = read(r) if fmt == "json" else read(r)[1]
        assert r.status_code == status, (path, r.text)
        if fmt == "xml":
            assert read(r)[0] == "errors"
        assert errors and all(list(e) == ["code", "description"] for e in errors), r.text
        assert all(str(e["code"]) == str(status) and e["description"] for e in errors)


async def test_bad_format_and_method(catalogue: Open311Stack) -> None:
    r = await catalogue.o311("services.html")
    assert r.status_code == 400
    root, errors = read(r)  # XML, the spec's required format
    assert root == "errors" and ".json" in errors[0]["description"]
    r = await catalogue.http.delete("/open311/v2/requests.json")
    assert r.status_code == 405 and read(r)[0]["code"] == 405
    assert r.headers["allow"] == "GET, POST"
    r = await catalogue.http.put("/open311/v2/discovery.xml")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    r = await catalogue.http.put("/open311/v2/nothing.json")
    assert r.status_code == 404 and read(r)[0]["code"] == 404


async def test_one_request_names_every_bad_parameter(catalogue: Open311Stack) -> None:
    r = await catalogue.o311(
        "requests.json", headers=catalogue.keyed, status="pending", service_code="nope"
    )
    assert r.status_code == 400
    descriptions = [e["description"] for e in read(r)]
    assert len(descriptions) == 2
    assert descriptions[0].startswith("service_code") and descriptions[1].startswith("status")


async def test_documented_in_the_openapi_document(catalogue: Open311Stack) -> None:
    paths = (await catalogue.http.get("/openapi.json")).json()["paths"]
    for path in ("discovery", "services", "services/{service_code}", "requests", "tokens/{token}"):
        assert f"/open311/v2/{path}.{{fmt}}" in paths
    form = paths["/open311/v2/requests.{fmt}"]["post"]["requestBody"]["content"]
    assert "api_key" in form["application/x-www-form-urlencoded"]["schema"]["properties"]
