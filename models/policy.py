"""The SLA policy (``API.md`` › SLA policy file): an immutable value snapshotted into each case at
registration, so changing the file never changes a running case."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from models.errors import PolicyError

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.toml")

_TIMEDELTA = TypeAdapter(timedelta)


class Span(BaseModel):
    """An ISO 8601 duration as the law counts it.

    Whole-day durations (``P15D``) follow the day-counting rule of 民法典 201/203; durations with a
    time part (``PT30S``, ``P1DT2H``) are exact, so a test can run a whole SLA path in seconds.
    Years and months are refused: the law's periods here are counted in days.
    """

    model_config = ConfigDict(frozen=True)

    iso: str
    days: int = 0  # for whole-day spans
    exact: timedelta | None = None  # for spans with a time part

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, Span):
            return value
        if isinstance(value, dict):
            value = value.get("iso")
        text = value.strip() if isinstance(value, str) else ""
        date_part = text.split("T", 1)[0]
        try:
            length = _TIMEDELTA.validate_python(text) if text.startswith("P") else None
        except ValidationError:
            length = None
        if length is None or "Y" in date_part or "M" in date_part:
            raise ValueError(
                f"{value!r} is not an ISO 8601 duration in days or time (e.g. P15D, PT30S)"
            )
        if length <= timedelta(0):
            raise ValueError(f"{value!r} must be longer than zero")
        if "T" in text:
            return {"iso": text, "exact": length}
        if length % timedelta(days=1):
            raise ValueError(f"{value!r} must be whole days, or give a time part (PT...)")
        return {"iso": text, "days": length.days}

    @model_serializer
    def _serialize(self) -> str:
        return self.iso

    @property
    def whole_days(self) -> bool:
        return self.exact is None

    def approximate(self) -> timedelta:
        """Length for display and ordering only; due times come from day counting."""
        return self.exact if self.exact is not None else timedelta(days=self.days)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Clocks(_Section):
    acceptance: Span = Span.model_validate("P15D")
    handling: Span = Span.model_validate("P60D")
    extension_max: Span = Span.model_validate("P30D")
    review_window: Span = Span.model_validate("P30D")
    review: Span = Span.model_validate("P30D")
    re_review_window: Span = Span.model_validate("P30D")
    re_review: Span = Span.model_validate("P30D")
    # 督办时限: what a unit a case rose to after a statutory breach has to act (the breached
    # period itself never restarts).
    supervision: Span = Span.model_validate("P15D")
    # 转办: forwards an officer may make; a further one needs a supervisor.
    max_forwards: int = Field(default=2, ge=0, le=20)
    # 交办: what one of a hand-over's ``days`` is — a calendar day (P1D, counted as the law
    # counts days), or an exact span (PT2S: a test's hand-over runs in seconds).
    hand_over_day: Span = Span.model_validate("P1D")

    def hand_over_span(self, days: int) -> str:
        """The ISO 8601 span of a hand-over of ``days`` days."""
        day = self.hand_over_day
        if day.whole_days:
            return f"P{days * day.days}D"
        return f"PT{day.approximate().total_seconds() * days:g}S"

    # 送达: the written reply (or review opinion) reaches the petitioner within this; the
    # petitioner's request window runs from the day of delivery.
    delivery: Span = Span.model_validate("P5D")
    # 调解时限 (issue 17): how long a mediation may run; never extends the handling period.
    mediation: Span = Span.model_validate("P30D")

    @field_validator("extension_max")
    @classmethod
    def _whole_days(cls, v: Span) -> Span:
        if not v.whole_days or not v.days >= 1:
            raise ValueError("must be a whole number of days (extensions are approved in days)")
        return v


class Levels(_Section):
    village: Span = Span.model_validate("P7D")
    town: Span = Span.model_validate("P15D")


class Alerts(_Section):
    warn_at: float = Field(default=0.8, gt=0, lt=1)
    renotify_every: Span = Span.model_validate("P1D")


class CalendarPolicy(_Section):
    mode: Literal["natural", "working"] = "natural"
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class SlaPolicy(_Section):
    clocks: Clocks = Clocks()
    levels: Levels = Levels()
    alerts: Alerts = Alerts()
    calendar: CalendarPolicy = CalendarPolicy()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.calendar.timezone)


M = TypeVar("M", bound=BaseModel)

# Sections of the policy file that the service applies as they stand today, not snapshotted into
# each case (``models/retention.py``).
SERVICE_SECTIONS = frozenset({"retention", "risk"})


def read_policy_tables(text: str, *, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None


def validate_section(model: type[M], data: Any, *, source: str) -> M:
    """``data`` as ``model``, or a PolicyError naming every bad key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: "
            + ("unknown key" if err["type"] == "extra_forbidden" else _message(err))
            for err in exc.errors()
        )
        raise PolicyError(f"{source}: {problems}") from None


def _message(err: Any) -> str:
    """A validator's own words, without the library's "Value error, " prefix."""
    cause = err.get("ctx", {}).get("error")
    return str(cause) if err["type"] == "value_error" and cause is not None else str(err["msg"])


def parse_policy(text: str, *, source: str = "<policy>") -> SlaPolicy:
    """Parse policy TOML; keys left out take the shipped defaults."""
    data = read_policy_tables(text, source=source)
    cases = {k: v for k, v in data.items() if k not in SERVICE_SECTIONS}
    return validate_section(SlaPolicy, cases, source=source)


def read_policy_file(path: Path | None = None) -> tuple[str, str]:
    """The text of the policy in force and where it came from: ``path`` (PETITIONFLOW_POLICY) or
    the shipped statutory defaults."""
    file = path or DEFAULT_POLICY_FILE
    try:
        return file.read_text(encoding="utf-8"), str(file)
    except OSError as exc:
        raise PolicyError(f"{file}: cannot read policy file: {exc.strerror}") from None


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The policy in force: ``path`` (PETITIONFLOW_POLICY) or the shipped statutory defaults."""
    text, source = read_policy_file(path)
    return parse_policy(text, source=source)
