"""Request and response bodies of the public contract (``API.md``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from models.actions import ACTION_PARAMS
from models.boundary import CaseSnapshot, Petitioner
from models.vocabulary import Channel, Kind, Level, Severity

ID_NUMBER = r"^\d{17}[\dXx]$"


class PetitionerIn(Petitioner):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(default="", pattern=rf"{ID_NUMBER}|^$")
    phone: str = Field(default="", pattern=r"^\+?[\d\- ]{5,20}$|^$")

    @field_validator("id_number")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    petitioner: PetitionerIn
    channel: Channel
    kind: Kind
    category: str = Field(min_length=1, max_length=100)
    severity: Severity
    unit_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)


class CaseOut(CaseSnapshot):
    """The snapshot as the caller sees it: the actions *their* role may take now."""

    allowed_actions: list[str]  # type: ignore[assignment]
    allowed_actions_by_role: dict[str, list[str]]

    @classmethod
    def for_role(cls, snapshot: CaseSnapshot, role: str) -> CaseOut:
        data = snapshot.model_dump()
        by_role = data.pop("allowed_actions")
        data.pop("pending_writes", None)
        return cls(**data, allowed_actions=by_role.get(role, []), allowed_actions_by_role=by_role)


class CaseSummary(BaseModel):
    case_id: str
    tracking_code: str
    state: str
    state_label: str
    level: Level
    unit_id: str
    assignee: str | None
    kind: Kind
    category: str
    severity: Severity
    title: str
    created_at: datetime
    updated_at: datetime
    visit_count: int
    next_due_at: datetime | None
    at_risk: bool
    overdue: bool


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class TimelineEvent(BaseModel):
    seq: int
    action: str
    action_label: str
    actor: str
    role: str
    from_state: str | None
    to_state: str
    at: datetime
    params: dict[str, Any]


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


def _action_model(name: str, params: type[BaseModel]) -> type[BaseModel]:
    camel = "".join(part.title() for part in name.split("_"))
    tag: Any = Literal[name]
    model: type[BaseModel] = create_model(f"{camel}Action", __base__=params, action=(tag, ...))
    return model


_ACTION_MODELS = tuple(_action_model(n, p) for n, p in ACTION_PARAMS.items())
# One body model per action, told apart by "action"; built from the parameter models so the
# OpenAPI document describes every action's fields.
ActionIn = Annotated[Union[_ACTION_MODELS], Field(discriminator="action")]  # type: ignore[valid-type]  # noqa: UP007
