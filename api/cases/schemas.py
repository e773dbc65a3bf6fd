"""Cases' request and response bodies (``API.md``), the list's filters and the tracking code."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from stdnum.cn import ric
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_2

from api.cases.collective import (
    MAX_PETITIONERS,
    check_representatives,
    normalise,
)
from api.instants import in_range
from api.pii import PetitionerRevealed
from models.actions import ACTION_PARAMS
from models.boundary import CaseHeader, CaseSnapshot, Petitioner
from models.case import LeaderAssignment
from models.clocks import makes_overdue
from models.messages import invalid
from models.text import CleanText
from models.vocabulary import Level

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: object) -> object:
    """Only RFC 3339 text (pydantic would also read ``0.5`` as a Unix time)."""
    if isinstance(value, str) and not RFC3339.match(value):
        raise invalid(
            "须为带时区偏移的 RFC 3339 时间，如 2026-03-01T08:00:00+08:00",
            "expected an RFC 3339 date-time with offset: 2026-03-01T08:00:00+08:00",
        )
    return value


# The schema states what is accepted: RFC 3339 with an offset, within the years the service
# holds (1901–8899 here, clear of the offsets at both ends of api/instants.RANGE).
INSTANT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^(19(0[1-9]|[1-9]\d)|[2-7]\d{3}|8[0-8]\d{2})-\d{2}-\d{2}[Tt ]"
    r"\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
}
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(in_range),
    WithJsonSchema(INSTANT_SCHEMA),
]
ID_NUMBER = r"^[0-9]{17}[0-9Xx]$"  # ASCII digits: \d would take any script's


class PetitionerIn(CleanText, Petitioner):
    id_number: str = Field(default="", pattern=rf"{ID_NUMBER}|^$")
    phone: str = Field(default="", pattern=r"^\+?[0-9\- ]{5,20}$|^$")

    @field_validator("id_number")
    @classmethod
    def _resident_id(cls, v: str) -> str:
        """GB 11643: the ISO 7064 MOD 11-2 check digit and a real birth date. The region code
        is not checked: libraries' region tables lag behind renamed counties (平湖 330482)."""
        v = v.upper()
        if not v:
            return v
        if not mod_11_2.is_valid(v):
            raise invalid("身份证号校验位错误", "the ID number's check digit is wrong")
        try:
            born = ric.get_birth_date(v)
        except ValidationError:
            raise invalid("身份证号出生日期无效", "invalid birth date in the ID number") from None
        if born > date.today() or born.year < 1900:
            raise invalid("身份证号出生日期无效", "the ID number's birth date is invalid")
        return v


CHINA = ZoneInfo("Asia/Shanghai")  # the day a clerk means by 'today'


class RegistrationIn(CleanText, CaseHeader):
    """The header as a caller sends it: its text fields narrowed to what the service accepts."""

    petitioner: PetitionerIn | None = Field(
        default=None, description="the petitioner; or, for several, `petitioners`"
    )
    category: str = Field(min_length=1, max_length=100)
    unit_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    received_on: date | None = Field(
        default=None,
        description="收件/来访日期: the day the petition was received, when before today "
        "(at most a year back; never in the future). The acceptance period counts from it.",
    )
    sms_opt_out: StrictBool = Field(
        default=False,
        description="the petitioner does not want SMS notices about the case (短信告知)",
    )

    @field_validator("received_on")
    @classmethod
    def _received_in_the_past_year(cls, value: date | None) -> date | None:
        today = datetime.now(CHINA).date()
        if value is not None and value > today:
            raise invalid("收件日期不能晚于今天", "must not be in the future")
        if value is not None and value < today - timedelta(days=366):
            raise invalid("收件日期不能早于一年前", "must be within the past year")
        return value

    # 集体访 (api/cases/collective.py): several petitioners, their representatives, a headcount.
    petitioners: list[PetitionerIn] = Field(
        default_factory=list,
        max_length=MAX_PETITIONERS,
        description="集体访: every petitioner recorded (instead of `petitioner`)",
    )
    representatives: list[int] = Field(
        default_factory=list,
        description="positions in `petitioners` (from 0) of the elected representatives: at "
        "most five (信访工作条例 第十八条)",
    )
    headcount: int | None = Field(
        default=None, ge=1, le=100_000, description="how many people came (default: as listed)"
    )

    @field_validator("representatives")
    @classmethod
    def _at_most_five(cls, value: list[int]) -> list[int]:
        return check_representatives(value)

    @model_validator(mode="after")
    def _one_shape(self) -> RegistrationIn:
        return normalise(self)

    @property
    def primary(self) -> PetitionerIn:
        """The petitioner the case row shows (set once validated)."""
        assert self.petitioner is not None
        return self.petitioner


