"""Problem messages in one language, the client's choice by Accept-Language (Chinese by
default), worded by the service: no library prefixes, no "中文 / English" on one line."""

from __future__ import annotations

import re

import pytest

from models.messages import preferred_language
from tests.api.conftest import Stack, registration

HAN = re.compile(r"[\u4e00-\u9fff]")
LIBRARY_WORDING = ("Value error", "Assertion failed", "Input should", "Field required")


def texts(body: dict) -> list[str]:
    return [body["detail"], *(e["message"] for e in body.get("errors") or [])]


def assert_chinese(body: dict) -> None:
    for text in texts(body):
        assert HAN.search(text), text
        assert " / " not in text, text
        assert not any(w in text for w in LIBRARY_WORDING), text


def assert_english(body: dict) -> None:
    for text in texts(body):
        assert not HAN.search(text), text
        assert not any(w in text for w in LIBRARY_WORDING), text


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr, en;q=0.5, zh;q=0.7", "zh"),
        ("fr, de", "zh"),
        ("zh;q=0, en", "en"),
        ("en;q=0.2, zh-TW;q=0.3", "zh"),
        ("EN-us", "en"),
    ],
)
def test_the_language_asked_for(header: str | None, lang: str) -> None:
    assert preferred_language(header) == lang


BAD_REGISTRATIONS = [
    registration(petitioner_id_number="330482199001011233"),  # check digit (our validator)
    registration(title="   "),  # blank (our text rule)
    registration(severity="huge", surprise=1),  # pydantic's own kinds: enum, extra field
    registration(received_on="2999-01-01"),  # in the future
    {"petitioner": {}},  # missing fields
]


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
@pytest.mark.parametrize("body", BAD_REGISTRATIONS)
async def test_validation_errors_speak_one_language(stack: Stack, body: dict) -> None:
    headers = stack.auth("officer")
    r = await stack.http.post("/api/v1/cases", json=body, headers=headers)
    assert r.status_code == 422 and r.headers["content-language"] == "zh"
    assert_chinese(r.json())
    r = await stack.http.post(
        "/api/v1/cases", json=body, headers=headers | {"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.headers["content-language"] == "en"
    assert_english(r.json())


async def test_domain_errors_speak_one_language(api: Stack) -> None:
    """A 409 of the lifecycle machine (raised in the workflow), a 422 of an action's
    parameters, a 403, a 404 and a 401, in each language."""
    case_id = (await api.register()).json()["case_id"]
    path = f"/api/v1/cases/{case_id}/actions"
    calls = [
        ("officer", path, {"action": "reply", "summary": "早了"}, 409),
        ("officer", path, {"action": "assess", "claim": "maybe"}, 422),
        ("supervisor", path, {"action": "decline", "reason": "other"}, 403),
        ("officer", "/api/v1/cases/nope/actions", {"action": "accept"}, 404),
    ]
    for lang, check in (("zh-CN", assert_chinese), ("en", assert_english)):
        for who, url, body, status in calls:
            headers = api.auth(who) | {"Accept-Language": lang}
            r = await api.http.post(url, json=body, headers=headers)
            assert r.status_code == status, r.text
            check(r.json())
        r = await api.http.get("/api/v1/cases", headers={"Accept-Language": lang})
        assert r.status_code == 401
        check(r.json())
    r = await api.http.post(
        path, json={"action": "reply", "summary": "早了"}, headers=api.auth("officer")
    )
    assert r.json()["detail"] == "当前状态“已登记待受理”不允许“书面答复”"
    r = await api.http.post(
        path,
        json={"action": "reply", "summary": "早了"},
        headers=api.auth("officer") | {"Accept-Language": "en"},
    )
    assert r.json()["detail"] == "action 'reply' is not allowed in state 'registered'"


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_query_and_header_problems_speak_one_language(stack: Stack) -> None:
    for params in ({"limit": 0}, {"cursor": "garbage!"}, {"created_from": "2026-01-01"}):
        r = await stack.http.get("/api/v1/cases", params=params, headers=stack.auth("officer"))
        assert r.status_code == 422
        assert_chinese(r.json())
    r = await stack.http.get(
        "/api/v1/stats",
        params={"to": ""},
        headers=stack.auth("officer") | {"Accept-Language": "en"},
    )
    assert r.status_code == 422
    assert_english(r.json())
    form = {"content-type": "application/x-www-form-urlencoded", "Accept-Language": "en"}
    r = await stack.http.post("/api/v1/cases", content=b"x=1", headers=stack.auth("officer") | form)
    assert r.status_code == 415
    assert_english(r.json())
    r = await stack.http.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert_chinese(r.json())
