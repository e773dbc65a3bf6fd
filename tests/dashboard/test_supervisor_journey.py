"""A county supervisor's day, in a real browser against the real stack: a seconds-long SLA policy
makes a case at risk and then overdue while the page is open (live, no reload); the supervisor
acknowledges its alert, opens the case, extends it from the case page, and sees a 409 rendered
when the case was withdrawn under an open form."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.api.conftest import Stack
from tests.dashboard.browser import SECOND, case_row, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import COUNTY_SUPERVISOR, LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

# Acceptance due 24 s after registration, early warning at 25 % (6 s): the case stays at risk for
# long enough that a loaded CI machine still sees it there before it goes overdue. The level
# window is long so only the statutory clock fires. Each breach escalates one level.
FAST_POLICY = """
[clocks]
acceptance = "PT24S"
[levels]
village = "PT600S"
town = "PT600S"
[alerts]
warn_at = 0.25
"""


def use_policy(stack: Stack, text: str) -> None:
    """The SLA policy in force for cases registered from now on."""
    file = stack.settings.data_dir / f"policy-{uuid.uuid4().hex[:6]}.toml"
    file.write_text(text)
    stack.settings.policy = file
    stack.settings.__dict__.pop("sla_policy", None)


async def test_supervisor_watches_a_case_go_overdue_and_acts_on_it(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    use_policy(stack, FAST_POLICY)
    await sign_in(page, dashboard.url, dashboard.tokens[COUNTY_SUPERVISOR])
    await expect(page.get_by_test_id("list-at-risk")).to_contain_text("暂无")

    title = "东门小区电梯停运"
    registered = await stack.register(title=title, petitioner_id_number=valid_id_number())
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["case_id"]

    # at risk, then overdue: the lists change by themselves
    await expect(case_row(page, "list-at-risk", case_id)).to_be_visible(timeout=20 * SECOND)
    await expect(case_row(page, "list-at-risk", case_id)).to_contain_text(title)
    await screenshot(page, artifacts, "02-overview-at-risk")
    await expect(case_row(page, "list-overdue", case_id)).to_be_visible(timeout=40 * SECOND)
    await expect(case_row(page, "list-overdue", case_id)).to_contain_text("超期")
    await expect(page.locator('[data-kpi="overdue"]')).to_have_text("1", timeout=5 * SECOND)

    # its breach alert arrives live and is acknowledged
    alerts = page.get_by_test_id("list-alerts")
    group = alerts.locator(f'[data-testid="alert-group"][data-case-id="{case_id}"]')
    await expect(group.locator(".alert-group-kinds .badge-breach")).to_be_visible(
        timeout=15 * SECOND
    )
    await group.locator("summary").click()  # the case's alerts, one by one
    breach = group.locator(".alert-breach").first
    await expect(breach).to_be_visible()
    await screenshot(page, artifacts, "03-overview-overdue-alerts")
    alert_id = await breach.get_attribute("data-alert-id")
    await breach.get_by_role("button", name="确认", exact=True).click()
    await expect(alerts.locator(f'[data-alert-id="{alert_id}"]')).to_have_count(0)
    await expect(page.locator(".toast", has_text="已确认提醒")).to_be_visible()
    listed = await stack.get("/api/v1/alerts", who=COUNTY_SUPERVISOR, acknowledged="false")
    assert alert_id not in {a["alert_id"] for a in listed.json()["items"]}
    await screenshot(page, artifacts, "04-alert-acknowledged")

    # the case page: snapshot, clock ledger with a breached acceptance clock, event timeline
    await case_row(page, "list-overdue", case_id).get_by_role("link").click()
    await expect(page).to_have_url(f"{dashboard.url}/dashboard/cases/{case_id}")
    await expect(page.locator("h1.case-title")).to_have_text(title)
    ledger = page.get_by_test_id("clock-ledger")
    await expect(ledger.locator('g[data-clock="acceptance#1"]')).to_have_attribute(
        "data-status", "breached"
    )
    await expect(page.get_by_test_id("event-timeline")).to_contain_text("超期")
    # before acceptance a supervisor may only link or merge it (the same matter), not extend
    await expect(page.get_by_test_id("action-buttons")).to_contain_text("关联案件")
    await expect(page.get_by_test_id("action-buttons")).not_to_contain_text("延期")

    # an officer-side acceptance elsewhere shows up live; the supervisor may now extend
    accepted = await stack.act(case_id, "accept", who="admin", note="受理")
    assert accepted.status_code == 200, accepted.text
    await expect(page.get_by_test_id("case-state")).to_have_text("办理中", timeout=10 * SECOND)
    await page.get_by_test_id("action-buttons").get_by_role("button", name="延期").click()
    form = page.get_by_test_id("action-form")
    await form.get_by_label("延期天数").fill("10")
    await form.get_by_role("button", name="提交").click()
    await expect(form.locator('[data-field="reason"] .field-error')).not_to_be_empty()
    await form.get_by_label("原因").fill("需要现场勘验")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    await expect(ledger.locator('g[data-clock="handling#1"] .ledger-extension')).to_have_count(1)
    # projected with its notice (延期办理告知书, rendered and numbered by the projection)
    timeline = page.get_by_test_id("event-timeline")
    await expect(timeline).to_contain_text("延期办理告知书", timeout=30 * SECOND)
    await expect(timeline).to_contain_text("受理告知书")
    await screenshot(page, artifacts, "05-case-page-extended")
    # seconds-long clocks beside a two-month one: drawn clock by clock, or on one axis on request
    chart = ledger.get_by_test_id("clock-ledger-chart")
    await expect(chart).to_have_attribute("data-scale", "each")
    await ledger.get_by_test_id("ledger-scale").click()
    await expect(chart).to_have_attribute("data-scale", "shared")
    await ledger.screenshot(path=str(artifacts / "05b-clock-ledger-one-axis.png"))
    await ledger.get_by_test_id("ledger-scale").click()
    await expect(chart).to_have_attribute("data-scale", "each")

    # a form left open while the case is withdrawn elsewhere: the 409 is shown as sentences
    await page.get_by_test_id("action-buttons").get_by_role("button", name="指定承办人").click()
    await form.get_by_label("承办人").select_option("u-officer_town")  # the town holds it now
    withdrawn = await stack.act(case_id, "withdraw", who="admin", note="信访人撤回")
    assert withdrawn.status_code == 200, withdrawn.text
    await expect(page.get_by_test_id("case-state")).to_have_text("已撤回", timeout=10 * SECOND)
    await expect(form).to_contain_text("案件已被他人更新")
    await form.get_by_role("button", name="提交").click()
    problem = page.get_by_test_id("action-problem")
    await expect(problem).to_have_attribute("data-status", "409")
    await expect(problem).to_contain_text("无法执行「指定承办人」")
    await expect(problem).to_contain_text("当前没有可执行的操作")
    await screenshot(page, artifacts, "06-case-page-409")
