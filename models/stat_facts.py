"""The facts the period statistics count (``GET /api/v1/stats``, ``api/stats/period.py``): which
timeline event makes which fact. No I/O: the projection writes the facts with their events
(``activities/stat_facts.py``), and derives them in SQL from these same names for a backfill.

A fact is one countable thing a case did, counted for the unit and level that hold the case
*now* (the statistics' attribution): the projection writes it with the case's current unit and
level and moves all of a case's facts when the case moves. Definitions of the figures in
``api/stats/schemas.py``.

- ``REPLY``: a written reply (``reply``). It is *late* when a statutory duty clock breached
  before it (an earlier ``breach`` event, ``models.clocks.STATUTORY_BREACH_SQL``); it *stands*
  until a later ``reply`` or ``reopen`` of the case undoes it.
- ``EXIT``: an entry into a final state from an open one; ``detail`` the final state.
- ``RATING``: a rating (``feedback``); ``detail`` the rating. The period counts each case's
  latest rating within it, so all of them are kept.
- ``VISIT``: a repeat petition (``visit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from models.lifecycle import FINAL_STATES, PetitionLifecycle

OPEN_STATES: tuple[str, ...] = tuple(
    s.id for s in PetitionLifecycle.states if s.id not in FINAL_STATES
)
EXITS = ("closed", "not_accepted", "withdrawn")  # the final states, in the response's order


class FactKind(IntEnum):
    REPLY = 1
    EXIT = 2
    RATING = 3
    VISIT = 4


REPLY_ACTION = "reply"
RATING_ACTION = "feedback"
RATING_PARAM = "rating"
VISIT_ACTION = "visit"
UNDOES_REPLY = ("reply", "reopen")  # a later one of these: the earlier reply no longer stands


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    detail: str | None = None


def facts_of(
    action: str, from_state: str | None, to_state: str, params: dict[str, Any]
) -> tuple[Fact, ...]:
    """The facts one event makes (most make none)."""
    facts: list[Fact] = []
    if action == REPLY_ACTION:
        facts.append(Fact(FactKind.REPLY))
    if to_state in EXITS and from_state in OPEN_STATES:
        facts.append(Fact(FactKind.EXIT, to_state))
    if action == RATING_ACTION:
        rating = params.get(RATING_PARAM)
        facts.append(Fact(FactKind.RATING, None if rating is None else str(rating)))
    if action == VISIT_ACTION:
        facts.append(Fact(FactKind.VISIT))
    return tuple(facts)
