"""Free text as petitioners and officers type it: no control characters (NUL above all:
PostgreSQL cannot store it in text, and a row it refuses would hold the projection back), and
surrounding blanks trimmed — with the JSON schema saying exactly that, so that what the schema
allows is accepted and what it forbids is refused."""

from __future__ import annotations

import unicodedata
from typing import Any

from annotated_types import MinLen
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from models.messages import invalid

CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"  # Cc less tab and newlines
TEXT_PATTERN = rf"^[^{CONTROL}]*$"
_BLANKS = r"[^\S\u000b\u000c\u001c-\u001f\u0085]*"  # whitespace that is not a control character
REQUIRED_TEXT_PATTERN = rf"^{_BLANKS}[^\s{CONTROL}][^{CONTROL}]*$"  # not only blanks


# Bidirectional formatting controls (RLO U+202E and kin) reorder how a text is displayed: in a
# title or a name they can make a record read as something it is not. Refused there.
BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI_CHARS = (
    frozenset("\u061c\u200e\u200f")
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)
NAMING_FIELDS = frozenset({"title", "name"})  # titles and names: no bidi controls


def no_bidi(value: str) -> str:
    bad = sorted({c for c in value if c in _BIDI_CHARS})
    if bad:
        codes = [hex(ord(c)) for c in bad]
        raise invalid(
            f"不得含双向控制字符：{codes}",
            f"bidirectional control characters are not allowed: {codes}",
        )
    return value


def printable(value: str) -> str:
    """Refuse control characters; newlines and tabs are text."""
    bad = sorted({c for c in value if unicodedata.category(c) == "Cc" and c not in "\n\r\t"})
    if bad:
        codes = [hex(ord(c)) for c in bad]
        raise invalid(f"不得含控制字符：{codes}", f"control characters are not allowed: {codes}")
    return value


def document_text(schema: dict[str, Any]) -> None:
    """``json_schema_extra``: the text rules as a pattern on every free-text property."""
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(prop):
            pattern = REQUIRED_TEXT_PATTERN if prop.get("minLength", 0) else TEXT_PATTERN
            if name in NAMING_FIELDS:
                pattern = pattern.replace(CONTROL, CONTROL + BIDI)
            prop["pattern"] = pattern


class CleanText(BaseModel):
    """Base of request bodies: unknown fields refused, every string checked and trimmed.

    Lengths are checked on what was sent (as the schema's ``maxLength`` says), blanks trimmed
    after; a required text that was only blanks is refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=document_text)

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, value: object, info: ValidationInfo) -> object:
        if type(value) is not str:  # enum members are str too, and stay members
            return value
        value = printable(value).strip()
        if info.field_name in NAMING_FIELDS:
            value = no_bidi(value)
        field = cls.model_fields.get(info.field_name or "")
        required = field is not None and any(
            isinstance(m, MinLen) and m.min_length > 0 for m in field.metadata
        )
        if required and not value:
            raise invalid("不能为空白", "must not be blank")
        return value
