"""The case page shows a collective petition's petitioners (masked, representatives marked, the
headcount) and its linked cases; a supervisor links a case through the action form."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.cases.test_links import actions
from tests.api.test_person_search import person
from tests.dashboard.browser import SECOND, screenshot, sign_in
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def test_petitioners_and_linked_cases_on_the_case_page(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    people = [person() for _ in range(3)]
    r = await stack.register(
        "admin",
        petitioner=None,
        petitioners=people,
        representatives=[1],
        headcount=12,
        severity="group",
        title="村民集体反映征地补偿",
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    other = (await stack.register("admin", severity="group", title="征地补偿另案")).json()
    await wait_listed(stack, case_id, "registered", who="admin")
    await wait_listed(stack, other["case_id"], "registered", who="admin")

    await sign_in(page, dashboard.url, dashboard.tokens["admin"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    entries = page.get_by_test_id("petitioner-entry")
    await expect(entries).to_have_count(3, timeout=10 * SECOND)
    masked_phone = f"{people[0]['phone'][:3]}****{people[0]['phone'][-4:]}"
    await expect(entries.nth(0)).to_contain_text(masked_phone)
    await expect(page.get_by_test_id("case-petitioners")).not_to_contain_text(people[0]["phone"])
    await expect(entries.nth(1)).to_contain_text("代表")
    await expect(page.get_by_test_id("case-petitioners")).to_contain_text("来访 12 人")

    await page.get_by_test_id("action-buttons").get_by_role("button", name="关联案件").click()
    form = page.get_by_test_id("action-form")
    await form.get_by_label("另一案件编号").fill(case_id)  # itself: refused, said why
    await form.get_by_role("button", name="提交").click()
    await expect(form.locator('[data-field="other_case_id"] .field-error')).not_to_be_empty()
    await form.get_by_label("另一案件编号").fill(other["case_id"])
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    linked = page.get_by_test_id("linked-cases")
    await expect(linked).to_contain_text(other["case_id"])
    # the timeline reads the projection, which may trail the action a moment: read it again
    await actions(stack, case_id, 2)
    await page.reload()
    await expect(page.get_by_test_id("event-timeline")).to_contain_text("关联案件")
    entries = page.get_by_test_id("petitioner-entry")
    # a petitioner's history, on the access log
    await entries.nth(0).get_by_test_id("petitioner-history-button").click()
    history = entries.nth(0).get_by_test_id("petitioner-history")
    await expect(history.get_by_role("link")).to_have_text("村民集体反映征地补偿")
    await screenshot(page, artifacts, "case-petitioners-and-linked-cases")
    log = await stack.get("/api/v1/pii-access-log", "admin", kind="petitioner_history")
    assert [e["case_id"] for e in log.json()] == [case_id]

    await linked.get_by_role("link", name=other["case_id"]).click()
    await expect(page.get_by_test_id("linked-cases")).to_contain_text(case_id, timeout=10 * SECOND)
