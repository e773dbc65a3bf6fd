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
from typing import ClassVar


@dataclass
class DomainError(Exception):
    detail: str
    status: int = field(default=400, init=False)

    # Every subclass by its class name: the ``type`` of the ``ApplicationError`` that carries it.
    by_name: ClassVar[dict[str, type[DomainError]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        DomainError.by_name[cls.__name__] = cls

    def __str__(self) -> str:
        return self.detail

    def to_details(self) -> dict[str, object]:
        """Plain data for ``ApplicationError.details`` and problem+json bodies."""
        return {"detail": self.detail}


@dataclass
class InvalidTransition(DomainError):
    """The case's state (or one of its rules) does not allow the action now → 409."""

    action: str = ""
    state: str = ""
    allowed_actions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = 409

    def to_details(self) -> dict[str, object]:
        return {
            "detail": self.detail,
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

    def __post_init__(self) -> None:
        self.status = 403

    def to_details(self) -> dict[str, object]:
        return {
            "detail": self.detail,
            "action": self.action,
            "role": self.role,
            "allowed_actions": self.allowed_actions,
        }


@dataclass
class InvalidParams(DomainError):
    """The action's parameters are malformed or out of range → 422."""

    action: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = 422

    def to_details(self) -> dict[str, object]:
        return {"detail": self.detail, "action": self.action, "errors": self.errors}


@dataclass
class NotInScope(DomainError):
    """The case is not (or no longer) at a unit the caller may see → 404, as if it did not
    exist: the caller learns nothing about cases outside their scope."""

    def __post_init__(self) -> None:
        self.status = 404


@dataclass
class UnknownUnit(DomainError):
    """A unit id that is not in the tree → 422 (the ``unit_path`` activity raises it by name)."""

    def __post_init__(self) -> None:
        self.status = 422


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
    kwargs.setdefault("detail", message)
    return cls(**kwargs)  # type: ignore[arg-type]


class PolicyError(ValueError):
    """An SLA policy file that cannot be used; the message names the offending key."""


class CalendarError(ValueError):
    """Calendar data that cannot be used (bad override file, or a date it does not cover)."""
