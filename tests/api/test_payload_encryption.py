"""The Temporal server never holds a petitioner's personal data in plain text; an admin can
still read payloads in the Web UI through the codec endpoint."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from temporalio.client import Client

from api.app import create_app
from petitionflow.settings import Settings
from petitionflow.temporal import DATA_CONVERTER
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack

PII = ["王五", "330482199001017773", "13912345678", "东门社区3号"]


async def test_history_holds_no_personal_data(api: Stack) -> None:
    r = await api.register(
        petitioner_id_number="330482199001017773", petitioner_phone="13912345678"
    )
    case_id = r.json()["case_id"]
    await api.act(case_id, "accept")
    await wait_listed(api, case_id, "handling")
    raw = Client(
        api.env.client.service_client,
        namespace=api.env.client.namespace,
        data_converter=DATA_CONVERTER,  # no codec: what the server stores
    )
    history = await raw.get_workflow_handle(f"petition-{case_id}").fetch_history()
    stored = history.to_json()
    encoded = history.events[0].SerializeToString()
    for value in PII:
        assert value not in stored
        assert value.encode() not in encoded
        assert base64.b64encode(value.encode()).decode()[:12] not in stored
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.input.payloads[0].metadata["encoding"] == b"binary/encrypted"

    # the Web UI's codec endpoint decodes for an admin, and only for an admin
    payloads = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in started.input.payloads
        ]
    }
    decoded = await api.http.post("/codec/decode", json=payloads, headers=api.auth("admin"))
    assert decoded.status_code == 200
    text = base64.b64decode(decoded.json()["payloads"][0]["data"]).decode()
    assert "王五" in text and "330482199001017773" in text
    denied = await api.http.post("/codec/decode", json=payloads, headers=api.auth("supervisor"))
    assert denied.status_code == 403
    assert (await api.http.post("/codec/decode", json=payloads)).status_code == 401
    preflight = await api.http.options(
        "/codec/decode",
        headers={
            "Origin": "http://localhost:8233",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8233"


def preflight(app_settings: Settings, origin: str, path: str = "/codec/decode") -> httpx.Response:
    client = TestClient(create_app(app_settings))  # no lifespan (Temporal) for a preflight
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_codec_cors_follows_the_web_uis_port(tmp_path: Path) -> None:
    """The dev server's Web UI on another port (PETITIONFLOW_TEMPORAL_UI_PORT) may call the
    codec: its origin is allowed, the default port's is not."""
    moved = Settings(env="test", data_dir=tmp_path, temporal_ui_port=18233)
    allowed = preflight(moved, "http://127.0.0.1:18233")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:18233"
    refused = preflight(moved, "http://127.0.0.1:8233")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    # an explicit list wins (docker-compose: the UI's public origin)
    listed = Settings(env="test", data_dir=tmp_path, codec_cors_origins="https://ui.example")
    assert preflight(listed, "https://ui.example").status_code == 200
    assert preflight(listed, "http://127.0.0.1:8233").status_code == 400


def test_codec_cors_does_not_open_other_routes(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path)
    refused = preflight(settings, "http://127.0.0.1:8233", "/api/v1/cases/x/actions")
    assert "access-control-allow-origin" not in refused.headers


def test_make_dev_lets_its_web_ui_decode_from_this_machine_only(tmp_path: Path, engine) -> None:
    """The dev server's UI sends no token: with `petitionflow dev`'s loopback setting a call
    from this machine decodes; from elsewhere, or without the setting, a token is needed; and
    the setting is refused outside the dev environment."""
    settings = Settings(env="dev", data_dir=tmp_path, codec_dev_loopback=True)
    codec = settings.payload_codec
    encoded = asyncio.run(codec.encode([DATA_CONVERTER.payload_converter.to_payloads(["王五"])[0]]))
    body = {"payloads": [json_format.MessageToDict(p) for p in encoded]}
    local = TestClient(create_app(settings, engine=engine), client=("127.0.0.1", 5000))
    decoded = local.post("/codec/decode", json=body)
    assert decoded.status_code == 200, decoded.text
    assert "王五" in base64.b64decode(decoded.json()["payloads"][0]["data"]).decode()
    remote = TestClient(create_app(settings, engine=engine), client=("10.0.0.8", 5000))
    assert remote.post("/codec/decode", json=body).status_code == 401
    closed = Settings(env="dev", data_dir=tmp_path)
    local_closed = TestClient(create_app(closed, engine=engine), client=("127.0.0.1", 5000))
    assert local_closed.post("/codec/decode", json=body).status_code == 401
    with pytest.raises(ValueError, match="dev only"):
        Settings(env="prod", data_dir=tmp_path, codec_dev_loopback=True)
