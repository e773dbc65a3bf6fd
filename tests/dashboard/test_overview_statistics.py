"""The overview's tiles and charts follow GET /api/v1/stats, live, for the unit chosen."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.api.conftest import Stack
from tests.dashboard.browser import SECOND, screenshot, sign_in, valid_id_number
from tests.dashboard.conftest import COUNTY_SUPERVISOR, LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

HANDLED_TO_REPLY = [
    ("accept", {"note": "受理"}),
    ("assess", {"claim": "reasonable"}),
    ("complete_track", {"track": "resolution"}),
    ("reply", {"summary": "已解决，书面答复"}),
]


async def replied_case(stack: Stack, *, severity: str, rating: str, title: str) -> str:
    registered = await stack.register(
        severity=severity, title=title, petitioner_id_number=valid_id_number()
    )
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["case_id"]
    for action, params in [*HANDLED_TO_REPLY, ("feedback", {"rating": rating})]:
        done = await stack.act(case_id, action, who="admin", **params)
        assert done.status_code == 200, done.text
    return case_id


async def test_tiles_and_charts_follow_the_statistics(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    await sign_in(page, dashboard.url, dashboard.tokens[COUNTY_SUPERVISOR])
    await expect(page.locator(".scope-name")).to_have_text("平湖市")
    await expect(page.locator('[data-kpi="open"]')).to_have_text("0")

    # replied at each level (minor → village, major → town, group → county), one open case
    await replied_case(stack, severity="minor", rating="satisfied", title="路灯不亮")
    await replied_case(stack, severity="major", rating="basically_satisfied", title="拖欠工资")
    await replied_case(stack, severity="group", rating="unsatisfied", title="征地补偿")
    opened = await stack.register(
        "officer_zhapu",
        title="噪声扰民",
        unit_id="pinghu.zhapu.tangshan",
        petitioner_id_number=valid_id_number(),
    )
    assert opened.status_code == 201, opened.text

    # the page refreshes itself from the live stream
    kpi = page.get_by_test_id("kpis")
    await expect(kpi.locator('[data-kpi="open"]')).to_have_text("4", timeout=15 * SECOND)
    await expect(kpi.locator('[data-kpi="on_time_rate"]')).to_have_text("100.0%")
    await expect(kpi.locator('[data-kpi="satisfaction_rate"]')).to_have_text(
        "66.7%", timeout=10 * SECOND
    )
    await expect(kpi.locator('[data-kpi-detail="satisfaction_rate"]')).to_have_text("2/3 件")
    for chart in ("levels", "weekly", "ageing"):
        await expect(page.get_by_test_id(f"chart-{chart}").locator("canvas")).to_have_count(1)
    await screenshot(page, artifacts, "07-overview-statistics")

    # a town's subtree: its own figures
    await page.get_by_test_id("unit-select").select_option("pinghu.zhapu")
    await expect(page.locator(".scope-name")).to_have_text("乍浦镇")
    await expect(kpi.locator('[data-kpi="open"]')).to_have_text("1")
    await expect(kpi.locator('[data-kpi="on_time_rate"]')).to_have_text("—")
    await expect(page.get_by_test_id("chart-levels")).to_contain_text("暂无数据")
