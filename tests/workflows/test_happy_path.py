from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.conftest import FIELD_CIPHER
from tests.workflows.cases import CaseDriver


async def test_happy_path_to_automatic_closing(driver: CaseDriver) -> None:
    handle = await driver.start()
    snap = await driver.snapshot(handle)
    assert snap.state == "registered"
    assert snap.petitioner.id_number == "330482********123X"
    assert [d.clock for d in snap.deadlines] == ["acceptance", "level"]

    await driver.act(handle, "accept", note="受理")
    await driver.act(
        handle, "assess", claim="partly_reasonable", hardship=True, unlawful_conduct=False
    )
    for track in ("resolution", "education", "assistance"):
        await driver.act(handle, "complete_track", track=track)
    snap = await driver.act(handle, "reply", summary="书面答复意见")
    assert snap.state == "replied"
    assert snap.allowed_actions["officer"] == ["feedback", "request_review", "withdraw", "deliver"]
    await driver.act(handle, "feedback", rating="satisfied")
    reply_at = snap.opinions[-1].at
    assert reply_at is not None
    await driver.act(  # the review window runs from the reply's delivery (送达)
        handle,
        "deliver",
        document_id=f"doc-{snap.event_seq}",
        method="in_person",
        delivered_on=str(reply_at.astimezone(ZoneInfo("Asia/Shanghai")).date()),
    )

    final = await handle.result()  # the time-skipping server runs out the 30-day review window
    assert final.state == "closed"
    statuses = {d.id: d.status for d in final.deadlines}
    assert statuses == {
        "acceptance#1": "met",
        "level#1": "met",
        "handling#1": "met",
        "delivery#1": "met",
        "review_window#1": "met",
    }
    events = await driver.projected(handle)
    assert [e.action for e in events] == [
        "register",
        "accept",
        "assess",
        "complete_track",
        "complete_track",
        "complete_track",
        "reply",
        "feedback",
        "deliver",
        "auto_close",
    ]
    assert [(e.from_state, e.to_state) for e in events][-2:] == [
        ("replied", "replied"),
        ("replied", "closed"),
    ]
    assert events[1].actor == "u-officer"
    row = driver.case_row(final.case_id)
    assert row.state == "closed"
    assert FIELD_CIPHER.open(row.case_id, row)["name"] == "张三丰"  # once, at registration
    assert driver.alerts(final.case_id) == []
    await driver.save_history(handle, "happy_path")
