"""Bodies of the public and shared reads: tracking for petitioners, the unit tree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.next_step import next_step
from models.vocabulary import STATE_LABELS, Level, Role


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
    # What happens next, by when (the statutory period of the state), and what the petitioner
    # may do online now (with a one-time code): ``feedback``, ``request_review``…
    state_label_en: str = ""
    next_step: str = ""
    next_step_en: str = ""
    next_step_due_at: datetime | None = None
    online_actions: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, snapshot: dict[str, Any], *, unit_name: str, updated_at: datetime) -> Tracking:
        """From a snapshot (the workflow's, or the projection's copy as JSON)."""
        paused = any(d.get("status") == "paused" for d in snapshot.get("deadlines", []))
        due = snapshot.get("next_due_at")
        step, step_en, step_due = next_step(snapshot)
        return cls(
            tracking_code=snapshot["tracking_code"],
            state=snapshot["state"],
            state_label=STATE_LABELS[snapshot["state"]][0],
            unit_name=unit_name,
            created_at=snapshot["created_at"],
            updated_at=updated_at,
            paused=paused,
            next_due_at=None if paused else due,
            state_label_en=STATE_LABELS[snapshot["state"]][1],
            next_step=step,
            next_step_en=step_en,
            next_step_due_at=None if paused else step_due,
            online_actions=snapshot.get("allowed_actions", {}).get(Role.petitioner, []),
        )


class UnitOut(BaseModel):
    id: str
    name: str
    level: Level
    parent: str | None
    kind: str = "area"  # area | department (职能部门)
