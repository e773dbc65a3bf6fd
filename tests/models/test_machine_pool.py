"""Cases share lifecycle machines (``models/lifecycle.py`` ``_machine_for``): a machine is bound
to one case for one synchronous use, so no case ever sees another's state; threads each take
their own; a machine that reached a final state, or was left by an interrupt, is not reused."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from models import lifecycle
from models.lifecycle import Petition, PetitionLifecycle, _machine_for
from tests.models.builders import case_in, do, new_case


@pytest.fixture
def idle() -> Iterator[list[PetitionLifecycle]]:
    """The idle machines, emptied for the test and restored after it."""
    saved = list(lifecycle._idle)
    lifecycle._idle.clear()
    yield lifecycle._idle
    lifecycle._idle[:] = saved


def test_many_cases_use_one_machine_and_keep_their_own_state(idle: list) -> None:
    cases = [case_in(state) for state in ("registered", "handling", "replied")] * 100
    expected = [Petition(c.case.model_copy(deep=True)).allowed_actions("officer") for c in cases]
    assert [p.allowed_actions("officer") for p in cases] == expected
    assert len(idle) == 1  # 300 cases, one machine built
    registered, handling = Petition(new_case()), case_in("handling")
    do(registered, "accept")
    do(handling, "assess")
    assert (registered.state, handling.case.assessment is not None) == ("handling", True)


def test_a_machine_that_reached_a_final_state_is_not_reused(idle: list) -> None:
    merged = case_in("handling", ready_for="unlink")
    do(merged, "merge", role="supervisor")
    assert merged.state == "merged" and not idle  # its engine stopped: dropped
    fresh = Petition(new_case())
    do(fresh, "accept")
    assert fresh.state == "handling" and len(idle) == 1


def test_a_machine_left_by_an_interrupt_is_dropped(idle: list) -> None:
    class Interrupt(BaseException):  # what the SDK raises into a workflow thread it gave up on
        pass

    with pytest.raises(Interrupt), _machine_for(new_case()):
        raise Interrupt
    assert not idle
    with pytest.raises(ValueError), _machine_for(new_case()):
        raise ValueError  # an Exception: the engine cleared its queue; the machine is idle
    assert len(idle) == 1


def test_threads_using_machines_at_once_each_have_their_own(
    idle: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same state, guards that read the case: one may reply, the other not yet.
    cases = {"fresh": case_in("handling"), "ready": case_in("handling", ready_for="reply")}
    expected = {n: p.allowed_actions("officer") for n, p in cases.items()}
    assert "reply" in expected["ready"] and "reply" not in expected["fresh"]
    idle.clear()  # the machines below are built with the meeting guard
    both_inside, waited = threading.Barrier(2, timeout=10), set()
    by_officer = PetitionLifecycle.by_officer

    def meeting(self: PetitionLifecycle, role: str = "") -> bool:
        if threading.get_ident() not in waited:  # each thread holds a machine while the other asks
            waited.add(threading.get_ident())
            both_inside.wait()
        return by_officer(self, role)

    monkeypatch.setattr(PetitionLifecycle, "by_officer", meeting)
    waited.add(threading.get_ident())
    cases["fresh"].allowed_actions("officer")  # one idle machine, with the meeting guard
    found: dict[str, list[str]] = {}

    def ask(name: str) -> None:
        found[name] = cases[name].allowed_actions("officer")

    threads = [threading.Thread(target=ask, args=(name,)) for name in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert found == expected
    assert len(idle) == 2
    idle.clear()  # bound to the meeting guard
