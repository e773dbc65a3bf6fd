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

HISTORIES = sorted(Path(__file__).with_name("histories").glob("*.json"))


def test_histories_are_kept() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "happy_path",
        "acceptance_breach",
        "extension",
        "suspension",
        "forwarding",
        "appeal",
        "after_continue_as_new",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"petition-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[PetitionWorkflow], data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(history)
