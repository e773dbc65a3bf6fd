"""调解 and 预测预警 in the browser: the mediation forms the machine offers on the case page (a
refused agreement without terms, then one with them), and the risk panel of the overview, whose
alert is acknowledged there."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def test_mediation_forms_on_the_case_page(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    case_id = (await stack.register(petitioner_id_number=valid_id_number())).json()["case_id"]
    assert (await stack.act(case_id, "accept")).status_code == 200

    await sign_in(page, dashboard.url, dashboard.tokens["officer"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    buttons = page.get_by_test_id("action-buttons")
    form = page.get_by_test_id("action-form")
    await buttons.locator('[data-action="assess"]').click()
    await form.locator('select[name="claim"]').select_option("reasonable")
    await form.locator('input[name="mediation"]').check()
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)

    await buttons.locator('[data-action="start_mediation"]').click()
    await form.locator('input[name="mediator"]').fill("东门社区人民调解委员会")
    rows = form.get_by_test_id("party-row")
    await rows.nth(0).locator(".party-name").fill("欧阳明")
    await rows.nth(0).locator(".party-role").fill("业主")
    await rows.nth(1).locator(".party-name").fill("平湖物业公司")
    await rows.nth(1).locator(".party-kind").select_option("organisation")
    await rows.nth(1).locator(".party-role").fill("物业服务企业")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    mediation = page.get_by_test_id("mediation")
    await expect(mediation).to_contain_text("欧**（业主）")
    await expect(mediation).to_contain_text("调解中")
    assert "欧阳明" not in await page.inner_text("body")  # the page shows the masked name

    await buttons.locator('[data-action="record_session"]').click()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    await form.locator('input[name="held_on"]').fill(today)
    await form.locator('input[name="summary"], textarea[name="summary"]').fill("双方当面陈述意见")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    await expect(mediation).to_contain_text("双方当面陈述意见")

    await buttons.locator('[data-action="close_mediation"]').click()
    await form.locator('select[name="outcome"]').select_option("agreement")
    await form.get_by_role("button", name="提交").click()  # no terms: refused, field marked
    await expect(form.locator('[data-field="terms"] .field-error')).to_contain_text("协议内容")
    await screenshot(page, artifacts, "mediation-agreement-needs-terms")
    await form.locator('textarea[name="terms"]').fill("物业费维持原标准，物业公司三日内修复电梯")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    await expect(mediation).to_have_attribute("data-outcome", "agreement")
    await expect(mediation).to_contain_text("物业公司三日内修复电梯")
    await expect(page.get_by_test_id("case-snapshot")).to_contain_text("已到位")
    # the machine offers no mediation action any more
    await expect(buttons.locator('[data-action="start_mediation"]')).to_have_count(0)
    await expect(buttons.locator('[data-action="close_mediation"]')).to_have_count(0)
    await expect(buttons.locator('[data-action="reply"]')).to_have_count(1)
    await screenshot(page, artifacts, "mediation-agreement")


async def test_risk_panel_lists_and_acknowledges(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    person = valid_id_number()
    for _ in range(3):  # three visits of one petitioner: a registration and two repeats
        assert (await stack.register(petitioner_id_number=person)).status_code in (200, 201)
    await stack.register(severity="group", title="三十户居民反映停车难")

    await sign_in(page, dashboard.url, dashboard.tokens["admin"])
    panel = page.get_by_test_id("risk-panel")
    repeat = panel.locator('[data-rule="repeat_visits"]')
    await expect(repeat).to_have_count(1, timeout=15 * SECOND)  # the overview refreshes
    await expect(repeat).to_contain_text("30 天内来访 3 次")
    await expect(panel.locator('[data-rule="collective"]')).to_contain_text("集体访")
    await screenshot(page, artifacts, "risk-panel")
    await repeat.get_by_role("button", name="确认").click()
    await expect(repeat).to_have_count(0)
    await expect(panel.locator('[data-rule="collective"]')).to_have_count(1)
