"""Excel exports of the case list and of the statistics, opened with openpyxl: the rows the list
and the statistics answer, Chinese headers, times in Asia/Shanghai in one notation (a due time
as "YYYY-MM-DD 24:00"), personal data masked only."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from api.exports import service
from models.vocabulary import LEVEL_LABELS, Level
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "查询码", "标题", "类别", "信访类型", "紧急程度", "信访形式", "状态", "层级", "承办单位",
    "承办人", "信访人", "身份证号", "联系电话", "登记时间", "最近期限", "超期", "预警", "信访次数",
]  # fmt: skip
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def sheet_rows(response: httpx.Response, title: str | None = None) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book[title] if title else book.worksheets[0]
    assert isinstance(sheet, Worksheet) or hasattr(sheet, "iter_rows")
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def shown_due(instant: str) -> str:
    """The due time as people read it, worked out here: local midnight is 24:00 of the day
    before."""
    local = datetime.fromisoformat(instant).astimezone(SHANGHAI)
    assert (local.hour, local.minute) == (0, 0)  # whole-day periods end at midnight
    return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"


async def registered(api: Stack) -> dict[str, Any]:
    people = [
        {"name": "陈静怡", "id_number": resident_id(), "phone": "13911112222"},
        {"name": "李建国", "id_number": resident_id(), "phone": "13933334444"},
    ]
    village = await api.register(
        **{f"petitioner_{k}": v for k, v in people[0].items()}, title="楼道堆物"
    )
    # A minor matter brought to the town: it stays there, above its level (越级访).
    town = await api.register(
        "officer_town",
        unit_id="pinghu.danghu",
        title="噪音扰民",
        **{f"petitioner_{k}": v for k, v in people[1].items()},
    )
    zhapu = await api.register("officer_zhapu", unit_id="pinghu.zhapu.tangshan", title="道路破损")
    ids = {}
    for name, r, who in [
        ("village", village, "officer"),
        ("town", town, "officer_town"),
        ("zhapu", zhapu, "officer_zhapu"),
    ]:
        assert r.status_code == 201, r.text
        ids[name] = r.json()["case_id"]
        await wait_listed(api, ids[name], "registered", who=who)
    assert (await api.act(ids["village"], "accept")).status_code == 200
    await wait_listed(api, ids["village"], "handling")
    return {"ids": ids, "people": people}


async def test_case_list_export_holds_the_lists_rows(
    api: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await registered(api)
    ids = made["ids"]
    export = await api.get("/api/v1/cases/export.xlsx", "supervisor")
    assert export.headers["petitionflow-export-truncated"] == "false"
    rows = sheet_rows(export)
    assert rows[0] == HEADERS
    listed = (await api.get("/api/v1/cases", "supervisor", limit=200)).json()["items"]
    assert [r[0] for r in rows[1:]] == [c["tracking_code"] for c in listed]  # newest first
    assert {c["case_id"] for c in listed} == {ids["village"], ids["town"]}  # not zhapu's
    by_code = {r[0]: dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
    for case in listed:
        row = by_code[case["tracking_code"]]
        assert row["标题"] == case["title"]
        created = datetime.fromisoformat(case["created_at"]).astimezone(SHANGHAI)
        assert row["登记时间"] == f"{created:%Y-%m-%d %H:%M}" and MINUTE.match(row["登记时间"])
        assert row["最近期限"] == shown_due(case["next_due_at"])
        assert row["信访次数"] == case["visit_count"] == 1
        assert row["超期"] == row["预警"] == "否"
    village = next(r for r in by_code.values() if r["标题"] == "楼道堆物")
    assert (village["状态"], village["层级"], village["承办单位"]) == (
        "办理中",
        LEVEL_LABELS[Level.village][0],
        "东门社区",
    )
    assert (village["信访人"], village["联系电话"]) == ("陈**", "139****2222")
    assert (
        village["身份证号"]
        == made["people"][0]["id_number"][:6] + "********" + made["people"][0]["id_number"][-4:]
    )
    cells = " ".join(str(v) for r in rows for v in r)
    for person in made["people"]:
        for value in person.values():
            assert value not in cells  # masked only

    # The list's filters, and the caller's scope.
    handling = sheet_rows(
        await api.get("/api/v1/cases/export.xlsx", "supervisor", state="handling")
    )
    assert [r[1] for r in handling[1:]] == ["楼道堆物"]
    own = sheet_rows(await api.get("/api/v1/cases/export.xlsx", "officer_zhapu"))
    assert [r[1] for r in own[1:]] == ["道路破损"]

    # All pages up to the cap; beyond it the header and a last line say so.
    monkeypatch.setattr(service, "MAX_EXPORT_ROWS", 1)
    capped = await api.get("/api/v1/cases/export.xlsx", "admin")
    assert capped.headers["petitionflow-export-truncated"] == "true"
    capped_rows = [r for r in sheet_rows(capped) if any(v is not None for v in r)]
    newest = (await api.get("/api/v1/cases", "admin", limit=1)).json()["items"][0]
    assert len(capped_rows) == 3 and capped_rows[1][0] == newest["tracking_code"]
    assert "仅导出前 1 件" in capped_rows[2][0]

    # Every export is on the access log, an entry per case it held (masked data is still theirs).
    log = (await api.get("/api/v1/pii-access-log", "admin", kind="export", limit=1000)).json()
    by_supervisor = [e for e in log if e["user_id"] == "u-supervisor"]
    assert {e["case_id"] for e in by_supervisor} == {ids["village"], ids["town"]}
    assert len(by_supervisor) == 3  # the whole list (2 cases), then the handling one
    assert by_supervisor[-1]["reason"] == "导出案件列表（2 件）"
    assert [e["case_id"] for e in log if e["user_id"] == "u-admin"] == [newest["case_id"]]

    bad = await api.get("/api/v1/cases/export.xlsx", "supervisor", state="lost")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert (await api.get("/api/v1/cases/export.xlsx", None)).status_code == 401


async def test_statistics_export_holds_the_figures(api: Stack) -> None:
    made = await registered(api)
    timeline = await api.get(f"/api/v1/cases/{made['ids']['town']}/timeline", "officer_town")
    assert timeline.json()[0]["params"]["level"] == "town"  # where it started, kept
    today = datetime.now(SHANGHAI).date().isoformat()
    period = {"from": today, "to": today}
    stats = (await api.get("/api/v1/stats", "supervisor", **period)).json()
    kpi = (await api.get("/api/v1/stats/assessment", "supervisor", **period)).json()
    assert kpi["total"]["intake"] == 2 and kpi["total"]["over_level"] == 1
    assert kpi["total"]["acceptance_decided"] == kpi["total"]["accepted_on_time"] == 1
    assert [u["unit_id"] for u in kpi["ranking"]] == ["pinghu.danghu.dongmen"]

    export = await api.get("/api/v1/stats/export.xlsx", "supervisor", **period)
    book = load_workbook(io.BytesIO(export.content), read_only=True)
    assert book.sheetnames == ["在办概况", "期间统计", "考核指标", "单位排名"]
    overview = dict(r[:2] for r in sheet_rows(export, "在办概况") if r[0])
    assert overview["统计单位"] == "当湖街道"
    assert overview["在办案件"] == stats["workload"]["open"] == 2
    assert MINUTE.match(overview["统计时点"])
    figures = dict(r[:2] for r in sheet_rows(export, "考核指标") if r[0])
    assert figures["登记件数"] == kpi["total"]["intake"]
    assert figures["越级访件数"] == kpi["total"]["over_level"]
    assert figures["越级访率"] == f"{kpi['total']['over_level_rate'] * 100:.1f}%"
    assert figures["按期受理率"] == "100.0%"
    assert figures["一次性化解率"] == "—"  # nothing closed
    assert figures["统计区间"] == f"{today} 00:00 至 {today} 24:00"
    ranking = sheet_rows(export, "单位排名")
    assert ranking[0][:4] == ["排名", "单位", "层级", "综合得分"]
    assert [r[1] for r in ranking[1:]] == [u["unit_name"] for u in kpi["ranking"]]
    period_sheet = dict(r[:2] for r in sheet_rows(export, "期间统计") if r[0])
    assert period_sheet["登记"] == stats["period"]["intake"]

    outside = await api.get("/api/v1/stats/export.xlsx", "supervisor", unit_id="pinghu.zhapu")
    assert outside.status_code == 404
