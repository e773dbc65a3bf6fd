"""No input makes a 500: every GET route of the OpenAPI document, with extreme and naive dates in
each date-like query parameter and malformed cursors, answers a 4xx problem (Open311: its own
error shape, a 400) or a success."""

from __future__ import annotations

import base64
import json

import pytest

from api.open311.keys import create_key
from tests.api.conftest import Stack

PROBLEM = "application/problem+json"


def _cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


DATES = [
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "0001-01-02T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+00:00",
    "2026-11-29T14:32:08",  # naive
    "2026-02-30",
    "not-a-date",
]
CURSORS = [
    _cursor("2026-11-29T14:32:08", "a"),  # naive
    _cursor("0001-01-01T00:00:00+14:00", "a"),
    _cursor("9999-12-31T23:59:59-14:00", "a"),
    _cursor("2026-11-29T14:32:08+00:00"),
    _cursor(1, 2),
    _cursor({"a": 1}, "b"),
    _cursor(None, None),
    _cursor("x", "y", "z"),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "!!!",
    "",
]


def _date_like(name: str, schema: dict) -> bool:
    formats = {s.get("format") for s in [schema, *schema.get("anyOf", [])]}
    hints = ("date", "from", "to", "since", "until", "_at", "after", "before")
    return bool(formats & {"date", "date-time"}) or any(h in name for h in hints)


def _get_routes(document: dict) -> list[tuple[str, list[dict]]]:
    routes = []
    for path, operations in document["paths"].items():
        if "get" in operations:
            routes.append((path, operations["get"].get("parameters", [])))
    return routes


def _concrete(path: str) -> str:
    return path.replace("{fmt}", "json").replace("{", "").replace("}", "")


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
async def test_every_get_route_with_extreme_dates_and_bad_cursors(stack: Stack) -> None:
    document = (await stack.http.get("/openapi.json")).json()
    _, key = create_key(stack.engine, unit_id="pinghu", name="sweep")
    limiter = stack.app.state.tracking_limiter
    tried, failures = 0, []
    for path, parameters in _get_routes(document):
        if path.endswith("/stream"):
            continue  # an endless response; it takes no query parameters
        query = [p for p in parameters if p["in"] == "query"]
        cases: list[dict[str, str]] = []
        for param in query:
            if param["name"] == "cursor":
                cases += [{"cursor": c} for c in CURSORS]
            elif _date_like(param["name"], param.get("schema", {})):
                cases += [{param["name"]: d} for d in DATES]
        names = {p["name"] for p in query}
        for a, b in (("from", "to"), ("created_from", "created_to"), ("start_date", "end_date")):
            if {a, b} <= names:  # a window at both ends of time at once
                cases.append({a: "0001-01-01T00:00:00+14:00", b: "9999-12-31T23:59:59-14:00"})
                cases.append({a: "9999-12-31", b: "0001-01-01"})
        open311 = path.startswith("/open311/")
        for params in cases:
            # Open311 with a key (listing needs one) and without: 403 is its answer to no key
            for who in ("key", None) if open311 else ("admin",):
                limiter.storage.reset()  # the sweep is not what the public read limits are for
                if who == "key":
                    r = await stack.http.get(
                        _concrete(path), params=params, headers={"X-Api-Key": key}
                    )
                else:
                    r = await stack.get(_concrete(path), who=who, **params)
                tried += 1
                media = r.headers.get("content-type", "")
                if r.status_code >= 500:
                    failures.append(f"{path} {params}: {r.status_code} {r.text[:200]}")
                elif r.status_code >= 400 and open311:
                    allowed = {400} if who else {400, 403}
                    if r.status_code not in allowed or not media.startswith("application/json"):
                        failures.append(f"{path} {who} {params}: {r.status_code} {media}")
                elif r.status_code >= 400 and media != PROBLEM:
                    failures.append(f"{path} {params}: {r.status_code} {media}")
    assert tried > 100, tried
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/cases", {"cursor": _cursor("2026-11-29T14:32:08", "a")}),
        ("/api/v1/alerts", {"cursor": _cursor("2026-11-29T14:32:08", "a")}),
        ("/api/v1/cases", {"created_from": "0001-01-01T00:00:00+14:00"}),
        ("/api/v1/stats", {"from": "0001-01-01"}),
    ],
)
async def test_the_reported_500s_are_422s(stack: Stack, path: str, params: dict) -> None:
    r = await stack.get(path, who="admin", **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["field"] == next(iter(params))


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_open311_extreme_end_date_is_a_400(stack: Stack) -> None:
    _, key = create_key(stack.engine, unit_id="pinghu", name="dates")
    r = await stack.http.get(
        "/open311/v2/requests.json",
        params={"end_date": "0001-01-02T00:00:00Z"},
        headers={"X-Api-Key": key},
    )
    assert r.status_code == 400, r.text
    assert r.json()[0]["description"].startswith("end_date")
