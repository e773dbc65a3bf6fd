"""The documents under ``docs/`` stay true to the code: every path of the app's OpenAPI document
is in ``docs/api.md``, its actions table lists every event of the lifecycle machine with its
roles, source states and parameters, and ``docs/domain.md`` names every clock and state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from api.app import create_app
from models.actions import ACTION_PARAMS
from models.clocks import CLOCK_LABELS, ClockName
from models.lifecycle import FINAL_STATES, PetitionLifecycle
from petitionflow.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
API_MD = DOCS / "api.md"
DOMAIN_MD = DOCS / "domain.md"

# The guard that admits a role, and the word the actions table uses for it.
WHO = {
    "by_officer": "officer",
    "by_officer_or_system": "officer",
    "by_supervisor": "supervisor",
    "by_handler": "handler",
    "by_forwarder": "officer",  # and a supervisor past the forwarding cap
    "by_reviewer": "officer",  # and a supervisor when the review organ is outside the tree
    "by_system": "system",
    "by_supervisor_or_system": "supervisor",  # and the workflow itself after a breach at the top
}
EVERY_OPEN_STATE = "any state that is not final"


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("docs"))
    return create_app(settings).openapi()


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    following = re.search(r"\n#{1,3} ", text[start + len(heading) + 2 :])
    return text[start : start + len(heading) + 2 + following.start()] if following else text[start:]


def actions_table() -> dict[str, list[str]]:
    """The rows of ``docs/api.md``'s actions table: action → its cells."""
    rows: dict[str, list[str]] = {}
    for line in _section(API_MD.read_text(encoding="utf-8"), "### Actions").splitlines():
        match = re.match(r"^\| `(\w+)` \|", line)
        if match:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            assert match.group(1) not in rows, f"{match.group(1)} is listed twice"
            rows[match.group(1)] = cells
    return rows


def _backticked(cell: str) -> set[str]:
    return set(re.findall(r"`(\w+)`", cell))


def test_every_openapi_path_is_in_api_md(openapi: dict[str, Any]) -> None:
    text = API_MD.read_text(encoding="utf-8")
    missing = [
        f"{method.upper()} {path}"
        for path, operations in openapi["paths"].items()
        for method in operations
        if f"`{method.upper()} {path}`" not in text
    ]
    assert not missing, f"docs/api.md does not describe: {missing}"


def test_actions_table_lists_every_event_of_the_lifecycle() -> None:
    events = {str(e) for s in PetitionLifecycle.states for t in s.transitions for e in t.events}
    assert set(actions_table()) == events


def test_actions_table_says_who_from_which_states_and_with_which_params() -> None:
    table = actions_table()
    open_states = {s.id for s in PetitionLifecycle.states if s.id not in FINAL_STATES}
    for state in PetitionLifecycle.states:
        for transition in state.transitions:
            for event in map(str, transition.events):
                _, who, states, params = table[event][:4]
                guards = [c.func for c in transition.cond if isinstance(c.func, str)]
                roles = {WHO[g] for g in guards if g.startswith("by_")}
                assert roles and all(role in who for role in roles), (event, who)
                named = open_states if EVERY_OPEN_STATE in states else _backticked(states)
                assert state.id in named, f"{event} from {state.id} is missing in {states!r}"
                if event in ACTION_PARAMS:
                    fields = set(ACTION_PARAMS[event].model_fields)
                    assert fields <= _backticked(params), (event, fields - _backticked(params))


def test_domain_md_names_every_clock_and_state() -> None:
    text = DOMAIN_MD.read_text(encoding="utf-8")
    clocks = set(get_args(ClockName))
    assert clocks == set(CLOCK_LABELS)
    missing = [name for name in sorted(clocks) if f"`{name}`" not in text]
    assert not missing, f"docs/domain.md does not describe the clocks {missing}"
    states = [s.id for s in PetitionLifecycle.states if f"`{s.id}`" not in text]
    assert not states, f"docs/domain.md does not describe the states {states}"


def test_operating_md_lists_every_setting() -> None:
    text = (DOCS / "operating.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in Settings.model_fields
        if f"PETITIONFLOW_{name.upper()}" not in text and f"`_{name.upper()}`" not in text
    ]
    assert not missing, f"docs/operating.md does not list the settings {missing}"
