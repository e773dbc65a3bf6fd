"""交办 on the case page: the county's supervisor hands a case to 住建局 with 人社局 co-handling
through the action form; the page shows the hand-over with its lead, co-handler, deadlines and
the co-handler's report once it is in."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from api.auth import create_user
from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import COUNTY_SUPERVISOR, LiveDashboard
from tests.test_departments import add_departments

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def test_hand_over_from_the_case_page(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    add_departments(stack.engine)
    stack.tokens["rsj"] = create_user(stack.engine, role="officer", unit_id="pinghu.rsj")[1]
    r = await stack.register(
        "officer_county",
        unit_id="pinghu",
        severity="group",
        title="小区加装电梯与拖欠工资",
        petitioner_id_number=valid_id_number(),
    )
    case_id = r.json()["case_id"]
    assert (await stack.act(case_id, "accept", "officer_county")).status_code == 200

    await sign_in(page, dashboard.url, dashboard.tokens[COUNTY_SUPERVISOR])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    await expect(page.get_by_test_id("hand-overs")).to_be_hidden()
    await page.get_by_test_id("action-buttons").locator('[data-action="hand_over"]').click()
    form = page.get_by_test_id("action-form")
    await form.locator('select[name="lead_unit_id"]').select_option("pinghu.zjj")
    await form.locator('select[name="co_unit_ids"]').select_option(["pinghu.rsj"])
    await form.locator('textarea[name="instructions"], input[name="instructions"]').fill(
        "住建局牵头，人社局会办工资部分"
    )
    await form.get_by_label("办理时限（天）").fill("10")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)

    panel = page.get_by_test_id("hand-overs")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_test_id("hand-over")).to_have_attribute("data-status", "open")
    lead = panel.locator('[data-testid="hand-over-task"][data-role="lead"]')
    co = panel.locator('[data-testid="hand-over-task"][data-role="co"]')
    await expect(lead).to_contain_text("住建局")
    await expect(co).to_contain_text("人社局")
    await expect(co).to_have_attribute("data-status", "open")
    await expect(panel).to_contain_text("住建局牵头，人社局会办工资部分")
    await expect(
        page.get_by_test_id("action-buttons").locator('[data-action="take_back"]')
    ).to_be_visible()

    assert (
        await stack.act(case_id, "report", "rsj", summary="欠薪已核实并督促发放")
    ).status_code == 200
    await page.reload()
    await expect(co).to_have_attribute("data-status", "done", timeout=10 * SECOND)
    await expect(co).to_contain_text("欠薪已核实并督促发放")
    await screenshot(page, artifacts, "case-hand-over")
