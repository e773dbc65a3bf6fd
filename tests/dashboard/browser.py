"""Steps a person takes on the dashboard, shared by the browser tests."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Page, expect

SECOND = 1000  # Playwright counts in milliseconds


async def sign_in(page: Page, base_url: str, token: str) -> None:
    await page.goto(f"{base_url}/dashboard")
    await page.get_by_test_id("token-input").fill(token)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#view")).to_have_attribute("data-view", "overview")
    await expect(page.get_by_test_id("live-status")).to_have_attribute(
        "data-state", "on", timeout=10 * SECOND
    )


async def screenshot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def case_row(page: Page, list_testid: str, case_id: str):
    return page.get_by_test_id(list_testid).locator(f'tr[data-case-id="{case_id}"]')


def valid_id_number() -> str:
    """A random resident ID number with a correct GB 11643 check digit."""
    body = f"33048219900101{uuid.uuid4().int % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]
