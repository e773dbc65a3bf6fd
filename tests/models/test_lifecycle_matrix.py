"""Every (state, action, role) against the table of ``API.md`` › Actions.

The table below is copied from the spec, not from the machine: the test checks that the machine
agrees with the contract.
"""

from __future__ import annotations

import pytest

from models.errors import Forbidden, InvalidTransition
from models.lifecycle import PetitionLifecycle
from tests.models.builders import CONTEXT, T0, VALID_PARAMS, case_in

STATES = [
    "registered",
    "handling",
    "suspended",
    "replied",
    "under_review",
    "reviewed",
    "under_re_review",
    "closed",
    "not_accepted",
    "withdrawn",
    "merged",
]
OPEN = set(STATES) - {"closed", "not_accepted", "withdrawn", "merged"}

# API.md "allowed when" column.
ALLOWED_IN: dict[str, set[str]] = {
    "accept": {"registered"},
    "decline": {"registered", "handling"},  # in handling: after a failed mediation (访诉分离)
    "forward": {"registered", "handling"},
    "assign": {"handling"},
    "assess": {"handling"},
    "complete_track": {"handling"},
    "extend": {"handling"},
    "suspend": {"handling", "under_re_review"},
    "resume": {"suspended"},
    "escalate": {"handling"},
    "reply": {"handling"},
    "feedback": {"replied", "reviewed"},
    "reopen": {"replied"},
    "request_review": {"replied"},
    "review_opinion": {"under_review"},
    "request_re_review": {"reviewed"},
    "re_review_opinion": {"under_re_review"},
    "withdraw": OPEN,
    "supervise": OPEN,
    "respond_supervision": OPEN,
    "assign_leader": OPEN,
    "start_mediation": {"handling"},
    "record_session": {"handling"},
    "close_mediation": {"handling"},
    "link": OPEN,
    "unlink": OPEN,
    "merge": OPEN,
}
# API.md / DOMAIN.md roles: extend and reopen are supervisor actions; supervisors also reassign
# and escalate; admins do everything.
ROLES_FOR: dict[str, set[str]] = {action: {"officer", "admin"} for action in ALLOWED_IN} | {
    "extend": {"supervisor", "admin"},
    "reopen": {"supervisor", "admin"},
    "assign": {"officer", "supervisor", "admin"},
    "escalate": {"officer", "supervisor", "admin"},
    "decline": {"officer", "admin", "system"},  # the service declines repeat_final matters
    "supervise": {"supervisor", "admin", "system"},  # and issues 督办单 after a breach at the top
    "assign_leader": {"supervisor", "admin"},
    "link": {"supervisor", "admin"},
    "unlink": {"supervisor", "admin"},
    "merge": {"supervisor", "admin"},
}
# The petitioner online (tracking code + one-time code): rating and review requests.
for _online in ("feedback", "request_review", "request_re_review"):
    ROLES_FOR[_online] = ROLES_FOR[_online] | {"petitioner"}
ROLES = ["officer", "supervisor", "admin", "system", "petitioner"]


def test_machine_has_every_state_and_action_of_the_spec() -> None:
    assert {s.id for s in PetitionLifecycle.states} == set(STATES)
    events = {e for e in PetitionLifecycle._events}
    automatic = {"warn", "breach", "auto_escalate", "auto_close"}
    hand_overs = {"hand_over", "report", "take_back"}  # tests/models/test_hand_over.py
    recorded_from_the_other_case = {"linked", "unlinked", "merged_in"}
    # deliver (送达) needs an issued document: tests/models/test_documents.py
    assert (
        set(ALLOWED_IN)
        | automatic
        | {"visit", "deliver"}
        | hand_overs
        | recorded_from_the_other_case
        == events
    )
    assert {s.id for s in PetitionLifecycle.final_states} == set(STATES) - OPEN


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED_IN))
@pytest.mark.parametrize("state", STATES)
def test_state_action_role(state: str, action: str, role: str) -> None:
    p = case_in(state, ready_for=action)
    before = p.case.model_dump()
    allowed_here = state in ALLOWED_IN[action]
    role_ok = role in ROLES_FOR[action]

    assert (action in p.allowed_actions(role, at=T0)) == (allowed_here and role_ok)

    kwargs = {"role": role, "actor": "u", "at": T0, "params": VALID_PARAMS[action]}
    if not allowed_here:
        with pytest.raises(InvalidTransition) as err:
            p.act(action, **kwargs, **CONTEXT.get(action, {}))
        assert err.value.allowed_actions == p.allowed_actions(role, at=T0)
        assert p.case.model_dump() == before
    elif not role_ok:
        with pytest.raises(Forbidden):
            p.act(action, **kwargs, **CONTEXT.get(action, {}))
        assert p.case.model_dump() == before
    else:
        p.act(action, **kwargs, **CONTEXT.get(action, {}))
        assert p.case.model_dump() != before
