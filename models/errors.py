"""The project's own error tree.

The lifecycle machine's library errors are translated into these, and each carries what the API
needs: its HTTP status, a reason, and (for 409/403) the actions the caller may take now. The
workflow re-raises them as ``ApplicationError(type=<class name>, details=[to_details()])``;
:func:`domain_error` turns such a name and details back into the error, so the API maps both
kinds the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from models.messages import Message

# A field error: {"field": name, "message": Message}; on the wire the message is {"zh", "en"}.
FieldError = dict[str, Any]


def field_errors_to_wire(errors: list[FieldError]) -> list[dict[str, object]]:
    return [{**e, "message": Message.of(e["message"]).to_wire()} for e in errors]


def field_errors_from_wire(errors: object) -> list[FieldError]:
    items = errors if isinstance(errors, list) else []
    return [{**e, "message": Message.of(e.get("message", ""))} for e in items]


@dataclass
class DomainError(Exception):
    """``detail`` says why, in both languages (a legacy "中文 / English" string is split)."""

    detail: Message
    status: int = field(default=400, init=False)
    STATUS: ClassVar[int] = 400

    # Every subclass by its class name: the ``type`` of the ``ApplicationError`` that carries it.
    by_name: ClassVar[dict[str, type[DomainError]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        DomainError.by_name[cls.__name__] = cls

    def __post_init__(self) -> None:
        self.detail = Message.of(self.detail)
        self.status = self.STATUS

    def __str__(self) -> str:
        return str(self.detail)

    def to_details(self) -> dict[str, object]:
        """Plain data for ``ApplicationError.details`` and problem+json bodies."""
        return {"detail": self.detail.to_wire()}


@dataclass
class InvalidTransition(DomainError):
    """The case's state (or one of its rules) does not allow the action now → 409."""

    action: str = ""
    state: str = ""
    allowed_actions: list[str] = field(default_factory=list)

    STATUS: ClassVar[int] = 409

    def to_details(self) -> dict[str, object]:
        return {
            "detail": self.detail.to_wire(),
            "action": self.action,
            "state": self.state,
            "allowed_actions": self.allowed_actions,
        }


@dataclass
class Forbidden(DomainError):
    """The caller's role may not take the action → 403."""

    action: str = ""
    role: str = ""
    allowed_actions: list[str] = field(default_factory=list)

    STATUS: ClassVar[int] = 403

    def to_details(self) -> dict[str, object]:
        return {
            "detail": self.detail.to_wire(),
            "action": self.action,
            "role": self.role,
            "allowed_actions": self.allowed_actions,
        }


@dataclass
class InvalidParams(DomainError):
    """The action's parameters are malformed or out of range → 422."""

    action: str = ""
    errors: list[FieldError] = field(default_factory=list)

    STATUS: ClassVar[int] = 422

    def to_details(self) -> dict[str, object]:
        return {
            "detail": self.detail.to_wire(),
            "action": self.action,
            "errors": field_errors_to_wire(self.errors),
        }


@dataclass
class NotInScope(DomainError):
    """The case is not (or no longer) at a unit the caller may see → 404, as if it did not
    exist: the caller learns nothing about cases outside their scope."""

    STATUS: ClassVar[int] = 404


@dataclass
class UnknownUnit(DomainError):
    """A unit id that is not in the tree → 422 (the ``unit_path`` activity raises it by name)."""

    STATUS: ClassVar[int] = 422


def domain_error(
    name: str | None, message: str, details: Mapping[str, object] | None = None
) -> DomainError | None:
    """The domain error a Temporal failure carries by ``type`` name (``None`` if it is not one),
    rebuilt from its ``to_details()``; ``message`` stands in for a missing ``detail``."""
    cls = DomainError.by_name.get(name or "")
    if cls is None:
        return None
    details = details or {}
    known = {f.name for f in fields(cls) if f.init}
    kwargs = {k: v for k, v in details.items() if k in known}
    kwargs["detail"] = Message.of(kwargs.get("detail") or message)  # type: ignore[arg-type]
    if "errors" in kwargs:
        kwargs["errors"] = field_errors_from_wire(kwargs["errors"])
    return cls(**kwargs)  # type: ignore[arg-type]


class PolicyError(ValueError):
    """An SLA policy file that cannot be used; the message names the offending key."""


class CalendarError(ValueError):
    """Calendar data that cannot be used (bad override file, or a date it does not cover)."""
