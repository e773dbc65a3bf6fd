"""Review (复查) and re-review (复核), with a hearing suspension, and a request out of time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from tests.workflows.cases import CaseDriver


async def replied_case(driver: CaseDriver):
    handle = await driver.start()
    await driver.act(handle, "accept")
    await driver.act(handle, "assess", claim="reasonable")
    await driver.act(handle, "complete_track", track="resolution")
    await driver.act(handle, "reply", summary="答复")
    return handle


async def test_review_and_re_review_to_closing(driver: CaseDriver) -> None:
    handle = await replied_case(driver)
    await driver.act(handle, "feedback", rating="unsatisfied")
    snap = await driver.act(handle, "request_review", note="申请复查")
    assert snap.state == "under_review"
    await driver.act(handle, "review_opinion", decision="upheld", summary="维持原答复")
    snap = await driver.act(handle, "request_re_review")
    assert snap.state == "under_re_review"
    snap = await driver.act(handle, "suspend", reason="hearing", note="听证")
    assert snap.state == "suspended"
    await driver.sleep(days=5)
    snap = await driver.act(handle, "resume")
    assert snap.state == "under_re_review"
    re_review = next(d for d in snap.deadlines if d.clock == "re_review")
    assert re_review.paused[0]["reason"] == "hearing"  # hearing time is not counted
    snap = await driver.act(handle, "re_review_opinion", decision="revised", summary="变更")
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
    kinds = [a.kind for a in driver.alerts(snap.case_id)]
    assert kinds == ["unsatisfied"]
    await driver.save_history(handle, "appeal")


async def test_request_after_the_window_is_rejected(driver: CaseDriver) -> None:
    handle = await replied_case(driver)
    window = next(
        d for d in (await driver.snapshot(handle)).deadlines if d.clock == "review_window"
    )
    assert window.due_at - window.started_at >= timedelta(days=30)
    await driver.sleep(days=32)
    snap = await driver.snapshot(handle)
    assert snap.state == "closed"  # the window lapsed: 办结 by itself
    assert snap.allowed_actions == {"officer": [], "supervisor": [], "admin": []}
    # A closed workflow takes no more updates; the API answers 409 from the snapshot.
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await driver.act(handle, "request_review")
    assert (await driver.snapshot(handle)).state == "closed"
    events = await driver.projected(handle)
    assert events[-1].action == "auto_close"
