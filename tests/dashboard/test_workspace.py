"""The officers' and supervisors' workspace in a real browser against the real stack: the
registration form with its inline errors, the case list with a filter, a search and paging, the
export button, KPI tiles that open their list, alerts grouped per case and acknowledged together,
and the print view of a case."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import resident_id
from tests.dashboard.browser import SECOND, case_row, screenshot, sign_in
from tests.dashboard.conftest import LiveDashboard
from tests.dashboard.test_supervisor_journey import use_policy

pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def register(stack, **changes) -> dict:
    """A registration as clients are told to make it: a 503 (no worker answered in time, as on a
    loaded machine) is retried with the same Idempotency-Key and registers once."""
    key, person = uuid.uuid4().hex, resident_id()
    for _ in range(5):
        r = await stack.register(key=key, petitioner_id_number=person, **changes)
        if r.status_code != 503:
            break
    assert r.status_code == 201, r.text
    return r.json()


def as_shown(instant: datetime) -> str:
    """How the dashboard writes a time (static/js/time.js): Shanghai, seconds only if any, and
    a midnight as 24:00 of the day before."""
    local = instant.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


async def test_an_officer_registers_a_petition_in_the_form(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    await sign_in(page, dashboard.url, dashboard.tokens["officer"])
    await page.get_by_test_id("main-nav").get_by_role("link", name="登记").click()
    form = page.get_by_test_id("registration-form")
    await expect(form).to_be_visible()
    # 集体访 is no urgency: the select offers 一般/重大/紧急 and a checkbox of its own
    urgencies = await form.locator('select[name="severity"] option').all_inner_texts()
    assert urgencies == ["一般", "重大", "紧急"]
    await expect(form.get_by_label("集体访（5人以上）")).to_be_visible()

    await form.get_by_label("信访人姓名").fill("王五")
    await form.get_by_label("身份证号").fill("330482199001011233")  # wrong check digit
    await form.get_by_label("事项标题").fill("   ")  # blank
    await form.get_by_label("事项类别").fill("物业纠纷")
    await form.get_by_role("button", name="登记", exact=True).click()
    id_error = form.locator('[data-field="petitioner.id_number"] .field-error')
    await expect(id_error).to_have_text("身份证号校验位错误")
    await expect(form.locator('[data-field="title"] .field-error')).to_have_text("必填")
    for text in await form.locator(".field-error").all_inner_texts():
        assert " / " not in text and "Value error" not in text, text
    await screenshot(page, artifacts, "10-register-inline-errors")

    # the same form in English: the API answers in the page's language
    await page.get_by_test_id("lang-switch").click()
    form = page.get_by_test_id("registration-form")
    await form.get_by_label("ID number").fill("330482199001011233")
    await form.get_by_role("button", name="Register", exact=True).click()
    await expect(form.locator('[data-field="petitioner.id_number"] .field-error')).to_have_text(
        "the ID number's check digit is wrong"
    )
    await page.get_by_test_id("lang-switch").click()
    form = page.get_by_test_id("registration-form")

    yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).date().isoformat()
    await form.get_by_label("信访人姓名").fill("王五")
    await form.get_by_label("身份证号").fill(resident_id())
    await form.get_by_label("联系电话").fill("13812345678")
    await form.get_by_label("事项标题").fill("小区路灯不亮")
    await form.get_by_label("诉求内容").fill("东门小区三号楼前路灯坏了两周")
    await form.get_by_label("事项类别").fill("市政设施")
    await form.get_by_label("信访形式").select_option("letter")
    await form.get_by_label("收件/来访日期").fill(yesterday)
    await form.get_by_label("信访人不接收短信告知").check()
    await form.get_by_role("button", name="登记", exact=True).click()
    await expect(page.locator("#view")).to_have_attribute("data-view", "case")
    await expect(page.locator("h1.case-title")).to_have_text("小区路灯不亮")
    case_id = page.url.rsplit("/", 1)[1]

    snapshot = (await dashboard.stack.get(f"/api/v1/cases/{case_id}")).json()
    assert (snapshot["channel"], snapshot["category"], snapshot["severity"]) == (
        "letter",
        "市政设施",
        "minor",
    )
    timeline = (await dashboard.stack.get(f"/api/v1/cases/{case_id}/timeline")).json()
    assert timeline[0]["params"]["received_on"] == yesterday
    sms = (await dashboard.stack.get(f"/api/v1/cases/{case_id}/sms")).json()
    assert sms["opted_out"] is True


async def test_the_case_list_filters_searches_pages_and_exports(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    made = {}
    for i in range(23):
        category = "物业纠纷" if i % 2 else "劳资纠纷"
        made[i] = (await register(stack, title=f"水电纠纷{i:02d}", category=category))["case_id"]
    await stack.act(made[0], "accept", who="admin")
    for i, case_id in made.items():
        await wait_listed(stack, case_id, "handling" if i == 0 else "registered", "admin")

    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.get_by_test_id("main-nav").get_by_role("link", name="案件列表").click()
    results = page.get_by_test_id("case-list")
    await expect(results.locator("tbody tr")).to_have_count(20)  # one page of 20
    await expect(page.get_by_test_id("page-number")).to_have_text("第 1 页")
    await page.get_by_test_id("page-next").click()
    await expect(page.get_by_test_id("page-number")).to_have_text("第 2 页")
    await expect(results.locator("tbody tr")).to_have_count(3)
    await expect(page.get_by_test_id("page-next")).to_be_disabled()
    await page.get_by_test_id("page-previous").click()
    await expect(results.locator("tbody tr")).to_have_count(20)

    # a filter: the state, kept in the page's address
    await page.get_by_test_id("filter-state").select_option("handling")
    await page.get_by_role("button", name="查询").click()
    await expect(results.locator("tbody tr")).to_have_count(1)
    await expect(case_row(page, "case-list", made[0])).to_contain_text("办理中")
    assert "state=handling" in page.url
    await page.get_by_test_id("list-reset").click()
    await expect(results.locator("tbody tr")).to_have_count(20)

    # a search: words of the title, with a filter, never in the page's address
    await page.get_by_test_id("filter-category").fill("物业纠纷")
    await page.get_by_test_id("list-search").fill("水电纠纷0")
    await page.get_by_test_id("list-search").press("Enter")
    odd_below_ten = {made[i] for i in (1, 3, 5, 7, 9)}
    await expect(results.locator("tbody tr")).to_have_count(len(odd_below_ten))
    shown = {
        await row.get_attribute("data-case-id") for row in await results.locator("tbody tr").all()
    }
    assert shown == odd_below_ten
    assert "水电" not in page.url and "q=" not in page.url
    await screenshot(page, artifacts, "11-case-list-search")

    # registered today (a Shanghai day): in a period ending today, none in one ending yesterday
    today = datetime.now(SHANGHAI).date()
    await page.get_by_test_id("list-reset").click()
    await expect(results.locator("tbody tr")).to_have_count(20)
    await page.get_by_test_id("filter-created_from").fill(today.isoformat())
    await page.get_by_test_id("filter-created_to").fill(today.isoformat())
    await page.get_by_role("button", name="查询").click()
    await expect(page.get_by_test_id("page-next")).to_be_enabled()  # all 23: a second page
    await page.get_by_test_id("filter-created_to").fill((today - timedelta(days=1)).isoformat())
    await page.get_by_role("button", name="查询").click()
    await expect(results).to_contain_text("暂无")
    await page.get_by_test_id("filter-created_to").fill(today.isoformat())
    await page.get_by_test_id("filter-category").fill("物业纠纷")
    await page.get_by_test_id("list-search").fill("水电纠纷0")
    await page.get_by_role("button", name="查询").click()
    await expect(results.locator("tbody tr")).to_have_count(len(odd_below_ten))

    # the export takes the list's query, and the file it saves holds the rows the list shows
    href = await page.get_by_test_id("export-xlsx").get_attribute("data-href")
    assert href is not None and href.startswith("/api/v1/cases/export.xlsx?")
    exported = dict((k, v) for k, v in (p.split("=", 1) for p in href.split("?", 1)[1].split("&")))
    assert exported["category"] and exported["q"] and exported["unit_id"] == "pinghu.danghu"
    async with page.expect_download() as downloading:
        await page.get_by_test_id("export-xlsx").click()
    saved = await (await downloading.value).path()
    sheet = load_workbook(io.BytesIO(Path(saved).read_bytes()), read_only=True).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert rows[0][:2] == ("查询码", "标题")
    assert sorted(row[1] for row in rows[1:]) == [f"水电纠纷{i:02d}" for i in (1, 3, 5, 7, 9)]


async def test_kpi_tiles_open_their_lists_and_overdue_says_by_how_much(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    use_policy(stack, '[clocks]\nacceptance = "PT3S"\n[levels]\nvillage = "PT600S"\n')
    late = (await register(stack, title="楼道堆物"))["case_id"]
    use_policy(stack, "")
    timely = (await register(stack, title="噪音扰民"))["case_id"]
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    overdue_list = page.get_by_test_id("list-overdue")
    await expect(case_row(page, "list-overdue", late)).to_be_visible(timeout=30 * SECOND)
    # by how much, and the due time that passed — not the fresh window's due time to come
    cell = case_row(page, "list-overdue", late).get_by_test_id("overdue-by")
    # the list refreshes as the breach and its escalation are projected: wait as for the row
    await expect(cell).to_contain_text("超期 1 天", timeout=30 * SECOND)
    summary = (await stack.get("/api/v1/cases", who="supervisor", overdue="true")).json()
    since = next(c for c in summary["items"] if c["case_id"] == late)["overdue_since"]
    assert datetime.fromisoformat(since) <= datetime.now(UTC)
    await expect(cell).to_contain_text(f"届满 {as_shown(datetime.fromisoformat(since))}")
    await expect(overdue_list).not_to_contain_text("噪音扰民")

    await page.get_by_test_id("kpi-overdue").click()
    await expect(page.locator("#view")).to_have_attribute("data-view", "list")
    assert "overdue=true" in page.url and "unit_id=pinghu.danghu" in page.url
    await expect(case_row(page, "case-list", late)).to_be_visible()
    await expect(case_row(page, "case-list", timely)).to_have_count(0)
    await expect(page.get_by_test_id("filter-overdue")).to_be_checked()
    await page.go_back()
    await page.get_by_test_id("kpi-open").click()
    await expect(case_row(page, "case-list", timely)).to_be_visible()
    await expect(case_row(page, "case-list", late)).to_be_visible()
    assert "open=true" in page.url


async def test_alerts_are_grouped_per_case_and_acknowledged_together(
    dashboard: LiveDashboard, page: Page, artifacts
) -> None:
    stack = dashboard.stack
    use_policy(stack, '[clocks]\nacceptance = "PT3S"\n[levels]\nvillage = "PT600S"\n')
    first = await register(stack, title="电梯停运")
    other = await register(stack, title="占道经营")
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    alerts = page.get_by_test_id("list-alerts")
    group = alerts.locator(f'[data-testid="alert-group"][data-case-id="{first["case_id"]}"]')
    others = alerts.locator(f'[data-testid="alert-group"][data-case-id="{other["case_id"]}"]')
    await expect(group.locator(".alert-group-kinds .badge-breach")).to_be_visible(
        timeout=30 * SECOND
    )
    await expect(others.locator(".alert-group-kinds .badge-breach")).to_be_visible(
        timeout=30 * SECOND
    )
    # one line per case, however many alerts it has
    await expect(alerts.locator('[data-testid="alert-group"]')).to_have_count(2)
    count = int(await group.get_attribute("data-count") or 0)
    assert count >= 2  # its warning and its breach (and the escalation's)
    await screenshot(page, artifacts, "12-alerts-grouped")

    await group.get_by_test_id("ack-all").click()
    await expect(group).to_have_count(0)
    await expect(page.locator(".toast", has_text="已确认")).to_be_visible()
    listed = (await stack.get("/api/v1/alerts", who="supervisor", acknowledged="false")).json()
    assert not any(a["case_id"] == first["case_id"] for a in listed["items"])
    assert any(a["case_id"] == other["case_id"] for a in listed["items"])
    await expect(others).to_be_visible()


async def test_the_case_page_prints_as_a_record(dashboard: LiveDashboard, page: Page, artifacts):
    stack = dashboard.stack
    case_id = (await register(stack, title="小区绿化被占"))["case_id"]
    await sign_in(page, dashboard.url, dashboard.tokens["supervisor"])
    await page.goto(f"{dashboard.url}/dashboard/cases/{case_id}")
    await expect(page.locator("h1.case-title")).to_have_text("小区绿化被占")
    await expect(page.get_by_test_id("print-case")).to_be_visible()
    await page.emulate_media(media="print")
    await expect(page.locator(".top-bar")).to_be_hidden()
    await expect(page.get_by_test_id("case-actions")).to_be_hidden()
    await expect(page.get_by_test_id("print-case")).to_be_hidden()
    await expect(page.get_by_test_id("clock-ledger")).to_be_visible()
    await expect(page.get_by_test_id("event-timeline")).to_be_visible()
    await page.pdf(path=str(artifacts / "13-case-print.pdf"))
    await page.emulate_media(media="screen")
    await expect(page.get_by_test_id("case-actions")).to_be_visible()
