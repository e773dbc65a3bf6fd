"""What the dashboard's scripts render with: every label, and each action's parameter form built
from the action's own pydantic model (``models.actions``), so a new parameter shows up by itself."""

from __future__ import annotations

import enum
from datetime import date
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from annotated_types import Ge, Le, MaxLen
from pydantic.fields import FieldInfo

from api.dashboard import labels
from models.actions import ACTION_PARAMS
from models.clocks import CLOCK_LABELS, REQUEST_WINDOWS
from models.risk import RISK_RULE_LABELS
from models.vocabulary import (
    ACTION_LABELS,
    ATTACHMENT_KIND_LABELS,
    DOCUMENT_KIND_LABELS,
    LEVEL_LABELS,
    STATE_LABELS,
    TRACK_LABELS,
    UNIT_KIND_LABELS,
    PartyKind,
)

# Text longer than this is typed in a text area rather than a one-line input.
LONG_TEXT = 200


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    candidates = [annotation, *get_args(annotation)] if get_origin(annotation) else [annotation]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    return None


def _choice_label(value: str) -> tuple[str, str]:
    for table in (labels.CHOICE_LABELS, TRACK_LABELS):
        if value in table:
            return table[value]  # type: ignore[index]
    return (value, value)


def _is_date(annotation: Any) -> bool:
    """A calendar day, however wrapped (``Annotated``, ``| None``)."""
    if annotation is date:
        return True
    return any(_is_date(arg) for arg in get_args(annotation))


def _is_int(annotation: Any) -> bool:
    """A whole number, however wrapped (``Annotated``, ``| None``: an optional day count)."""
    if annotation is int:
        return True
    if get_origin(annotation) is Annotated:
        return _is_int(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    return len(args) == 1 and _is_int(args[0])


# Parameters that name a user: chosen from the directory (``GET /api/v1/users``) of the unit
# holding the case; ``role``: only users of that role may be chosen.
USER_FIELDS: dict[str, str | None] = {"officer_id": "officer", "caller": None}
# Parameters that name units of the caller's tree: one, or several (交办's co-handlers).
UNIT_FIELDS = frozenset({"unit_id", "lead_unit_id"})
UNITS_FIELDS = frozenset({"co_unit_ids"})
# Users chosen from the caller's own subtree instead (a 包案 leader: a supervisor at or above the
# unit holding the case, which a village case's own unit never has).
CALLER_SCOPE_USER_FIELDS: dict[str, str | None] = {"leader_user_id": "supervisor"}


def _constraint(info: FieldInfo, kind: type) -> Any:
    for item in info.metadata:
        if isinstance(item, kind):
            return item
    return None


def form_field(name: str, info: FieldInfo, action: str = "") -> dict[str, Any]:
    """One input of an action form: its widget, whether it is required, its bounds or choices."""
    field: dict[str, Any] = {
        "name": name,
        "label": labels.ACTION_FIELD_LABELS.get(
            (action, name), labels.FIELD_LABELS.get(name, (name, name))
        ),
        "required": info.is_required(),
    }
    choices = _enum_of(info.annotation)
    if choices is not None:
        field["widget"] = "select"
        field["choices"] = [
            {"value": member.value, "label": _choice_label(member.value)} for member in choices
        ]
    elif info.annotation is bool:
        field["widget"] = "checkbox"
    elif _is_int(info.annotation):
        field["widget"] = "number"
        if (low := _constraint(info, Ge)) is not None:
            field["min"] = low.ge
        if (high := _constraint(info, Le)) is not None:
            field["max"] = high.le
    elif name in UNIT_FIELDS:
        field["widget"] = "unit"  # chosen from the caller's unit tree
    elif name == "parties":  # 调解's parties: rows of name, kind and role
        field["widget"] = "parties"
        field["kinds"] = [{"value": k.value, "label": _choice_label(k.value)} for k in PartyKind]
    elif name in UNITS_FIELDS:
        field["widget"] = "units"  # several, from the caller's unit tree
    elif name in USER_FIELDS:
        field["widget"] = "user"
        field["role"] = USER_FIELDS[name]
    elif name in CALLER_SCOPE_USER_FIELDS:
        field["widget"] = "user"
        field["role"] = CALLER_SCOPE_USER_FIELDS[name]
        field["from"] = "caller"
    elif _is_date(info.annotation):
        field["widget"] = "date"
    else:
        longest = _constraint(info, MaxLen)
        long_text = longest is not None and longest.max_length > LONG_TEXT
        field["widget"] = "textarea" if long_text else "text"
        if longest is not None:
            field["max_length"] = longest.max_length
    return field


def action_forms() -> dict[str, list[dict[str, Any]]]:
    return {
        action: [form_field(name, info, action) for name, info in model.model_fields.items()]
        for action, model in ACTION_PARAMS.items()
    }


@cache
def dashboard_vocabulary() -> dict[str, Any]:
    return {
        "states": STATE_LABELS,
        "actions": ACTION_LABELS,
        "levels": {level.value: pair for level, pair in LEVEL_LABELS.items()},
        "tracks": {track.value: pair for track, pair in TRACK_LABELS.items()},
        "track_statuses": labels.TRACK_STATUS_LABELS,
        "clocks": CLOCK_LABELS,
        "request_windows": sorted(REQUEST_WINDOWS),
        "clock_statuses": labels.CLOCK_STATUS_LABELS,
        "alert_kinds": labels.ALERT_KIND_LABELS,
        "roles": labels.ROLE_LABELS,
        "kinds": labels.KIND_LABELS,
        "severities": labels.SEVERITY_LABELS,
        "channels": labels.CHANNEL_LABELS,
        "choices": labels.CHOICE_LABELS,
        "fields": labels.FIELD_LABELS,
        "registration": labels.REGISTRATION_LABELS,
        "forms": action_forms(),
        "attachment_kinds": {kind.value: pair for kind, pair in ATTACHMENT_KIND_LABELS.items()},
        "risk_rules": RISK_RULE_LABELS,  # 预测预警 (issue 17)
        "unit_kinds": {kind.value: pair for kind, pair in UNIT_KIND_LABELS.items()},
        # the notices the timeline's events issue and deliver (文书)
        "document_kinds": {kind.value: pair for kind, pair in DOCUMENT_KIND_LABELS.items()},
    }
