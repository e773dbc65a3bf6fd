"""People by name on the case page: the assignee is chosen from the unit's officers, the 回访 is
recorded with its method, day and caller, and the page and timeline show names, not user ids."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect
from sqlmodel import Session

from api.auth import create_user
from models.tables import UserRow
from tests.api.conftest import Stack
from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def projected(stack: Stack, case_id: str, action: str) -> None:
    """Until the case's timeline (the projection) holds an ``action`` event."""
    for _ in range(200):
        timeline = (await stack.get(f"/api/v1/cases/{case_id}/timeline")).json()
        if any(e["action"] == action for e in timeline):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {action} on the timeline of {case_id}")


async def test_assign_by_name_and_record_the_callback(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    with Session(stack.engine) as session, session.begin():
        me = session.get(UserRow, "u-officer")
        assert me is not None
        me.name = "陈静"
    colleague, _ = create_user(
        stack.engine, role="officer", unit_id="pinghu.danghu.dongmen", name="王敏"
    )
    case_id = (await stack.register(petitioner_id_number=valid_id_number())).json()["case_id"]
    assert (await stack.act(case_id, "accept")).status_code == 200

    await sign_in(page, dashboard.url, dashboard.tokens["officer"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    buttons = page.get_by_test_id("action-buttons")
    await buttons.locator('[data-action="assign"]').click()
    form = page.get_by_test_id("action-form")
    await form.locator('select[name="officer_id"]').select_option(label="王敏")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    await expect(page.get_by_test_id("case-snapshot")).to_contain_text("王敏")
    # the timeline reads the projection, which may trail the action a moment: read it again
    await projected(stack, case_id, "assign")
    await page.reload()
    timeline = page.get_by_test_id("event-timeline")
    await expect(timeline.locator('[data-action="assign"]')).to_contain_text("王敏")
    await expect(timeline.locator('[data-action="assign"]')).to_contain_text("陈静")
    assert colleague.id not in await timeline.inner_text()

    for action, params in [
        ("assess", {"claim": "unreasonable"}),
        ("complete_track", {"track": "education"}),
        ("reply", {"summary": "书面答复"}),
    ]:
        assert (await stack.act(case_id, action, **params)).status_code == 200
    await expect(page.get_by_test_id("case-state")).to_have_text("已答复", timeout=10 * SECOND)
    await buttons.locator('[data-action="feedback"]').click()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    await form.locator('select[name="rating"]').select_option("basically_satisfied")
    await form.locator('select[name="method"]').select_option("phone")
    await form.locator('input[name="contacted_on"]').fill(today)
    await form.locator('select[name="caller"]').select_option(label="王敏")
    await form.get_by_role("button", name="提交").click()
    await expect(form).to_have_count(0)
    entry = page.get_by_test_id("feedback-entry")
    await expect(entry).to_contain_text("电话回访")
    await expect(entry).to_contain_text(today)
    await expect(entry).to_contain_text("王敏")
    await projected(stack, case_id, "feedback")
    await page.reload()
    await expect(timeline.locator('[data-action="feedback"]')).to_contain_text(
        "回访人: 王敏", timeout=10 * SECOND
    )
    await screenshot(page, artifacts, "case-staff-by-name")
