"""Errors are problem+json, say why, and change nothing."""

from __future__ import annotations

import re

import pytest
from stdnum.iso7064 import mod_11_2

from tests.api.conftest import Stack, registration

PROBLEM = "application/problem+json"


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


async def test_409_carries_the_allowed_actions(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    body = assert_problem(await api.act(case_id, "reply", summary="too early"), 409)
    assert body["allowed_actions"] == ["accept", "decline", "forward", "withdraw"]
    assert "书面答复" in body["detail"]
    await api.act(case_id, "accept")
    body = assert_problem(await api.act(case_id, "reply", summary="x"), 409)
    assert "三到位" in body["detail"]
    assert (await api.get(f"/api/v1/cases/{case_id}")).json()["state"] == "handling"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"petitioner_name": ""}, "petitioner.name"),
        ({"petitioner_id_number": "12345"}, "petitioner.id_number"),
        ({"petitioner_phone": "call me"}, "petitioner.phone"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "rant"}, "kind"),
        ({"category": ""}, "category"),
        ({"severity": "huge"}, "severity"),
        ({"unit_id": "nowhere"}, "unit_id"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),  # only blanks
        ({"category": " " + "类" * 100}, "category"),  # too long as sent, though not once trimmed
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_registration_422_names_the_field(api: Stack, change: dict, field: str) -> None:
    r = await api.register(**change)
    body = assert_problem(r, 422)
    assert field in [e["field"] for e in body["errors"]], body
    listed = (await api.get("/api/v1/cases", who="admin")).json()["items"]
    assert listed == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "assess", "claim": "maybe"}, "claim"),
        ({"action": "extend", "days": 0, "reason": "x"}, "days"),
        ({"action": "extend", "days": 31, "reason": "x"}, "days"),  # the machine's policy bound
        ({"action": "extend", "days": 5}, "reason"),
        ({"action": "fly"}, "action"),
        ({"action": "accept", "bonus": True}, "bonus"),
        ({"action": "assess", "claim": "reasonable", "unlawful_conduct": 0}, "unlawful_conduct"),
        ({"action": "extend", "days": "5", "reason": "x"}, "days"),  # JSON types, not coercion
    ],
)
async def test_action_422_names_the_field(api: Stack, params: dict, field: str) -> None:
    case_id = (await api.register()).json()["case_id"]
    await api.act(case_id, "accept")
    who = "supervisor" if params["action"] == "extend" else "officer"
    r = await api.http.post(f"/api/v1/cases/{case_id}/actions", json=params, headers=api.auth(who))
    body = assert_problem(r, 422)
    assert field in [e["field"] for e in body["errors"]], body


async def test_unknown_routes_and_methods_are_problems(api: Stack) -> None:
    assert_problem(await api.http.get("/api/v1/nothing-here"), 404)
    r = await api.http.delete("/api/v1/cases", headers=api.auth("admin"))
    assert_problem(r, 405)
    assert r.headers["allow"] == "GET, POST"  # both routes of the path, not the first one
    r = await api.http.put("/api/v1/alert-channels", headers=api.auth("admin"))
    assert_problem(r, 405)
    assert r.headers["allow"] == "GET, POST"
    assert_problem(await api.get("/api/v1/cases", created_to="0.5"), 422)  # not a Unix time
    assert_problem(await api.get("/api/v1/stats", to=""), 422)
    assert_problem(await api.get("/api/v1/cases/does-not-exist"), 404)
    assert_problem(await api.get("/api/v1/cases", limit=0), 422)
    assert_problem(await api.get("/api/v1/cases", cursor="garbage!"), 422)


