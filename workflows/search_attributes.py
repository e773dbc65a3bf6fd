"""Typed search attributes operators query in the Temporal CLI and UI. No personal data: state,
level, unit id, next due time, a breached flag and a provisional flag (a due time counted before
its year's holiday schedule was published) only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

STATE = SearchAttributeKey.for_keyword("PetitionState")
LEVEL = SearchAttributeKey.for_keyword("PetitionLevel")
UNIT = SearchAttributeKey.for_keyword("PetitionUnit")
NEXT_DUE = SearchAttributeKey.for_datetime("PetitionNextDue")
BREACHED = SearchAttributeKey.for_bool("PetitionBreached")
PROVISIONAL = SearchAttributeKey.for_bool("PetitionProvisional")

ALL: list[SearchAttributeKey] = [STATE, LEVEL, UNIT, NEXT_DUE, BREACHED, PROVISIONAL]
# What `petitionflow calendar apply` signals once a year's schedule is published.
PROVISIONAL_RUNNING = f"{PROVISIONAL.name} = true AND ExecutionStatus = 'Running'"


def updates(
    *,
    state: str,
    level: str,
    unit_id: str,
    next_due: datetime | None,
    breached: bool,
    provisional: bool | None = None,  # None: not published (cases from before the flag)
) -> list[SearchAttributeUpdate]:
    found: list[SearchAttributeUpdate[Any]] = [
        STATE.value_set(state),
        LEVEL.value_set(level),
        UNIT.value_set(unit_id),
        NEXT_DUE.value_set(next_due) if next_due else NEXT_DUE.value_unset(),
        BREACHED.value_set(breached),
    ]
    if provisional is not None:
        found.append(PROVISIONAL.value_set(provisional))
    return found
