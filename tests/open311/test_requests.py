"""Service requests end to end: a submission becomes a case whose workflow runs; reads follow the
case as it moves, in both formats, and show nobody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from temporalio.client import WorkflowExecutionStatus

from models.daycount import WorkCalendar
from models.tables import CaseRow
from tests.open311.conftest import UNIT, Open311Stack, both, read

SHANGHAI = ZoneInfo("Asia/Shanghai")

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def due(snapshot: dict, clock: str) -> datetime:
    return at(next(d["due_at"] for d in snapshot["deadlines"] if d["clock"] == clock))


async def submitted(stack: Open311Stack, **fields) -> tuple[str, str]:
    """(service_request_id, case_id) of a new submission, once it is projected."""
    r = await stack.submit(**fields)
    assert r.status_code == 201, r.text
    code = read(r)[0]["service_request_id"]
    return code, await stack.case_id_of(code)


async def the_request(stack: Open311Stack, code: str) -> dict:
    [found] = read(await stack.o311(f"requests/{code}.json"))
    return found


async def test_a_submission_is_a_case_whose_workflow_runs(o311: Open311Stack) -> None:
    r = await o311.submit(
        lat="30.7", long="121.01", account_id="acct-7", media_url="https://img.example/1.jpg"
    )
    assert r.status_code == 201, r.text
    [created] = read(r)
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    assert created["account_id"] == "acct-7"
    assert "书面告知是否受理" in created["service_notice"]
    code = created["service_request_id"]

    case_id = await o311.case_id_of(code)
    snap = (await o311.get(f"/api/v1/cases/{case_id}")).json()  # the key unit's officer
    assert snap["tracking_code"] == code and snap["state"] == "registered"
    assert (snap["category"], snap["channel"], snap["kind"], snap["severity"]) == (
        "物业纠纷",
        "online",
        "claim",
        "minor",
    )
    assert snap["unit_id"] == UNIT and snap["level"] == "village"
    timeline = (await o311.get(f"/api/v1/cases/{case_id}/timeline")).json()
    assert timeline[0]["actor"] == f"open311:{o311.key_id}"
    with Session(o311.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        assert row.description.startswith("小区电梯长期故障")
        for line in (
            "【涉及人数】1人",
            "【事发地点】东门社区阳光小区（纬度 30.7，经度 121.01）",
            "【来源】Open311（12345热线）",
            "【附件】https://img.example/1.jpg",
        ):
            assert line in row.description
        assert row.petitioner_name == "匿名"

    workflow = await o311.env.client.get_workflow_handle(f"petition-{case_id}").describe()
    assert workflow.status == WorkflowExecutionStatus.RUNNING
    assert (await o311.act(case_id, "accept")).status_code == 200

    as_xml = await o311.submit("xml", **{"attribute[people]": "few"})
    assert as_xml.status_code == 201
    root, [created] = read(as_xml)
    assert root == "service_requests"
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    assert created["account_id"] is None and len(created["service_request_id"]) == 16


async def test_reads_show_the_state_but_nobody(o311: Open311Stack) -> None:
    code, case_id = await submitted(
        o311,
        first_name="五",
        last_name="王",
        phone="13812345678",
        address_string="东门社区3号",
        description="王五反映小区物业费争议",
    )
    snap = await o311.settled(case_id)
    [one] = await both(o311, f"requests/{code}", "service_requests")
    assert list(one) == REQUEST_FIELDS
    assert (one["service_request_id"], one["status"], one["status_notes"]) == (
        code,
        "open",
        "已登记待受理",
    )
    assert (one["service_code"], one["service_name"]) == ("property", "物业纠纷")
    assert one["agency_responsible"] == "东门社区"
    assert at(one["expected_datetime"]) == due(snap, "acceptance")
    assert one["expected_datetime"].endswith("+08:00")  # the policy's time zone
    assert at(one["requested_datetime"]) == at(snap["created_at"]).replace(microsecond=0)
    assert "书面告知是否受理" in one["service_notice"]
    listed = await both(o311, "requests", "service_requests", headers=o311.keyed)
    assert listed == [one]

    with Session(o311.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None and row.petitioner_name == "王五"  # 姓在前
    for path in (f"requests/{code}.json", f"requests/{code}.xml", "requests.json", "requests.xml"):
        body = (await o311.o311(path, headers=o311.keyed)).text
        for personal in ("王五", "13812345678", "东门社区3号", "物业费争议", "阳光"):
            assert personal not in body, (path, personal)


async def test_status_follows_the_case(o311: Open311Stack) -> None:
    declined, declined_id = await submitted(o311, description="事项一")
    withdrawn, withdrawn_id = await submitted(o311, description="事项二")
    handled, handled_id = await submitted(o311, description="事项三")
    r = await o311.act(declined_id, "decline", reason="legal_channel", note="应通过诉讼解决")
    assert r.status_code == 200, r.text
    assert (await o311.act(withdrawn_id, "withdraw", note="已协商解决")).status_code == 200
    assert (await o311.act(handled_id, "accept")).status_code == 200
    for case_id in (declined_id, withdrawn_id, handled_id):
        await o311.settled(case_id)

    found = {
        r["service_request_id"]: r
        for r in await both(o311, "requests", "service_requests", headers=o311.keyed)
    }
    assert found[declined]["status"] == "closed"
    assert found[declined]["status_notes"] == (
        "不予受理：该事项应当通过诉讼、仲裁、行政复议等法定途径解决"
    )
    assert found[declined]["expected_datetime"] is None
    assert found[declined]["service_notice"] is None
    # for a closed request, updated_datetime is when it was closed
    timeline = (await o311.get(f"/api/v1/cases/{declined_id}/timeline")).json()
    closed_at = at(timeline[-1]["at"]).replace(microsecond=0)
    assert timeline[-1]["to_state"] == "not_accepted"
    assert at(found[declined]["updated_datetime"]) == closed_at
    assert found[withdrawn]["status"] == "closed"
    assert found[withdrawn]["status_notes"] == "已撤回：信访人已撤回该事项"
    assert (found[handled]["status"], found[handled]["status_notes"]) == ("open", "办理中")

    async def codes(**params) -> set[str]:
        return {
            r["service_request_id"]
            for r in await both(o311, "requests", "service_requests", headers=o311.keyed, **params)
        }

    assert await codes(status="open") == {handled}
    assert await codes(status="closed") == {declined, withdrawn}
    assert await codes(status="open,closed") == {declined, withdrawn, handled}
    assert await codes(service_code="labour") == set()
    assert await codes(service_code="labour,property") == {declined, withdrawn, handled}
    # service_request_id overrides every other filter
    chosen = f"{declined},{handled}"
    assert await codes(service_request_id=chosen, status="closed", service_code="labour") == {
        declined,
        handled,
    }


async def test_expected_datetime_follows_the_running_clock(o311: Open311Stack) -> None:
    code, case_id = await submitted(o311)
    assert (await o311.act(case_id, "accept")).status_code == 200
    handling = due(await o311.settled(case_id), "handling")

    r = await o311.act(case_id, "extend", who="supervisor", days=10, reason="案情复杂")
    assert r.status_code == 200, r.text
    extended = due(await o311.settled(case_id), "handling")
    # 延期 counts from the day after the last day, with the rest-day rollover
    last = handling.astimezone(SHANGHAI).date() - timedelta(days=1) + timedelta(days=10)
    while not WorkCalendar().is_working_day(last):
        last += timedelta(days=1)
    assert extended == datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    found = await the_request(o311, code)
    assert at(found["expected_datetime"]) == extended
    assert "办理完毕" in found["service_notice"]

    # 中止: the hearing's time is not counted and its end is unknown, so there is no date
    # while it lasts (a stale one would mislead), only the pause
    assert (await o311.act(case_id, "suspend", reason="hearing", note="听证")).status_code == 200
    await o311.settled(case_id)
    found = await the_request(o311, code)
    assert (found["status"], found["status_notes"]) == ("open", "中止：听证期间不计入办理期限")
    assert (found["expected_datetime"], found["service_notice"]) == (None, None)
    await asyncio.sleep(1.5)

    assert (await o311.act(case_id, "resume", note="听证结束")).status_code == 200
    resumed = due(await o311.settled(case_id), "handling")
    # whole days: a pause within one day moves nothing (one across local midnight, whole days)
    assert resumed >= extended and resumed.astimezone(SHANGHAI).time() == time(0)
    found = await the_request(o311, code)
    assert at(found["expected_datetime"]) == resumed
    assert found["status_notes"] == "办理中"


async def test_expected_datetime_right_after_accept(o311: Open311Stack) -> None:
    code, case_id = await submitted(o311)
    assert (await o311.act(case_id, "accept")).status_code == 200
    handling = due(await o311.settled(case_id), "handling")
    found = await the_request(o311, code)
    assert found["expected_datetime"] is not None
    assert at(found["expected_datetime"]) == handling


async def test_answers_set_where_the_case_starts_and_its_kind(o311: Open311Stack) -> None:
    group, group_id = await submitted(
        o311,
        service_code="land_acquisition",
        **{"attribute[people]": "group", "attribute[project]": "东湖路拓宽工程"},
    )
    _, urgent_id = await submitted(
        o311,
        service_code="work_safety",
        **{"attribute[people]": None, "attribute[imminent_danger]": "yes"},
    )
    _, polluted_id = await submitted(
        o311,
        service_code="environment",
        **{"attribute[people]": None, "attribute[pollution][]": ["water", "noise"]},
    )
    other, other_id = await submitted(
        o311, service_code="other", **{"attribute[people]": None, "attribute[kind]": "suggestion"}
    )
    snaps = {i: await o311.settled(i) for i in (group_id, urgent_id, polluted_id, other_id)}
    # 集体访 and urgent risks start at the county (小事不出村、大事不出镇、矛盾不上交)
    assert (snaps[group_id]["severity"], snaps[group_id]["unit_id"]) == ("group", "pinghu")
    assert (snaps[urgent_id]["severity"], snaps[urgent_id]["level"]) == ("urgent", "county")
    assert (await the_request(o311, group))["agency_responsible"] == "平湖市"
    assert snaps[polluted_id]["kind"] == "report" and snaps[polluted_id]["severity"] == "minor"
    assert (snaps[other_id]["kind"], snaps[other_id]["category"]) == ("suggestion", "其他")
    assert (await the_request(o311, other))["service_code"] == "other"
    with Session(o311.engine) as session:
        assert "【污染类型】水污染、噪声污染" in session.get(CaseRow, polluted_id).description
        assert "【涉及的征收项目名称】东湖路拓宽工程" in session.get(CaseRow, group_id).description


async def test_categories_outside_the_catalogue_are_other(o311: Open311Stack) -> None:
    r = await o311.register(category="医疗纠纷")  # through /api/v1, free-text category
    code = r.json()["tracking_code"]
    await o311.case_id_of(code)
    found = await the_request(o311, code)
    assert (found["service_code"], found["service_name"]) == ("other", "其他")
    listed = read(await o311.o311("requests.json", headers=o311.keyed, service_code="other"))
    assert [r["service_request_id"] for r in listed] == [code]
    assert read(await o311.o311("requests.json", headers=o311.keyed, service_code="property")) == []


async def test_the_90_day_window(o311: Open311Stack) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    code, _ = await submitted(o311)
    now = datetime.now(UTC)

    async def codes(**params) -> set[str]:
        listed = await o311.o311("requests.json", headers=o311.keyed, **params)
        return {r["service_request_id"] for r in read(listed)}

    assert await codes() == {code}
    assert await codes(start_date=(now + timedelta(hours=1)).isoformat()) == set()
    assert await codes(end_date=(now - timedelta(hours=1)).isoformat()) == set()
    assert await codes(start_date=(now - timedelta(days=1)).isoformat()) == {code}
    assert await codes(end_date=(now + timedelta(days=1)).isoformat()) == {code}
    # given alone, end_date means the 90 days before it
    assert await codes(end_date=(now + timedelta(days=91)).isoformat()) == set()
    window = {
        "start_date": (before - timedelta(days=89)).isoformat(),
        "end_date": before.isoformat(),
    }
    assert await codes(**window) == set()  # created after the window's end
    window["end_date"] = (now + timedelta(minutes=1)).isoformat()
    assert await codes(**window) == {code}
    assert await codes(start_date="", end_date="", status="") == {code}  # empty = absent
    # an unencoded "+" arrives as a space; the offset is still understood
    late = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    r = await o311.http.get(f"/open311/v2/requests.json?start_date={late}", headers=o311.keyed)
    assert r.status_code == 200 and read(r) == []


async def test_a_paused_request_shows_the_pause_and_no_date(o311: Open311Stack) -> None:
    code, case_id = await submitted(o311)
    assert (await o311.act(case_id, "accept")).status_code == 200
    await o311.settled(case_id)
    assert (await the_request(o311, code))["expected_datetime"] is not None
    assert (await o311.act(case_id, "suspend", reason="appraisal", note="鉴定")).status_code == 200
    await o311.settled(case_id)
    found = await the_request(o311, code)
    assert found["status_notes"].startswith("中止：")
    assert (found["expected_datetime"], found["service_notice"]) == (None, None)
    assert (await o311.act(case_id, "resume", note="鉴定完成")).status_code == 200
    resumed = due(await o311.settled(case_id), "handling")
    assert at((await the_request(o311, code))["expected_datetime"]) == resumed
