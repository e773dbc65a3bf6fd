"""The Temporal server never holds a petitioner's personal data in plain text; an admin can
still read payloads in the Web UI through the codec endpoint."""

from __future__ import annotations

import base64

from temporalio.client import Client

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
