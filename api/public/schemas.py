"""Bodies of the public and shared reads: tracking for petitioners, the unit tree."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.vocabulary import Level


class Tracking(BaseModel):
    """What a petitioner may see with a tracking code: state and dates, nothing personal."""

    tracking_code: str
    state: str
    state_label: str
    created_at: datetime
    updated_at: datetime
    next_due_at: datetime | None


class UnitOut(BaseModel):
    id: str
    name: str
    level: Level
    parent: str | None
