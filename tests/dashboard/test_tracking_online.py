"""The tracking page on a phone, opened from the link texted at registration: where the case
is, what happens next and by when, and the online actions — a one-time code by SMS, a rating and
a review request — and the documents delivered online, downloaded with the code; in Chinese and
in English, with screenshots."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from playwright.async_api import Page, expect

from tests.api.cases.test_documents import documents_listed
from tests.api.conftest import Stack
from tests.api.sms_gateway import Gateway, sms_gateway, use_gateway
from tests.api.test_petitioner_online import tracked_with_documents
from tests.dashboard.browser import SECOND
from tests.dashboard.conftest import LiveDashboard, dashboard_app, serving
from tests.dashboard.test_phone_layout import fits, phone  # noqa: F401  (fixture)

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


@pytest.fixture
async def texting(stack: Stack) -> AsyncIterator[tuple[LiveDashboard, Gateway]]:
    """The served app with its worker texting through a local gateway."""
    with sms_gateway() as gateway:
        use_gateway(stack.settings, gateway)
        async with stack.run_worker(), serving(dashboard_app(stack)) as url:
            yield LiveDashboard(url=url, stack=stack, tokens=stack.tokens), gateway


async def test_rating_and_review_request_on_a_phone(
    texting: tuple[LiveDashboard, Gateway],
    phone: Page,  # noqa: F811
    artifacts,
) -> None:
    live, gateway = texting
    stack = live.stack
    case = (await stack.register(title="路灯不亮")).json()
    case_id = case["case_id"]
    for action, params in [
        ("accept", {}),
        ("assess", {"claim": "unreasonable"}),
        ("complete_track", {"track": "education"}),
        ("reply", {"summary": "书面答复意见"}),
    ]:
        assert (await stack.act(case_id, action, **params)).status_code == 200
    # 网上送达: the reply delivered online, so the page offers it
    reply = (await documents_listed(stack, case_id, 2))[-1]
    zone = stack.settings.sla_policy.zone
    on = str(datetime.fromisoformat(reply["issued_at"]).astimezone(zone).date())
    r = await stack.act(
        case_id, "deliver", document_id=reply["id"], method="online", delivered_on=on
    )
    assert r.status_code == 200, r.text
    [registered] = await gateway.wait_for("registered")
    await gateway.wait_for("replied")
    await tracked_with_documents(stack, case["tracking_code"])
    link = re.search(r"/track/\w+", registered["text"])
    assert link

    await phone.goto(f"{live.url}{link.group(0)}")
    result = phone.get_by_test_id("track-result")
    await expect(result.get_by_test_id("track-state")).to_have_text("已答复")
    await expect(result.get_by_test_id("track-next")).to_contain_text("申请复查")
    await expect(result).not_to_contain_text("王")  # nothing personal
    online = phone.get_by_test_id("track-online")
    await expect(online.get_by_test_id("track-rate-form")).to_be_visible()
    await fits(phone, artifacts, "40-phone-tracking-replied")

    await phone.get_by_test_id("track-get-code").click()
    await expect(phone.get_by_test_id("track-code-status")).to_contain_text("验证码已发送")
    [texted] = await gateway.wait_for("otp")
    otp = re.search(r"验证码(\d{6})", texted["text"])
    assert otp
    await phone.get_by_test_id("track-otp").fill(otp.group(1))

    # the delivered reply, downloaded with the code: the PDF whose SHA-256 the case lists
    documents = online.get_by_test_id("track-documents")
    await expect(documents.get_by_test_id("track-document")).to_have_count(1)
    await expect(documents).to_contain_text("信访事项处理意见书")
    await expect(documents).to_contain_text(reply["number"])
    async with phone.expect_download() as downloading:
        await documents.get_by_test_id("track-download").click()
    saved = await (await downloading.value).path()
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == reply["sha256"]
    await expect(phone.get_by_test_id("track-documents-status")).to_have_text("已下载。")
    await fits(phone, artifacts, "44-phone-tracking-documents")

    await phone.get_by_test_id("track-rating").select_option("basically_satisfied")
    await phone.get_by_test_id("track-send-rating").click()
    await expect(phone.get_by_test_id("track-notice")).to_have_text("已提交。")
    await fits(phone, artifacts, "41-phone-tracking-rated")

    await phone.get_by_test_id("lang-switch").click()
    await expect(result.get_by_test_id("track-state")).to_have_text("Replied")
    await expect(online).to_contain_text("Ask for review")
    await fits(phone, artifacts, "42-phone-tracking-english")
    await phone.get_by_test_id("track-otp").fill(otp.group(1))
    await phone.get_by_test_id("track-send-review").click()
    await expect(result.get_by_test_id("track-state")).to_have_text(
        "Under review", timeout=10 * SECOND
    )
    await expect(phone.get_by_test_id("track-notice")).to_have_text("Sent.")
    await expect(online).to_contain_text("Nothing can be done online")
    await fits(phone, artifacts, "43-phone-tracking-review-requested")

    snapshot = (await stack.get(f"/api/v1/cases/{case_id}", who="officer_town")).json()
    assert [f["by"] for f in snapshot["feedback"]] == ["petitioner"]
    assert snapshot["state"] == "under_review"
