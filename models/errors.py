"""The project's own error tree.

The lifecycle machine's library errors are translated into these, and each carries what the API
needs: its HTTP status, a reason, and (for 409/403) the actions the caller may take now. The
workflow re-raises them as ``ApplicationError(type=<class name>)`` so the API can map them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DomainError(Exception):
    detail: str
    status: int = field(default=400, init=False)

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


class PolicyError(ValueError):
    """An SLA policy file that cannot be used; the message names the offending key."""


class CalendarError(ValueError):
    """Calendar data that cannot be used (bad override file, or a date it does not cover)."""
