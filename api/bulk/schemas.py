"""Bulk actions' request and response bodies (``docs/api.md`` › Bulk actions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from api.problems import Problem
from models.actions import ACTION_PARAMS
from models.bulk import MAX_CASES
from models.text import CleanText

CASE_ID = r"^[0-9A-Za-z._-]{1,64}$"  # as case ids are made (hex), never free text
ActionName = Literal[tuple(ACTION_PARAMS)]  # type: ignore[valid-type]


class BulkActionIn(CleanText):
    action: ActionName = Field(  # type: ignore[valid-type]
        description="one of the actions of `POST /cases/{id}/actions`"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="the action's parameters, the same for every case"
    )
    case_ids: list[Annotated[str, Field(pattern=CASE_ID)]] = Field(
        min_length=1, max_length=MAX_CASES
    )

    @field_validator("case_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("案件编号重复 / a case id is listed twice")
        return ids


class BulkItemOut(BaseModel):
    case_id: str
    result: Literal["pending", "ok", "problem"]
    status: int | None = Field(default=None, description="what the single action answers")
    state: str | None = Field(default=None, description="the case's state after `ok`")
    problem: Problem | None = Field(
        default=None, description="the problem the single action would have answered"
    )


class BulkActionOut(BaseModel):
    job_id: str
    action: str
    params: dict[str, Any]
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    status: Literal["running", "done"]
    total: int
    done: int = Field(description="cases answered so far")
    ok: int
    failed: int
    items: list[BulkItemOut] = Field(description="one per case, in the order given")
