"""Phones: the dashboard and the public tracking page at 360–414 px. Nothing is wider than the
screen, no heading is squeezed to a column of single characters, the clock ledger reads as
cards, and every time is written in Asia/Shanghai whatever the phone's own zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.api.cases.test_lifecycle import wait_listed
from tests.dashboard.browser import SECOND, sign_in
from tests.dashboard.conftest import LiveDashboard
from tests.dashboard.test_supervisor_journey import use_policy
from tests.dashboard.test_workspace import register

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

PHONE = {"width": 390, "height": 844}

# Every visible heading and its width in font sizes: a heading narrower than three characters
# while holding more is a column of single characters.
SQUEEZED_HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, .brand, label > span')]
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const box = el.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(el).fontSize);
    return { text: el.textContent.trim(), width: box.width, size };
  })
  .filter((h) => h.text.length > 1 && h.width < Math.min(h.text.length, 3) * h.size * 0.9)"""


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A phone in another time zone than Shanghai: times must not follow it."""
    context = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="America/New_York",
    )
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    await context.close()
    assert errors == []


async def fits(page: Page, artifacts: Path, name: str) -> None:
    """No horizontal overflow and no squeezed heading; a screenshot for people to look at."""
    await page.wait_for_timeout(300)  # fonts and charts settle
    await page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    inner = await page.evaluate("innerWidth")
    assert width <= inner, f"{name}: the page is {width} px wide on a {inner} px screen"
    assert await page.evaluate(SQUEEZED_HEADINGS) == [], name


async def test_the_dashboard_on_a_phone(dashboard: LiveDashboard, phone: Page, artifacts) -> None:
    stack = dashboard.stack
    use_policy(stack, '[clocks]\nacceptance = "PT3S"\n[levels]\nvillage = "PT600S"\n')
    late = await register(stack, title="东门小区三号楼电梯停运已两周无人维修")
    use_policy(stack, "")
    case = await register(stack, title="噪音扰民")
    await wait_listed(stack, case["case_id"], "registered")
    accepted = await stack.act(case["case_id"], "accept", note="受理")
    assert accepted.status_code == 200, accepted.text

    await phone.goto(f"{dashboard.url}/dashboard")
    await fits(phone, artifacts, "20-phone-sign-in")
    await sign_in(phone, dashboard.url, dashboard.tokens["supervisor"])
    await expect(
        phone.get_by_test_id("list-overdue").locator(f'tr[data-case-id="{late["case_id"]}"]')
    ).to_be_visible(timeout=30 * SECOND)
    await expect(
        phone.get_by_test_id("list-alerts").locator('[data-testid="alert-group"]').first
    ).to_be_visible(timeout=15 * SECOND)
    await fits(phone, artifacts, "21-phone-overview")

    await phone.get_by_test_id("main-nav").get_by_role("link", name="案件列表").click()
    await expect(phone.get_by_test_id("case-list").locator("tbody tr").first).to_be_visible()
    await fits(phone, artifacts, "22-phone-case-list")

    await phone.get_by_test_id("main-nav").get_by_role("link", name="登记").click()
    await expect(phone.get_by_test_id("registration-form")).to_be_visible()
    await fits(phone, artifacts, "23-phone-register")

    await phone.goto(f"{dashboard.url}/dashboard/cases/{case['case_id']}")
    await expect(phone.locator("h1.case-title")).to_have_text("噪音扰民")
    cards = phone.get_by_test_id("clock-cards")
    await expect(cards.locator('[data-clock="handling#1"]')).to_be_visible()
    await expect(phone.get_by_test_id("clock-ledger-chart")).to_be_hidden()  # the cards carry it
    await fits(phone, artifacts, "24-phone-case-page")

    # times in Asia/Shanghai on a phone set to New York, a due time at 24:00 of its last day
    snapshot = (await stack.get(f"/api/v1/cases/{case['case_id']}")).json()
    handling = next(d for d in snapshot["deadlines"] if d["id"] == "handling#1")
    last_day = (
        handling["explanation"].rsplit("于 ", 1)[1].removesuffix(" 届满")
    )  # "YYYY-MM-DD 24:00"
    assert last_day.endswith(" 24:00")
    await expect(cards.locator('[data-clock="handling#1"]')).to_contain_text(last_day)


async def test_the_tracking_page_on_a_phone(
    dashboard: LiveDashboard, phone: Page, artifacts
) -> None:
    stack = dashboard.stack
    case = await register(stack, title="路灯不亮")
    await wait_listed(stack, case["case_id"], "registered")
    await phone.goto(f"{dashboard.url}/track")
    await fits(phone, artifacts, "25-phone-tracking")
    await phone.get_by_test_id("tracking-code").fill(" " + case["tracking_code"].lower() + " ")
    await phone.get_by_role("button", name="查询").click()
    result = phone.get_by_test_id("track-result")
    await expect(result.get_by_test_id("track-state")).to_have_text("已登记待受理")
    await expect(result).to_contain_text("东门社区")
    await expect(result).to_contain_text(" 24:00")  # the acceptance period's end, as the law says
    await expect(result).not_to_contain_text("王")  # nothing personal
    await fits(phone, artifacts, "26-phone-tracking-result")
    assert case["tracking_code"] not in phone.url

    await phone.get_by_test_id("tracking-code").fill("AAAAAAAAAAAAAAAA")
    await phone.get_by_role("button", name="查询").click()
    await expect(result.get_by_test_id("track-error")).to_have_text("查询码无效")
    await phone.get_by_test_id("lang-switch").click()
    await phone.get_by_role("button", name="Look up").click()
    await expect(result.get_by_test_id("track-error")).to_have_text("unknown tracking code")
