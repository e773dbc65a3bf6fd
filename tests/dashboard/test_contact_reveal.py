"""查看联系方式 on the case page: the responsible officer gives a reason and sees the petitioner's
details, and the reading is in the access log; an officer whose case passed on gets no button."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.api.cases.test_lifecycle import wait_listed
from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def test_officer_reveals_contact_with_a_reason_on_record(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    registered = await stack.register(
        petitioner_name="王五",
        petitioner_phone="13812345678",
        petitioner_id_number=valid_id_number(),
    )
    case_id = registered.json()["case_id"]
    passed_on = (await stack.register(severity="major")).json()["case_id"]  # held by the town
    await wait_listed(stack, case_id, "registered")

    await sign_in(page, dashboard.url, dashboard.tokens["officer"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    snapshot = page.get_by_test_id("case-snapshot")
    await expect(snapshot).to_contain_text("138****5678")
    await page.get_by_test_id("reveal-contact").click()
    await page.get_by_role("button", name="查看", exact=True).click()  # no reason yet
    reveal = page.get_by_test_id("contact-reveal")
    await expect(reveal.locator(".problem")).to_contain_text("理由", timeout=5 * SECOND)
    await page.get_by_test_id("reveal-reason").fill("电话回访")
    await page.get_by_role("button", name="查看", exact=True).click()
    shown = page.get_by_test_id("revealed-contact")
    await expect(shown).to_contain_text("13812345678")
    await expect(shown).to_contain_text("王五")
    await screenshot(page, artifacts, "contact-revealed")

    log = await stack.get("/api/v1/pii-access-log", "admin", case_id=case_id)
    assert [(e["user_id"], e["kind"], e["reason"]) for e in log.json()] == [
        ("u-officer", "reveal", "电话回访")
    ]

    await page.goto(f"{dashboard.url}/dashboard/cases/{passed_on}")
    await expect(page.get_by_test_id("case-snapshot")).to_be_visible()
    await expect(page.get_by_test_id("action-buttons")).to_contain_text("当前无可执行的操作")
    await expect(page.get_by_test_id("reveal-contact")).to_have_count(0)
