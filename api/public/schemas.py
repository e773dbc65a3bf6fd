"""Bodies of the public and shared reads: tracking for petitioners, the unit tree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from models.vocabulary import STATE_LABELS, Level


class Tracking(BaseModel):
    """What a petitioner may see with a tracking code: state, the responsible unit's name and
    dates, nothing personal. While a clock is paused (中止) the case shows ``paused`` and no due
    date: the nominal date of a stopped clock would be stale."""

    tracking_code: str
    state: str
    state_label: str
    unit_name: str
    created_at: datetime
    updated_at: datetime
    paused: bool
    next_due_at: datetime | None

    @classmethod
    def of(cls, snapshot: dict[str, Any], *, unit_name: str, updated_at: datetime) -> Tracking:
        """From a snapshot (the workflow's, or the projection's copy as JSON)."""
        paused = any(d.get("status") == "paused" for d in snapshot.get("deadlines", []))
        due = snapshot.get("next_due_at")
        return cls(
            tracking_code=snapshot["tracking_code"],
            state=snapshot["state"],
            state_label=STATE_LABELS[snapshot["state"]][0],
            unit_name=unit_name,
            created_at=snapshot["created_at"],
            updated_at=updated_at,
            paused=paused,
            next_due_at=None if paused else due,
        )


class UnitOut(BaseModel):
    id: str
    name: str
    level: Level
    parent: str | None
    kind: str = "area"  # area | department (职能部门)
