"""Review (复查) and re-review (复核), with a hearing suspension, and a request out of time."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from tests.workflows.cases import CaseDriver
from tests.workflows.history_checks import save_history


def deadline_of(snap, clock: str):
    return next(d for d in snap.deadlines if d.clock == clock and d.status == "running")


async def replied_case(driver: CaseDriver, unit_id: str = "pinghu.danghu.dongmen"):
    handle = await driver.start(unit_id=unit_id)
    await driver.act(handle, "accept")
    await driver.act(handle, "assess", claim="reasonable")
    await driver.act(handle, "complete_track", track="resolution")
    await driver.act(handle, "reply", summary="答复")
    return handle


async def test_review_and_re_review_go_up_the_tree_to_closing(driver: CaseDriver) -> None:
    """信访工作条例: 复查 by the organ one level up, 复核 by the next level up — never by the
    unit that replied (observed: the replying officer recorded both opinions)."""
    village, town, county = "pinghu.danghu.dongmen", "pinghu.danghu", "pinghu"
    handle = await replied_case(driver)
    await driver.act(handle, "feedback", rating="unsatisfied", unit=village)
    snap = await driver.act(handle, "request_review", note="申请复查", unit=village)
    assert (snap.state, snap.unit_id, snap.level) == ("under_review", town, "town")
    assert deadline_of(snap, "review").unit_id == town
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the replying unit: not its case now
        await driver.act(handle, "review_opinion", decision="upheld", summary="x", unit=village)
    assert err.value.cause.type == "NotInScope"  # type: ignore[union-attr]
    await driver.act(handle, "review_opinion", decision="upheld", summary="维持原答复", unit=town)
    snap = await driver.act(handle, "request_re_review", unit=town)
    assert (snap.state, snap.unit_id, snap.level) == ("under_re_review", county, "county")
    with pytest.raises(WorkflowUpdateFailedError):
        await driver.act(handle, "re_review_opinion", decision="x", summary="x", unit=town)
    snap = await driver.act(handle, "suspend", reason="hearing", note="听证", unit=county)
    assert snap.state == "suspended"
    await driver.sleep(days=5)
    snap = await driver.act(handle, "resume", unit=county)
    assert snap.state == "under_re_review"
    re_review = next(d for d in snap.deadlines if d.clock == "re_review")
    assert re_review.paused[0]["reason"] == "hearing"  # hearing time is not counted
    snap = await driver.act(
        handle, "re_review_opinion", decision="revised", summary="变更", unit=county
    )
    assert snap.state == "closed"
    assert [o.stage for o in snap.opinions] == ["reply", "review", "re_review"]
    assert {d.status for d in snap.deadlines} == {"met"}
    events = await driver.projected(handle)
    assert [e.action for e in events][-8:] == [
        "reply",
        "feedback",
        "request_review",
        "review_opinion",
        "request_re_review",
        "suspend",
        "resume",
        "re_review_opinion",
    ]
    requests = {e.action: e.params for e in events if e.action.startswith("request_")}
    assert requests["request_review"]["review_by"] == town
    assert requests["request_re_review"]["review_by"] == county
    kinds = [a.kind for a in driver.alerts(snap.case_id)]
    assert kinds == ["unsatisfied"]
    await driver.save_history(handle, "appeal")


async def test_review_of_a_top_unit_reply_is_recorded_for_the_outside_organ(
    driver: CaseDriver,
) -> None:
    """No unit above the county in the tree: the case stays tracked at the county, whose
    supervisors record the opinion the outside organ sends; the timeline says so."""
    handle = await replied_case(driver, unit_id="pinghu")
    snap = await driver.act(handle, "request_review", unit="pinghu")
    assert (snap.state, snap.unit_id) == ("under_review", "pinghu")
    assert "review_opinion" not in snap.allowed_actions["officer"]
    assert "review_opinion" in snap.allowed_actions["supervisor"]
    assert deadline_of(snap, "review").status == "running"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await driver.act(handle, "review_opinion", decision="upheld", summary="x")
    assert err.value.cause.type == "Forbidden"  # type: ignore[union-attr]
    snap = await driver.act(
        handle, "review_opinion", role="supervisor", decision="upheld", summary="嘉兴市复查意见"
    )
    assert snap.state == "reviewed"
    events = await driver.projected(handle)
    request = next(e for e in events if e.action == "request_review")
    assert request.params["review_by"] == "outside"


async def test_request_after_the_window_is_rejected(driver: CaseDriver) -> None:
    handle = await replied_case(driver)
    replied = await driver.snapshot(handle)
    reply_at = replied.opinions[-1].at
    assert reply_at is not None
    await driver.act(  # the window runs from the delivery of the reply (送达)
        handle,
        "deliver",
        document_id=f"doc-{replied.event_seq}",
        method="mail",
        delivered_on=str(reply_at.astimezone(ZoneInfo("Asia/Shanghai")).date()),
    )
    window = next(
        d for d in (await driver.snapshot(handle)).deadlines if d.clock == "review_window"
    )
    assert window.due_at - window.started_at >= timedelta(days=30)
    await driver.sleep(days=32)
    snap = await driver.snapshot(handle)
    assert snap.state == "closed"  # the window lapsed: 办结 by itself
    assert snap.allowed_actions == {"officer": [], "supervisor": [], "admin": [], "petitioner": []}
    # A closed workflow takes no more updates; the API answers 409 from the snapshot.
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await driver.act(handle, "request_review")
    assert (await driver.snapshot(handle)).state == "closed"
    events = await driver.projected(handle)
    assert events[-1].action == "auto_close"
    assert [e.action for e in events][-2:] == ["deliver", "auto_close"]
    await save_history(handle, "delivery-v1", "reply_delivered_window_lapsed")
