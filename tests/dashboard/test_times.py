"""One way to write a time (static/js/time.js), in Asia/Shanghai whatever the browser's zone,
and clock statuses that say what happened to a run."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from tests.dashboard.browser import sign_in
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


@pytest.fixture(params=["UTC", "America/Los_Angeles"])
async def abroad(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="en-US", timezone_id=request.param)
    yield await context.new_page()
    await context.close()


FORMATTED = """async () => {
  const { formatTime, formatTick } = await import('/dashboard/static/js/time.js');
  return [
    formatTime('2026-12-15T00:00:00+08:00'),        // a period's end: 24:00 of its last day
    formatTime('2026-12-14T16:00:00Z'),              // the same instant in UTC
    formatTime('2026-12-14T08:05:00Z'),
    formatTime('2026-12-14T08:05:07.250Z'),
    formatTime('2027-01-01T00:00:00+08:00'),        // across a year
    formatTime(null),
    formatTick(Date.parse('2026-12-14T08:05:00Z'), 10 * 86400000),
  ];
}"""


async def test_times_are_written_in_shanghai_in_one_notation(
    dashboard: LiveDashboard, abroad: Page
) -> None:
    await abroad.goto(f"{dashboard.url}/dashboard")
    assert await abroad.evaluate(FORMATTED) == [
        "2026-12-14 24:00",
        "2026-12-14 24:00",
        "2026-12-14 16:05",
        "2026-12-14 16:05:07",
        "2026-12-31 24:00",
        "—",
        "12-14",
    ]


STATUSES = """async () => {
  const { clockStatusLabel } = await import('/dashboard/static/js/clock_ledger.js');
  const run = (id, clock, status) => ({ id, clock, status });
  const reopened = [run('handling#1', 'handling', 'met'), run('handling#2', 'handling', 'running')];
  const replied = [
    run('handling#1', 'handling', 'met'), run('review_window#1', 'review_window', 'met'),
  ];
  return [
    clockStatusLabel(reopened[0], reopened),
    clockStatusLabel(reopened[1], reopened),
    clockStatusLabel(replied[0], replied),
    clockStatusLabel(replied[1], replied),
  ];
}"""


async def test_a_run_cut_short_is_not_met_on_time(dashboard: LiveDashboard, page: Page) -> None:
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])  # the vocabulary is loaded
    assert await page.evaluate(STATUSES) == ["已另行起算", "计时中", "按期完成", "已结束"]
