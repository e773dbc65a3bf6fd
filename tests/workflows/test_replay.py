"""Replay every saved history with today's workflow code.

A change that would break running cases (a non-deterministic change) fails here. Refresh the
histories deliberately, only when no case started under the old code is still running, with:

    PETITIONFLOW_REFRESH_HISTORIES=1 .venv/bin/pytest tests/workflows

Otherwise guard the change with ``workflow.patched()`` (see README).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from petitionflow.temporal import DATA_CONVERTER
from workflows.alert import AlertWorkflow
from workflows.alert_sweep import AlertSweepWorkflow
from workflows.petition import PetitionWorkflow

FOLDER = Path(__file__).with_name("histories")
# alert-* folders hold AlertWorkflow histories (tests/workflows/test_alert_workflow.py), sweep-*
# folders the alert sweep's (tests/workflows/test_alert_sending.py)
HISTORIES = sorted(
    p for p in FOLDER.glob("*/*.json") if not p.parent.name.startswith(("alert-", "sweep-"))
)
ALERT_HISTORIES = sorted(FOLDER.glob("alert-*/*.json"))
SWEEP_HISTORIES = sorted(FOLDER.glob("sweep-*/*.json"))
SWEEP_SCENARIOS = {"nothing_due", "renotified", "acknowledged", "batches"}
SCENARIOS = {
    "happy_path",
    "acceptance_breach",
    "extension",
    "suspension",
    "forwarding",
    "appeal",
    "after_continue_as_new",
}
ALERT_SCENARIOS = {
    "first_sending_on_every_channel",
    "first_sending_looked_up",
    "renotified_until_acked",
    "acknowledged_by_signal",
    "sent_once_without_renotify",
    "delivery_retried_with_backoff",
    "channel_gone_not_retried",
    "delivery_given_up",
    "lookup_retried",
    "acknowledged_before_sending_lookup",
    "acknowledged_before_sending_first_targets",
    "no_channels",
}


@pytest.mark.parametrize(
    "generation",
    [
        "v1",
        "v2-search-attributes",
        "v3-settled-projection",
        "v4-batched-outbox",
        "v5-law-every-path",
        "v6-inline-clocks",
    ],
)
def test_histories_of_every_behaviour_are_kept(generation: str) -> None:
    assert {p.stem for p in HISTORIES if p.parent.name == generation} >= SCENARIOS


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
async def test_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"petition-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[PetitionWorkflow], data_converter=DATA_CONVERTER)
    # v1 histories predate search attributes and replay through the patch's old branch
    await replayer.replay_workflow(history)


@pytest.mark.parametrize("generation", ["alert-v1"])
def test_alert_histories_of_every_behaviour_are_kept(generation: str) -> None:
    assert {p.stem for p in ALERT_HISTORIES if p.parent.name == generation} >= ALERT_SCENARIOS


@pytest.mark.parametrize(
    "path", ALERT_HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in ALERT_HISTORIES]
)
async def test_alert_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"alert-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[AlertWorkflow], data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(history)


def test_sweep_histories_of_every_behaviour_are_kept() -> None:
    assert {p.stem for p in SWEEP_HISTORIES if p.parent.name == "sweep-v1"} >= SWEEP_SCENARIOS


@pytest.mark.parametrize(
    "path", SWEEP_HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in SWEEP_HISTORIES]
)
async def test_sweep_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"sweep-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[AlertSweepWorkflow], data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(history)
