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
from workflows.petition import PetitionWorkflow

HISTORIES = sorted(Path(__file__).with_name("histories").glob("*/*.json"))
SCENARIOS = {
    "happy_path",
    "acceptance_breach",
    "extension",
    "suspension",
    "forwarding",
    "appeal",
    "after_continue_as_new",
}


@pytest.mark.parametrize(
    "generation",
    [
        "v1",
        "v2-search-attributes",
        "v3-settled-projection",
        "v4-batched-outbox",
        "v5-law-every-path",
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
