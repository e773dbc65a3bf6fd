from __future__ import annotations

import pytest

from petitionflow.db import make_engine
from tests.api.conftest import Stack


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health(api: Stack, path: str) -> None:
    r = await api.http.get(path)
    assert r.status_code == 200


async def test_readyz_says_what_is_down(api: Stack) -> None:
    app = api.http._transport.app  # type: ignore[attr-defined]
    app.state.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        r = await api.http.get("/readyz")
        assert r.status_code == 503 and "database" in r.json()["detail"]
        assert r.headers["retry-after"] == "5"
    finally:
        app.state.engine = api.engine
