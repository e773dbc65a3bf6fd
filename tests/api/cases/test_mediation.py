"""调解 through the API with a real worker, on both databases: an agreement completes the
resolution track, a failure refers the dispute and lets the case be declined as legal_channel
(访诉分离), the refusals, the parties encrypted at rest, the mediation clock and the statistics."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from activities.mediation import party_field
from models.tables import CasePartyRow
from petitionflow.temporal import workflow_id
from tests.api.alerts.test_alerts import alerts, wait_for
from tests.api.cases.test_documents import documents_listed, pdf_text
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack
from tests.conftest import FIELD_CIPHER
from tests.workflows.history_checks import assert_no_failed_workflow_tasks

CHINA = ZoneInfo("Asia/Shanghai")
PARTIES = [
    {"name": "欧阳明", "role": "业主"},
    {"name": "平湖物业公司", "kind": "organisation", "role": "物业服务企业"},
]
# the mediation window in seconds, the level window long enough not to interfere
FAST_MEDIATION = """
[clocks]
mediation = "PT3S"
[levels]
village = "PT600S"
"""


async def mediating(api: Stack) -> str:
    case_id = (await api.register()).json()["case_id"]
    for action, params in [
        ("accept", {}),
        ("assess", {"claim": "reasonable", "mediation": True}),
        ("start_mediation", {"mediator": "东门社区人民调解委员会", "parties": PARTIES}),
    ]:
        r = await api.act(case_id, action, **params)
        assert r.status_code == 200, (action, r.text)
    return case_id


async def test_agreement_completes_the_resolution_track(api: Stack) -> None:
    case_id = await mediating(api)
    case = (await api.get(f"/api/v1/cases/{case_id}")).json()
    assert case["mediation"]["parties"][0]["name"] == "欧**"  # masked like the petitioner
    assert case["mediation"]["parties"][1]["name"] == "平湖物业公司"  # an organisation
    assert {"record_session", "close_mediation"} <= set(case["allowed_actions"])
    assert "start_mediation" not in case["allowed_actions"]
    assert "mediation" in [d["clock"] for d in case["deadlines"] if d["status"] == "running"]

    started = datetime.fromisoformat(case["mediation"]["started_at"])
    held_on = started.astimezone(CHINA).date().isoformat()  # the day it began, locally
    r = await api.act(case_id, "record_session", held_on=held_on, summary="双方陈述意见")
    assert r.status_code == 200, r.text
    r = await api.act(case_id, "close_mediation", outcome="agreement")  # no terms
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "terms", r.text
    r = await api.act(case_id, "close_mediation", outcome="agreement", terms="物业费按原标准收取")
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["tracks"]["resolution"] == "done"
    assert case["mediation"]["outcome"] == "agreement"
    assert [d["status"] for d in case["deadlines"] if d["clock"] == "mediation"] == ["met"]
    assert [d["status"] for d in case["deadlines"] if d["clock"] == "handling"] == ["running"]

    # the track is done: no second mediation, nothing open to close
    r = await api.act(case_id, "start_mediation", mediator="调解员", parties=PARTIES)
    assert r.status_code == 409 and "reply" in r.json()["allowed_actions"], r.text
    assert "解决问题已到位" in r.json()["detail"]
    r = await api.act(case_id, "close_mediation", outcome="withdrawn")
    assert r.status_code == 409 and "没有进行中的调解" in r.json()["detail"], r.text

    # the timeline: the 调解协议书's terms on record, the parties masked; the names encrypted
    await wait_listed(api, case_id, "handling")

    async def closed_on_timeline():
        events = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
        return events if events[-1]["action"] == "close_mediation" else None

    events = await wait_for(closed_on_timeline)
    start = next(e for e in events if e["action"] == "start_mediation")
    assert [p["name"] for p in start["params"]["parties"]] == ["欧**", "平湖物业公司"]
    assert events[-1]["params"]["terms"] == "物业费按原标准收取"
    with Session(api.engine) as session:
        rows = session.exec(select(CasePartyRow).where(CasePartyRow.case_id == case_id)).all()
    assert len(rows) == 2 and all("欧阳明" not in r.name_enc for r in rows)
    first = next(r for r in rows if r.position == 0)
    assert FIELD_CIPHER.decrypt(first.name_enc, row=case_id, field=party_field(0)) == "欧阳明"

    # the 调解协议书: numbered, naming the parties (unmasked: they sign it), the mediator and the
    # terms; delivered like a notice, though it opens no window
    agreement = (await documents_listed(api, case_id, 2))[-1]
    assert agreement["kind"] == "mediation_agreement", agreement
    assert re.match(r"^东信调〔\d{4}〕\d+号$", agreement["number"]), agreement["number"]
    assert events[-1]["params"]["document"]["sha256"] == agreement["sha256"]
    r = await api.get(agreement["download_url"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = re.sub(r"\s+", "", pdf_text(r.content))
    for fact in [agreement["number"], "调解协议书", "业主：欧阳明", "物业服务企业：平湖物业公司"]:
        assert fact in text, fact
    for fact in ["东门社区人民调解委员会", "物业费按原标准收取", "人民调解法》第二十八条"]:
        assert fact in text, fact
    issued_on = datetime.fromisoformat(agreement["issued_at"]).astimezone(CHINA).date()
    r = await api.act(
        case_id,
        "deliver",
        document_id=agreement["id"],
        method="in_person",
        delivered_on=str(issued_on),
    )
    assert r.status_code == 200, r.text
    running = {d["clock"] for d in r.json()["deadlines"] if d["status"] == "running"}
    assert "review_window" not in running
    docs = await documents_listed(api, case_id, 3)  # and its 送达回证
    assert next(d for d in docs if d["id"] == agreement["id"])["delivered_on"] == str(issued_on)

    await assert_no_failed_workflow_tasks(api.env.client.get_workflow_handle(workflow_id(case_id)))
    stats = (await api.get("/api/v1/stats/mediation", who="supervisor")).json()
    village = next(u for u in stats["units"] if u["unit_id"] == "pinghu.danghu.dongmen")
    assert village["started"] >= 1 and village["agreements"] >= 1
    assert stats["total"]["success_rate"] is not None


async def test_failure_refers_and_the_case_is_declined(api: Stack) -> None:
    case_id = await mediating(api)
    r = await api.act(case_id, "decline", reason="legal_channel")
    assert r.status_code == 409 and "调解不成" in r.json()["detail"], r.text
    r = await api.act(case_id, "close_mediation", outcome="failed")  # no referral
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "referral", r.text
    r = await api.act(case_id, "close_mediation", outcome="failed", referral="litigation")
    assert r.status_code == 200 and "decline" in r.json()["allowed_actions"], r.text
    r = await api.act(case_id, "decline", reason="out_of_scope")
    assert r.status_code == 409, r.text
    r = await api.act(case_id, "decline", reason="legal_channel", note="告知向人民法院起诉")
    assert r.status_code == 200 and r.json()["state"] == "not_accepted", r.text
    await wait_listed(api, case_id, "not_accepted")
    events = (await api.get(f"/api/v1/cases/{case_id}/timeline")).json()
    assert events[-1]["params"]["referral"] == "litigation"
    stats = (await api.get("/api/v1/stats/mediation", who="supervisor")).json()
    assert stats["total"]["referrals"]["litigation"] >= 1
    await assert_no_failed_workflow_tasks(api.env.client.get_workflow_handle(workflow_id(case_id)))


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)  # the clock, not the database
async def test_mediation_window_breach_alerts_without_escalating(stack: Stack) -> None:
    stack.use_policy(FAST_MEDIATION)
    async with stack.run_worker():
        case_id = await mediating(stack)

        async def breached():
            found = await alerts(stack, kind="breach", unit_id="pinghu.danghu.dongmen")
            return [a for a in found if a["case_id"] == case_id]

        breach = (await wait_for(breached))[0]
        assert breach["clock_id"] == "mediation#1" and "调解时限" in breach["message"]
        case = (await stack.get(f"/api/v1/cases/{case_id}")).json()
        assert case["level"] == "village" and case["escalations"] == []
        assert case["state"] == "handling" and "close_mediation" in case["allowed_actions"]
        handling = next(d for d in case["deadlines"] if d["clock"] == "handling")
        assert handling["status"] == "running" and handling["extension"] is None
