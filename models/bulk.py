"""Bulk actions (批量操作): one action, with the same parameters, sent to many cases by a
workflow — the inputs that cross its Temporal boundaries and the limits. Each case meets the
checks its single action would (the case's own workflow validates the update)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.boundary import ActionRequest

MAX_CASES = 1000
# Updates in flight at once: enough to finish a thousand cases in a minute or two without
# crowding out the officers' own actions on the same workers.
CONCURRENCY = 8


class BulkJob(BaseModel):
    """The bulk workflow's input: the request every case gets, and the cases in order."""

    job_id: str
    request: ActionRequest
    case_ids: list[str] = Field(max_length=MAX_CASES)
    concurrency: int = CONCURRENCY


class BulkItem(BaseModel):
    """One case of a job: its update's id is derived from both, so a resend is the same update."""

    job_id: str
    case_id: str
    request: ActionRequest

    @property
    def update_id(self) -> str:
        return f"bulk:{self.job_id}:{self.case_id}"


class BulkOutcome(BaseModel):
    """What one case answered: 200 with its new state, or the domain error the single action
    would have raised (its class name and ``to_details()``), rebuilt by the API as a problem."""

    status: int
    state: str | None = None
    error: str | None = None
    message: str = ""
    details: dict[str, object] = Field(default_factory=dict)
