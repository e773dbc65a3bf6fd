"""Sentences for people, in the two languages the service speaks.

A message carries its Chinese and its English; the answer that shows it picks one (the
problem handler, from the client's ``Accept-Language``, Chinese by default), so no response mixes
the two on one line. Validation errors of pydantic's own kinds are worded here too, without the
library's prefixes ("Value error, …").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic_core import PydanticCustomError

Lang = Literal["zh", "en"]
DEFAULT_LANG: Lang = "zh"
LEGACY_SEPARATOR = " / "  # how messages were written before: "中文 / English" in one string


@dataclass(frozen=True)
class Message:
    zh: str
    en: str

    def pick(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:  # logs and exception text, read by operators: both
        return self.zh if self.zh == self.en else f"{self.zh}{LEGACY_SEPARATOR}{self.en}"

    def to_wire(self) -> dict[str, str]:
        """Plain data, for errors that cross Temporal (``ApplicationError.details``)."""
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def of(cls, value: Message | Mapping[str, Any] | str) -> Message:
        """A message from what a caller or an error's details hold. A plain string is the form
        of an earlier version (or of a worker not yet upgraded): "中文 / English" is split, any
        other string is said the same in both languages."""
        if isinstance(value, Message):
            return value
        if isinstance(value, Mapping):
            return cls(str(value.get("zh", "")), str(value.get("en", value.get("zh", ""))))
        zh, sep, en = str(value).partition(LEGACY_SEPARATOR)
        return cls(zh, en) if sep and _has_cjk(zh) and not _has_cjk(en) else cls(value, value)

    def prefixed(self, field: str) -> Message:
        return Message(f"{field}: {self.zh}", f"{field}: {self.en}")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def preferred_language(accept_language: str | None) -> Lang:
    """The client's choice between Chinese and English by ``Accept-Language`` (RFC 9110 quality
    values); Chinese when it names neither."""
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        primary = tag.lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (quality, -position, "zh" if primary == "zh" else "en")
        if best is None or candidate[:2] > best[:2]:
            best = candidate  # type: ignore[assignment]
    return best[2] if best else DEFAULT_LANG


def invalid(zh: str, en: str) -> PydanticCustomError:
    """What a validator raises: pydantic reports it without a prefix, with both wordings."""
    return PydanticCustomError("invalid", "{zh}", {"zh": zh, "en": en})


# pydantic's error kinds, worded for officers; {name} fills from the error's context.
_KINDS: dict[str, tuple[str, str]] = {
    "missing": ("必填", "required"),
    "extra_forbidden": ("不是可接受的字段", "not a field this request takes"),
    "string_type": ("须为文本", "must be text"),
    "string_too_short": ("至少 {min_length} 个字符", "at least {min_length} characters"),
    "string_too_long": ("不得超过 {max_length} 个字符", "at most {max_length} characters"),
    "string_pattern_mismatch": ("格式不正确", "not in the expected format"),
    "int_type": ("须为整数", "must be a whole number"),
    "int_parsing": ("须为整数", "must be a whole number"),
    "int_from_float": ("须为整数", "must be a whole number"),
    "float_type": ("须为数字", "must be a number"),
    "float_parsing": ("须为数字", "must be a number"),
    "bool_type": ("须为 true 或 false", "must be true or false"),
    "bool_parsing": ("须为 true 或 false", "must be true or false"),
    "greater_than_equal": ("不得小于 {ge}", "must be at least {ge}"),
    "greater_than": ("须大于 {gt}", "must be greater than {gt}"),
    "less_than_equal": ("不得大于 {le}", "must be at most {le}"),
    "less_than": ("须小于 {lt}", "must be less than {lt}"),
    "enum": ("须为 {expected} 之一", "must be one of {expected}"),
    "literal_error": ("须为 {expected} 之一", "must be one of {expected}"),
    "union_tag_invalid": ("须为 {expected_tags} 之一", "must be one of {expected_tags}"),
    "union_tag_not_found": ("缺少 {discriminator}", "{discriminator} is required"),
    "json_invalid": ("不是有效的 JSON：{error}", "not valid JSON: {error}"),
    "json_type": ("不是有效的 JSON", "not valid JSON"),
    "model_type": ("须为 JSON 对象", "must be a JSON object"),
    "model_attributes_type": ("须为 JSON 对象", "must be a JSON object"),
    "dict_type": ("须为 JSON 对象", "must be a JSON object"),
    "list_type": ("须为列表", "must be a list"),
    "too_short": ("至少 {min_length} 项", "at least {min_length} items"),
    "too_long": ("至多 {max_length} 项", "at most {max_length} items"),
    "date_type": ("须为日期，如 2026-03-01", "must be a date such as 2026-03-01"),
    "date_parsing": ("须为日期，如 2026-03-01", "must be a date such as 2026-03-01"),
    "date_from_datetime_parsing": ("须为日期，如 2026-03-01", "must be a date such as 2026-03-01"),
    "date_from_datetime_inexact": ("须为日期，不带时刻", "must be a date without a time"),
    "datetime_type": (
        "须为带时区偏移的时间，如 2026-03-01T08:00:00+08:00",
        "must be a time with an offset, such as 2026-03-01T08:00:00+08:00",
    ),
    "datetime_parsing": (
        "须为带时区偏移的时间，如 2026-03-01T08:00:00+08:00",
        "must be a time with an offset, such as 2026-03-01T08:00:00+08:00",
    ),
    "datetime_from_date_parsing": (
        "须为带时区偏移的时间，如 2026-03-01T08:00:00+08:00",
        "must be a time with an offset, such as 2026-03-01T08:00:00+08:00",
    ),
    "timezone_aware": ("须带时区偏移", "must carry an offset"),
    "url_parsing": ("不是有效的网址", "not a valid URL"),
    "url_scheme": ("网址须以 {expected_schemes} 开头", "the URL must use {expected_schemes}"),
}
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def _fill(template: str, context: Mapping[str, Any]) -> str:
    try:
        return template.format(**{k: _shown(v) for k, v in context.items()})
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：: ") or template


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def validation_message(error: Mapping[str, Any]) -> Message:
    """One pydantic error (an item of ``ValidationError.errors()``) as a message."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "invalid" and "zh" in context:
        return Message(str(context["zh"]), str(context.get("en", context["zh"])))
    if kind == "string_too_short" and context.get("min_length") == 1:
        return Message("必填", "required")  # a required text left empty
    if kind in _KINDS:
        zh, en = _KINDS[kind]
        return Message(_fill(zh, context), _fill(en, context))
    text = str(error.get("msg", ""))
    for prefix in _LIBRARY_PREFIXES:
        text = text.removeprefix(prefix)
    original = context.get("error")
    if isinstance(original, BaseException) and str(original):
        text = str(original)
    legacy = Message.of(text)
    if legacy.zh != legacy.en:
        return legacy
    return Message("取值无效", text or "invalid value")


def of_exception(exc: BaseException) -> Message:
    """What an exception says: an :func:`invalid` error's two wordings, else its text."""
    if isinstance(exc, PydanticCustomError) and "zh" in (exc.context or {}):
        context = exc.context or {}
        return Message(str(context["zh"]), str(context.get("en", context["zh"])))
    return Message.of(str(exc))
