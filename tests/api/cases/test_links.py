"""Linking and merging cases of the same matter (supervisors), through the public API against a
real worker: each recorded on both timelines, a duplicate merged into the case it repeats (visits
combined, closed as merged), and the refusals."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.worker import Replayer

from petitionflow.temporal import data_converter, workflow_id
from tests.api.cases.test_lifecycle import wait_listed
from tests.api.conftest import Stack
from tests.workflows.history_checks import assert_no_failed_workflow_tasks
from workflows.petition import PetitionWorkflow


async def registered(api: Stack, who: str = "officer", **changes: Any) -> str:
    r = await api.register(who, **changes)
    assert r.status_code == 201, r.text
    case_id: str = r.json()["case_id"]
    await wait_listed(api, case_id, "registered", who="admin")
    return case_id


async def well_behaved(api: Stack, *case_ids: str) -> None:
    """No workflow task of these cases failed, and their histories replay (the signals to the
    other case included)."""
    replayer = Replayer(workflows=[PetitionWorkflow], data_converter=data_converter(api.settings))
    for case_id in case_ids:
        handle = api.env.client.get_workflow_handle(workflow_id(case_id))
        await replayer.replay_workflow(await assert_no_failed_workflow_tasks(handle))


async def actions(api: Stack, case_id: str, count: int) -> list[dict[str, Any]]:
    """The timeline once it holds ``count`` events."""
    for _ in range(100):
        events: list[dict[str, Any]] = (
            await api.get(f"/api/v1/cases/{case_id}/timeline", "admin")
        ).json()
        if len(events) >= count:
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id}: fewer than {count} events")


async def test_link_unlink_merge_on_both_timelines_and_refusals(api: Stack) -> None:
    first, duplicate = await registered(api), await registered(api, title="物业费再次反映")
    other_town = await registered(api, "officer_zhapu", unit_id="pinghu.zhapu.tangshan")

    # Refusals change nothing: itself, another town's case, a missing case, an officer.
    itself = await api.act(first, "link", "supervisor", other_case_id=first)
    assert itself.status_code == 422 and "自身" in itself.json()["detail"], itself.text
    across = await api.act(duplicate, "merge", "supervisor", other_case_id=other_town)
    assert across.status_code == 422, across.text
    assert "范围" in across.json()["detail"]
    missing = await api.act(first, "link", "supervisor", other_case_id="no-such-case")
    assert missing.status_code == 422, missing.text
    officer = await api.act(first, "link", "officer", other_case_id=duplicate)
    assert officer.status_code == 403, officer.text
    assert (
        await api.act(first, "unlink", "supervisor", other_case_id=duplicate)
    ).status_code == 409

    linked = await api.act(first, "link", "supervisor", other_case_id=duplicate, note="同一事项")
    assert linked.status_code == 200, linked.text
    assert linked.json()["linked_cases"] == [duplicate]
    assert "unlink" in linked.json()["allowed_actions"]
    events = await actions(api, duplicate, 2)
    assert (events[-1]["action"], events[-1]["params"]["other_case_id"]) == ("linked", first)
    assert (await api.get(f"/api/v1/cases/{duplicate}", "supervisor")).json()["linked_cases"] == [
        first
    ]
    twice = await api.act(first, "link", "supervisor", other_case_id=duplicate)
    assert twice.status_code == 422, twice.text

    unlinked = await api.act(first, "unlink", "supervisor", other_case_id=duplicate)
    assert unlinked.status_code == 200 and unlinked.json()["linked_cases"] == []
    assert (await actions(api, duplicate, 3))[-1]["action"] == "unlinked"

    # The duplicate merged into the case it repeats: closed as merged, its visit counted there.
    merged = await api.act(duplicate, "merge", "supervisor", other_case_id=first, note="重复件")
    assert merged.status_code == 200, merged.text
    assert merged.json()["state"] == "merged" and merged.json()["merged_into"] == first
    assert merged.json()["allowed_actions"] == []
    timeline = await actions(api, first, 4)
    assert [e["action"] for e in timeline][-3:] == ["link", "unlink", "merged_in"]
    assert timeline[-1]["params"]["visits_added"] == 1
    target = (await api.get(f"/api/v1/cases/{first}", "supervisor")).json()
    assert target["visit_count"] == 2 and target["merged_cases"] == [duplicate]
    # The merged case's own events show on the target's combined timeline.
    combined = (
        await api.get(f"/api/v1/cases/{first}/timeline", "supervisor", merged="true")
    ).json()
    assert {e["case_id"] for e in combined} == {first, duplicate}

    # Into a finished case: refused by the machine (409), with the actions still allowed.
    into_merged = await api.act(first, "merge", "supervisor", other_case_id=duplicate)
    assert into_merged.status_code == 409, into_merged.text
    assert "已结束" in into_merged.json()["detail"]
    assert "merge" in into_merged.json()["allowed_actions"]
    await well_behaved(api, first, duplicate, other_town)