class CaseOut(CaseSnapshot):
    """The snapshot as the caller sees it: the actions *their* role may take now."""

    allowed_actions: list[str]  # type: ignore[assignment]
    allowed_actions_by_role: dict[str, list[str]]
    # Only with ?reveal=pii&reason=… for a role allowed to, and recorded in the access log.
    petitioner_revealed: PetitionerRevealed | None = None
    may_reveal_contact: bool = Field(
        default=False,
        description="the caller may reveal the petitioner's contact details (?reveal=pii)",
    )
    assignee_name: str | None = Field(default=None, description="the assignee's name")
    user_names: dict[str, str] = Field(
        default_factory=dict,
        description="names of the users the case names (assignee, feedback, opinions), by id",
    )
    # Set once the retention policy deleted the petitioner's personal data (the case stays).
    personal_data_purged_at: datetime | None = None
    petitioners_revealed: list[PetitionerRevealed] | None = Field(
        default=None,
        description="with ?reveal=pii: every petitioner (集体访), in the order of `petitioners`",
    )

    @classmethod
    def for_role(cls, snapshot: CaseSnapshot, role: str, *, acting: bool = True) -> CaseOut:
        """``acting``: the caller's unit holds the case; otherwise they may only read it."""
        data = snapshot.model_dump()
        by_role = data.pop("allowed_actions")
        data.pop("pending_writes", None)
        allowed = by_role.get(role, []) if acting else []
        return cls(**data, allowed_actions=allowed, allowed_actions_by_role=by_role)


class CaseSummary(CaseHeader):
    """A case in a list, read from its projection row (``from_attributes``; the state's label
    comes from the row's snapshot)."""

    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="before")
    @classmethod
    def _label_from_row(cls, data: Any) -> Any:
        if isinstance(data, dict) or hasattr(data, "state_label"):
            return data
        snapshot = getattr(data, "snapshot", None) or {}
        fields = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        return {
            **fields,
            "state_label": snapshot.get("state_label", fields.get("state")),
            "overdue_since": _overdue_since(fields, snapshot),
            "leader": snapshot.get("leader"),
        }

    case_id: str
    tracking_code: str
    state: str
    state_label: str
    level: Level
    unit_id: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime
    visit_count: int
    next_due_at: datetime | None
    at_risk: bool
    overdue: bool
    # When an overdue case became so: the due time of its breached statutory period (or, while
    # the worker has not yet recorded the breach, the projected due time that has passed).
    overdue_since: datetime | None = None
    # 领导包案 and 督办单 (the 积案 workbench shows them)
    leader: LeaderAssignment | None = None
    open_orders: int = 0
    order_due_at: datetime | None = Field(
        default=None, description="the earliest due time of the open supervision orders"
    )


def _overdue_since(fields: dict[str, Any], snapshot: dict[str, Any]) -> datetime | None:
    if not fields.get("overdue") and not _lapsed(fields.get("next_due_at")):
        return None
    state = str(fields.get("state", ""))
    dues = [
        datetime.fromisoformat(str(d["due_at"]))
        for d in snapshot.get("deadlines", [])
        if makes_overdue(state, str(d.get("clock")), str(d.get("status"))) and d.get("due_at")
    ]
    return min(dues) if dues else fields.get("next_due_at")


def _lapsed(due: datetime | None) -> bool:
    return due is not None and due.replace(tzinfo=due.tzinfo or UTC) <= datetime.now(UTC)


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class TimelineEvent(BaseModel):
    seq: int
    action: str
    action_label: str
    actor: str
    actor_name: str | None = Field(default=None, description="the actor's name")
    role: str
    from_state: str | None
    to_state: str
    at: datetime
    params: dict[str, Any]
    user_names: dict[str, str] = Field(
        default_factory=dict,
        description="names of the users the params name (officer_id, caller), by id",
    )
    chain: str = Field(
        description="SHA-256 (hex) over the previous event's chain and this event's content"
    )
    chain_verified: bool = Field(
        description="this event and every one before it recompute to their stored chain: the "
        "case's record verifies when its last event's is true"
    )
    case_id: str | None = Field(
        default=None,
        description="the case the event is on (`merged=true` adds the merged duplicates')",
    )


@dataclass(frozen=True, kw_only=True)
class CaseFilters:
    """``GET /cases``' query: every filter optional, ``unit_id`` includes the subtree."""

    state: str | None = None
    open: bool | None = None  # true: not in a final state (closed, not accepted, withdrawn)
    level: str | None = None
    unit_id: str | None = None
    overdue: bool | None = None
    at_risk: bool | None = None
    category: str | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    limit: int = 20
    cursor: str | None = None
    department: str | None = None  # 交办: the lead or a co-handler of one of its hand-overs
    # 积案 workbench: the backlog rule (api/stats/backlog.py), the 包案 leader, open 督办单
    backlog: bool | None = None
    leader: str | None = None
    open_orders: bool | None = None


# 80 random bits in base32: unguessable, easy to read out over the phone, never sequential
TRACKING_CODE = re.compile(r"^[A-Z2-7]{16}$")


def new_tracking_code() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()


def _action_model(name: str, params: type[BaseModel]) -> type[BaseModel]:
    camel = "".join(part.title() for part in name.split("_"))
    tag: Any = Literal[name]
    model: type[BaseModel] = create_model(f"{camel}Action", __base__=params, action=(tag, ...))
    return model


_ACTION_MODELS = tuple(_action_model(n, p) for n, p in ACTION_PARAMS.items())
# One body model per action, told apart by "action"; built from the parameter models so the
# OpenAPI document describes every action's fields.
ActionIn = Annotated[Union[_ACTION_MODELS], Field(discriminator="action")]  # type: ignore[valid-type]  # noqa: UP007
