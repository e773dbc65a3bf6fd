"""The petition's content is kept: the case shows what was registered (诉求内容), and each repeat
visit keeps its own channel, day of receipt, title and text on the timeline."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack, resident_id

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def visits(api: Stack, case_id: str, count: int) -> list[dict[str, Any]]:
    for _ in range(100):
        timeline = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
        found = [e for e in timeline if e["action"] == "visit"]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id}: {count} visit(s) never projected")


async def test_the_case_shows_its_description(api: Stack) -> None:
    text = "物业公司自2026年起擅自上调物业费，业主多次协商未果。\n请求恢复原收费标准。"
    registered = await api.register(description=text)
    assert registered.status_code == 201, registered.text
    case = registered.json()
    assert case["description"] == text
    await wait_listed(api, case["case_id"], "registered")
    assert (await api.get(f"/api/v1/cases/{case['case_id']}")).json()["description"] == text
    accepted = await api.act(case["case_id"], "accept")
    assert accepted.json()["description"] == text  # every answer with the snapshot has it


async def test_each_visit_keeps_its_channel_day_title_and_text(api: Stack) -> None:
    person = resident_id()
    first = (await api.register(petitioner_id_number=person)).json()
    await wait_listed(api, first["case_id"], "registered")
    yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    repeat = await api.register(
        petitioner_id_number=person,
        channel="letter",
        received_on=yesterday.isoformat(),
        title="物业费仍未退还",
        description="第二次来信：物业公司至今未退还多收的费用。",
    )
    assert repeat.status_code == 200, repeat.text
    again = await api.register(
        petitioner_id_number=person, channel="phone", title="电话催办", description=""
    )
    assert again.status_code == 200 and again.json()["visit_count"] == 3

    # The case keeps what it was registered with...
    case = (await api.get(f"/api/v1/cases/{first['case_id']}")).json()
    assert (case["title"], case["description"], case["channel"]) == (
        first["title"],
        first["description"],
        "visit",
    )
    # ...and each visit its own, on its event.
    letter, call = await visits(api, first["case_id"], 2)
    assert letter["params"] == {
        "channel": "letter",
        "received_on": yesterday.isoformat(),
        "title": "物业费仍未退还",
        "description": "第二次来信：物业公司至今未退还多收的费用。",
        "visit_count": 2,
        "received_unit_id": "pinghu.danghu.dongmen",  # where it was received (越级访 if above)
    }
    assert call["params"] == {
        "channel": "phone",
        "title": "电话催办",
        "visit_count": 3,
        "received_unit_id": "pinghu.danghu.dongmen",
    }