async def test_openapi_describes_errors(api: Stack) -> None:
    doc = (await api.http.get("/openapi.json")).json()
    actions = doc["paths"]["/api/v1/cases/{case_id}/actions"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422", "503"} <= set(actions)
    assert "Problem" in doc["components"]["schemas"]
    assert "AssessAction" in doc["components"]["schemas"]
    # FastAPI's own validation answers are documented as what they are: problem+json
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if status >= "400" and not path.startswith("/open311/"):
                    assert list(answer["content"]) == [PROBLEM], (path, status)
            if "requestBody" in operation and not path.startswith("/open311/"):
                assert {"400", "413", "415"} <= set(operation["responses"]), path
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    # the text rules are in the schema: required text is more than blanks, no control characters
    title = doc["components"]["schemas"]["RegistrationIn"]["properties"]["title"]
    assert re.match(title["pattern"], "电梯停运") and not re.match(title["pattern"], "  ")
    assert not re.match(title["pattern"], "a\x00b")


async def test_registration_body_must_be_json(api: Stack) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = await api.http.post("/api/v1/cases", content=b"name=x", headers=api.auth("officer") | form)
    assert_problem(r, 415)
    assert registration()["unit_id"]  # the helper itself stays valid


def with_check_digit(first17: str) -> str:
    return first17 + mod_11_2.calc_check_digit(first17)


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [
        ("330482199001011233", "check digit"),  # GB 11643 check digit should be 2
        (with_check_digit("33048219901301123"), "birth date"),  # month 13
        (with_check_digit("33048229900101123"), "birth date"),  # born in 2990
        ("33048219900101123", "id_number"),  # 17 characters
    ],
)
async def test_resident_id_numbers_are_checked(api: Stack, id_number: str, reason: str) -> None:
    r = await api.http.post(
        "/api/v1/cases",
        json=registration(petitioner_id_number=id_number),
        headers=api.auth("officer") | {"Accept-Language": "en"},
    )
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == "petitioner.id_number"
    assert reason in body["detail"] or reason == "id_number"


async def test_alert_channels_are_checked_by_kind(api: Stack) -> None:
    post = {"headers": api.auth("admin")}
    channel = {"unit_id": "pinghu", "kind": "webhook", "target": "duban@pinghu.gov.cn"}
    body = assert_problem(await api.http.post("/api/v1/alert-channels", json=channel, **post), 422)
    assert [e["field"] for e in body["errors"]] == ["target"]
    channel = {"unit_id": "pinghu", "kind": "email", "target": "https://hooks.example/x"}
    body = assert_problem(await api.http.post("/api/v1/alert-channels", json=channel, **post), 422)
    assert [e["field"] for e in body["errors"]] == ["target"]
    channel = {"unit_id": "nowhere", "kind": "email", "target": "duban@pinghu.gov.cn"}
    assert_problem(await api.http.post("/api/v1/alert-channels", json=channel, **post), 404)
    assert (await api.get("/api/v1/alert-channels", who="admin")).json() == []


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_an_oversized_or_very_invalid_body_answers_a_small_problem(stack: Stack) -> None:
    """60,000 unknown keys (~770 KB) are refused unread with 413, also when sent chunked; under
    the limit, thousands of unknown keys list the first 20 errors and count them all."""
    huge = registration(**{f"u{i}": 1 for i in range(60_000)})
    r = await stack.http.post("/api/v1/cases", json=huge, headers=stack.auth("officer"))
    assert_problem(r, 413)
    assert len(r.content) < 1_000

    async def chunks():
        for _ in range(100):
            yield b" " * 10_000

    chunked = stack.auth("officer") | {"Content-Type": "application/json"}
    r = await stack.http.post("/api/v1/cases", content=chunks(), headers=chunked)
    assert_problem(r, 413)

    many = registration(**{f"k{i}": 1 for i in range(5_000)})
    r = await stack.http.post("/api/v1/cases", json=many, headers=stack.auth("officer"))
    body = assert_problem(r, 422)
    assert len(r.content) < 10_000, len(r.content)
    assert len(body["errors"]) == 20 and body["errors_total"] == 5_000
    assert "另有 4980 项" in body["detail"]
