"""An officer attaches a letter scan on the case page, sees it listed, has a disguised file
refused with the server's reason, and downloads the scan under its Chinese name — on the access
log."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.api.attachments.files import HTML, pdf
from tests.api.cases.test_lifecycle import wait_listed
from tests.dashboard.browser import SECOND, screenshot, sign_in
from tests.dashboard.conftest import LiveDashboard

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def test_an_officer_attaches_and_downloads_a_letter_scan(
    dashboard: LiveDashboard, page: Page, artifacts: Path
) -> None:
    stack = dashboard.stack
    registered = await stack.register(title="来信反映物业费上调")
    assert registered.status_code == 201, registered.text
    case_id = registered.json()["case_id"]
    await wait_listed(stack, case_id, "registered")

    await sign_in(page, dashboard.url, dashboard.tokens["officer"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    card = page.get_by_test_id("case-attachments")
    await expect(card.locator("h2")).to_have_text("附件")
    await expect(card.get_by_test_id("attachment-list")).to_contain_text("暂无附件")

    letter = pdf("letter of Wang Wu")
    await card.get_by_test_id("attachment-file").set_input_files(
        files=[{"name": "王五来信.pdf", "mimeType": "application/pdf", "buffer": letter}]
    )
    await card.get_by_test_id("attachment-kind").select_option("letter_scan")
    await card.get_by_test_id("attachment-description").fill("来信第一页")
    await card.get_by_test_id("attachment-upload").click()
    message = card.get_by_test_id("attachment-message")
    await expect(message).to_have_text("已上传：王五来信.pdf", timeout=10 * SECOND)
    row = card.locator("tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("王五来信.pdf")
    await expect(row).to_contain_text("信件扫描件")
    await expect(row).to_contain_text("来信第一页")

    # a web page dressed as a photo: the server's reason is shown, nothing is added
    await card.get_by_test_id("attachment-file").set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": HTML}]
    )
    await card.get_by_test_id("attachment-upload").click()
    await expect(message).to_have_attribute("data-kind", "error")
    await expect(message).to_contain_text("只接受 JPEG、PNG、PDF、TIFF、WebP")
    await expect(row).to_have_count(1)
    await screenshot(page, artifacts, "attachments-case-page")

    async with page.expect_download() as waiting:
        await row.get_by_role("button", name="下载").click()
    downloaded = await waiting.value
    assert downloaded.suggested_filename == "王五来信.pdf"
    assert Path(await downloaded.path()).read_bytes() == letter

    log = await stack.get("/api/v1/pii-access-log", "admin", case_id=case_id, kind="attachment")
    assert [e["user_id"] for e in log.json()] == ["u-officer"]

    # at phone width the card stays inside the screen
    await page.set_viewport_size({"width": 390, "height": 844})
    width = await page.evaluate("document.documentElement.scrollWidth")
    box = await card.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390 + 1, (box, width)
    button = await row.get_by_role("button", name="下载").bounding_box()  # reachable, unscrolled
    assert button is not None and button["x"] + button["width"] <= box["x"] + box["width"]
    await screenshot(page, artifacts, "attachments-case-page-390")
