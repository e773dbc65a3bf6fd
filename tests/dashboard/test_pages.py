"""The page shell and its assets: served by the app, nothing from another origin, the token kept
out of URLs, Chinese first with an English switch."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from api.dashboard import STATIC_DIR
from tests.api.cases.test_lifecycle import wait_listed
from tests.dashboard.browser import screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

OTHER_ORIGIN = r"https?://(?!www\.w3\.org/2000/svg\b)"  # the SVG namespace is a name, not a load
OWN_FILES = [p for p in STATIC_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts]


async def test_page_and_every_asset_come_from_the_app(dashboard: LiveDashboard) -> None:
    async with httpx.AsyncClient(base_url=dashboard.url) as http:
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(a.startswith("/dashboard") for a in assets), assets
        for asset in assets:
            assert (await http.get(asset)).status_code == 200, asset
        css = (await http.get("/dashboard/static/vendor/noto-sans-sc/noto-sans-sc.css")).text
        font = re.search(r"url\(\./(files/[^)]+\.woff2)\)", css)
        assert font is not None
        assert (await http.get(f"/dashboard/static/vendor/noto-sans-sc/{font[1]}")).is_success
        assert (await http.get("/dashboard/cases/c-anything")).status_code == 200
    for file in OWN_FILES:  # our own scripts and styles name no other origin
        assert not re.search(OTHER_ORIGIN, file.read_text(encoding="utf-8")), file


async def test_vocabulary_builds_forms_from_the_action_models(dashboard: LiveDashboard) -> None:
    async with httpx.AsyncClient(base_url=dashboard.url) as http:
        vocabulary = (await http.get("/dashboard/vocabulary.json")).json()
    assert vocabulary["states"]["handling"] == ["办理中", "Handling"]
    extend = {f["name"]: f for f in vocabulary["forms"]["extend"]}
    assert extend["days"]["widget"] == "number" and extend["days"]["min"] == 1
    assert extend["reason"]["required"] is True
    decline = {f["name"]: f for f in vocabulary["forms"]["decline"]}
    assert [c["value"] for c in decline["reason"]["choices"]] == [
        "legal_channel",
        "out_of_scope",
        "repeat_final",
        "other",
    ]
    assert vocabulary["forms"]["forward"][0]["widget"] == "unit"


async def test_sign_in_keeps_the_token_out_of_urls(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(f"{dashboard.url}/dashboard")
    await expect(page.get_by_test_id("sign-in")).to_be_visible()
    await page.get_by_test_id("token-input").fill("not-a-token")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("sign-in")).to_contain_text("令牌无效")
    await screenshot(page, artifacts, "01-sign-in")

    token = dashboard.tokens["supervisor"]
    await sign_in(page, dashboard.url, token)
    assert await page.evaluate("sessionStorage.getItem('petitionflow.token')") == token
    assert await page.evaluate("localStorage.getItem('petitionflow.token')") is None
    assert all(token not in url for url in requests)
    # the unit selector shows the supervisor's subtree only
    options = await page.get_by_test_id("unit-select").locator("option").all_inner_texts()
    assert [o.strip() for o in options] == ["当湖街道（镇/街道）", "东门社区（村/社区）"]

    await page.reload()  # still signed in within the tab
    await expect(page.locator("#view")).to_have_attribute("data-view", "overview")
    await page.get_by_role("button", name="退出").click()
    await expect(page.get_by_test_id("sign-in")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('petitionflow.token')") is None


async def test_english_switch(dashboard: LiveDashboard, page: Page, artifacts) -> None:
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await expect(page.get_by_test_id("kpi-open")).to_contain_text("在办案件")
    await page.get_by_test_id("lang-switch").click()
    await expect(page.get_by_test_id("kpi-open")).to_contain_text("Open cases")
    await expect(page.get_by_test_id("list-alerts")).to_contain_text("Unacknowledged alerts")
    await screenshot(page, artifacts, "08-overview-english")
    await page.get_by_test_id("lang-switch").click()
    await expect(page.get_by_test_id("kpi-open")).to_contain_text("在办案件")


async def test_event_stream_parser_handles_split_chunks(
    dashboard: LiveDashboard, page: Page
) -> None:
    await page.goto(f"{dashboard.url}/dashboard")
    messages = await page.evaluate(
        """async () => {
            const { EventStreamParser } = await import('/dashboard/static/js/live.js');
            const seen = [];
            const parser = new EventStreamParser((m) => seen.push(m));
            for (const chunk of [': keepalive\\n\\nevent: al', 'ert\\ndata: {"a":', '1}\\n',
                                 '\\r\\nevent: case\\r\\ndata: {"b":2}\\r\\n\\r\\n']) {
                parser.push(chunk);
            }
            return seen;
        }"""
    )
    assert messages == [
        {"event": "alert", "data": '{"a":1}'},
        {"event": "case", "data": '{"b":2}'},
    ]


async def test_alert_message_links_open_the_case_page(dashboard: LiveDashboard, page: Page) -> None:
    registered = await dashboard.stack.register(
        title="楼道堆物", petitioner_id_number=valid_id_number()
    )
    case_id = registered.json()["case_id"]
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.goto(f"{dashboard.url}/dashboard#/cases/{case_id}")  # as alert messages link
    await expect(page).to_have_url(f"{dashboard.url}/dashboard/cases/{case_id}")
    await expect(page.locator("h1.case-title")).to_have_text("楼道堆物")
    await page.goto(f"{dashboard.url}/dashboard/cases/c-not-in-scope")
    await expect(page.locator("h1.case-title")).to_have_text("案件不存在或不在您的管辖范围内")


async def test_notes_named_like_object_members_render_as_text(
    dashboard: LiveDashboard, page: Page
) -> None:
    """Free text is never looked up as a label it inherits: a note `constructor` is a note."""
    stack = dashboard.stack
    registered = await stack.register(title="楼道堆物", petitioner_id_number=valid_id_number())
    case_id = registered.json()["case_id"]
    await wait_listed(stack, case_id, "registered")
    accepted = await stack.act(case_id, "accept", note="constructor")
    assert accepted.status_code == 200, accepted.text
    extended = await stack.act(case_id, "extend", who="supervisor", days=10, reason="__proto__")
    assert extended.status_code == 200, extended.text
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    timeline = page.get_by_test_id("event-timeline")
    await expect(timeline).to_contain_text("constructor")
    await expect(timeline).to_contain_text("__proto__")
    text = await timeline.inner_text()
    assert "function" not in text and "[native code]" not in text, text


async def test_case_page_shows_the_description_and_each_visits_text(
    dashboard: LiveDashboard, page: Page
) -> None:
    stack = dashboard.stack
    person = valid_id_number()
    registered = await stack.register(
        title="楼道堆物",
        description="三楼楼道长期堆放杂物\n存在消防隐患",
        petitioner_id_number=person,
    )
    case_id = registered.json()["case_id"]
    await wait_listed(stack, case_id, "registered")
    repeat = await stack.register(
        petitioner_id_number=person, channel="phone", title="再次反映", description="杂物仍未清理"
    )
    assert repeat.status_code == 200, repeat.text
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    await expect(page.get_by_test_id("case-description")).to_have_text(
        "三楼楼道长期堆放杂物\n存在消防隐患"
    )
    visit = page.locator("li.event-visit")
    await expect(visit).to_contain_text("杂物仍未清理")
    await expect(visit).to_contain_text("标题: 再次反映")
