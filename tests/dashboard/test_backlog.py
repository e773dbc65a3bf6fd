"""The 积案 workbench and the case page's 督办单 and 包案: a backlog case listed with its leader,
plan, target date and open orders; an order issued through the case page's form; the orders and
the leader shown on the case page."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from playwright.async_api import Page, expect
from sqlmodel import Session

from models.tables import UserRow
from tests.api.conftest import Stack
from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def backlog_case(stack: Stack) -> str:
    """A case raised three times (积案), under one order, with a leader named."""
    person = valid_id_number()
    case_id = (await stack.register(petitioner_id_number=person)).json()["case_id"]
    for _ in range(2):
        assert (await stack.register(petitioner_id_number=person)).status_code == 200
    ordered = await stack.act(case_id, "supervise", who="supervisor", instructions="十日内化解")
    assert ordered.status_code == 200, ordered.text
    led = await stack.act(
        case_id,
        "assign_leader",
        who="supervisor",
        leader_user_id="u-supervisor",
        plan="约谈物业公司并召开听证",
        target_date=(date.today() + timedelta(days=20)).isoformat(),
    )
    assert led.status_code == 200, led.text
    for _ in range(200):  # until the list (the projection) has caught up
        page = await stack.get("/api/v1/cases", who="supervisor", backlog="true")
        if any(c["case_id"] == case_id and c["leader"] for c in page.json()["items"]):
            return case_id
        await asyncio.sleep(0.05)
    raise AssertionError("the backlog case was not listed")


async def test_backlog_workbench_and_the_case_page(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    with Session(stack.engine) as session, session.begin():
        me = session.get(UserRow, "u-supervisor")
        assert me is not None
        me.name = "李督办"
    case_id = await backlog_case(stack)

    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.get_by_test_id("nav-backlog").click()
    row = page.get_by_test_id("backlog-table").locator(f'tr[data-case-id="{case_id}"]')
    await expect(row.get_by_test_id("backlog-leader")).to_have_text("李督办", timeout=10 * SECOND)
    await expect(row).to_contain_text("约谈物业公司并召开听证")
    await expect(row.get_by_test_id("backlog-orders")).to_contain_text("1")
    await screenshot(page, artifacts, "backlog-01-workbench")

    await page.get_by_test_id("backlog-tab-orders").click()
    await expect(
        page.get_by_test_id("backlog-table").locator(f'tr[data-case-id="{case_id}"]')
    ).to_be_visible()
    await screenshot(page, artifacts, "backlog-02-open-orders")

    await row.get_by_role("link").click()
    await expect(page.get_by_test_id("case-leader")).to_contain_text("李督办")
    orders = page.get_by_test_id("case-orders")
    await expect(orders.locator('[data-order-id="order-1"]')).to_contain_text("待答复")

    # A second order through the case page's form: instructions and days.
    await page.get_by_test_id("action-buttons").locator('[data-action="supervise"]').click()
    form = page.get_by_test_id("action-form")
    await form.locator('textarea[name="instructions"]').fill("三日内报送化解进展")
    await form.locator('input[name="respond_within"]').fill("3")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    await expect(orders.locator('[data-order-id="order-2"]')).to_contain_text("三日内报送化解进展")
    await screenshot(page, artifacts, "backlog-03-case-orders")
