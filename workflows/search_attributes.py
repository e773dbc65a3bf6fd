"""Typed search attributes operators query in the Temporal CLI and UI. No personal data: state,
level, unit id, next due time and a breached flag only."""

from __future__ import annotations

from datetime import datetime

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

STATE = SearchAttributeKey.for_keyword("PetitionState")
LEVEL = SearchAttributeKey.for_keyword("PetitionLevel")
UNIT = SearchAttributeKey.for_keyword("PetitionUnit")
NEXT_DUE = SearchAttributeKey.for_datetime("PetitionNextDue")
BREACHED = SearchAttributeKey.for_bool("PetitionBreached")

ALL: list[SearchAttributeKey] = [STATE, LEVEL, UNIT, NEXT_DUE, BREACHED]


def updates(
    *, state: str, level: str, unit_id: str, next_due: datetime | None, breached: bool
) -> list[SearchAttributeUpdate]:
    return [
        STATE.value_set(state),
        LEVEL.value_set(level),
        UNIT.value_set(unit_id),
        NEXT_DUE.value_set(next_due) if next_due else NEXT_DUE.value_unset(),
        BREACHED.value_set(breached),
    ]
