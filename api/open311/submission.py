"""A POSTed GeoReport v2 service request → the registration body of ``POST /api/v1/cases``.

The spec's fields that a petition has no field for (location, media, attribute answers) go into
the case's description, where the officers read them; the e-mail and device id are not
collected, since the case does not need them (个人信息保护法: collect what the case needs).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from api.cases.schemas import PetitionerIn, RegistrationIn
from api.open311.catalogue import LIST_DATATYPES, Attribute, Service, Value
from api.open311.wire import Open311Error
from models.vocabulary import Channel, Severity

MAX_DESCRIPTION = 4000  # the spec's limit for the free text
MAX_ANSWER = 1000
ANONYMOUS = "匿名"
# The strongest answer decides where the case starts (集体访 and urgent risks go to the county).
SEVERITY_ORDER = (Severity.urgent, Severity.group, Severity.major, Severity.minor)
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_FIELD_NAMES = {"petitioner.name": "first_name/last_name", "petitioner.phone": "phone"}


class Form:
    """Form fields (the spec's ``application/x-www-form-urlencoded``), query string first so the
    body wins. An empty field counts as absent, as the spec's optional arguments require."""

    def __init__(self, query: str, body: bytes, *, api_key_header: str | None = None) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Open311Error(400, "请求体须为 UTF-8 编码 / the body must be UTF-8") from None
        in_query = parse_qsl(query, keep_blank_values=True)
        if any(name == "api_key" for name, _ in in_query):
            # a key in the URL ends up in proxies' and servers' access logs
            raise Open311Error(
                400,
                "api_key 须放在请求体或 X-Api-Key 头中，不得放在网址里 / send api_key in the "
                "form body or the X-Api-Key header, never in the query string",
            )
        self.pairs = in_query + parse_qsl(text, keep_blank_values=True)
        if api_key_header and api_key_header.strip():
            self.pairs.append(("api_key", api_key_header.strip()))

    def get(self, name: str) -> str:
        values = [v.strip() for k, v in self.pairs if k == name and v.strip()]
        return values[-1] if values else ""

    def answers(self) -> dict[str, list[str]]:
        """``attribute[code]=v`` and, for multivaluelists, ``attribute[code][]=v`` repeated."""
        found: dict[str, list[str]] = {}
        for name, value in self.pairs:
            match = _ATTRIBUTE_FIELD.match(name)
            if match and value.strip():
                found.setdefault(match.group(1), []).append(value.strip())
        return found


@dataclass(frozen=True)
class Answer:
    attribute: Attribute
    text: str  # as the officers read it
    chosen: tuple[Value, ...] = ()


def registration(form: Form, service: Service, *, unit_id: str, source: str) -> RegistrationIn:
    """The registration the submission stands for; 400 naming every bad field at once."""
    errors: list[str] = []
    petitioner = _petitioner(form, errors)
    answers = _answers(form.answers(), service, errors)
    place = _location(form, errors)
    text = form.get("description")
    if len(text) > MAX_DESCRIPTION:
        errors.append(f"description: 不得超过 {MAX_DESCRIPTION} 字 / at most {MAX_DESCRIPTION}")
    media_url = form.get("media_url")
    if media_url and not re.match(r"^https?://\S{1,1000}$", media_url):
        errors.append("media_url: 须为 http(s) 链接 / must be an http(s) URL")
    if errors or petitioner is None:
        raise Open311Error(400, *errors)

    details = [f"【{a.attribute.description}】{a.text}" for a in answers]
    details += [f"【事发地点】{place}", f"【来源】{source}"]
    if media_url:
        details.append(f"【附件】{media_url}")
    chosen = [v for a in answers for v in a.chosen]
    body: dict[str, Any] = {
        "petitioner": petitioner.model_dump(),
        "channel": Channel.online,
        "kind": next((v.kind for v in chosen if v.kind), service.kind),
        "category": service.name,
        "severity": _severity(chosen),
        "unit_id": unit_id,
        "title": _title(service, text),
        "description": "\n\n".join(p for p in (text, "\n".join(details)) if p),
    }
    try:
        return RegistrationIn.model_validate(body)
    except ValidationError as exc:
        raise Open311Error(400, *(_described(e) for e in exc.errors())) from None


def _answers(given: dict[str, list[str]], service: Service, errors: list[str]) -> list[Answer]:
    answers = []
    for code in given:
        if service.attribute(code) is None:
            errors.append(f"attribute[{code}]: 服务“{service.name}”没有此属性 / unknown attribute")
    for attribute in service.attributes:
        values = given.get(attribute.code, [])
        if not attribute.variable:
            continue  # information for the user; nothing to answer
        if not values:
            if attribute.required:
                errors.append(f"attribute[{attribute.code}]: 必填 / required")
            continue
        try:
            answers.append(_answer(attribute, values))
        except ValueError as exc:
            errors.append(f"attribute[{attribute.code}]: {exc}")
    return answers


def _answer(attribute: Attribute, values: list[str]) -> Answer:
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        raise ValueError("只能填写一个值 / takes a single value")
    if attribute.datatype in LIST_DATATYPES:
        chosen = [attribute.value(v) for v in dict.fromkeys(values)]
        if None in chosen:
            keys = ", ".join(v.key for v in attribute.values)
            raise ValueError(f"取值须为 {keys} 之一 / must be one of {keys}")
        picked = tuple(v for v in chosen if v is not None)
        return Answer(attribute, "、".join(v.name for v in picked), picked)
    value = values[0]
    if len(value) > MAX_ANSWER:
        raise ValueError(f"不得超过 {MAX_ANSWER} 字 / at most {MAX_ANSWER} characters")
    if attribute.datatype == "number" and not _is_number(value):
        raise ValueError("须为数字 / must be a number")
    if attribute.datatype == "datetime" and not _is_datetime(value):
        raise ValueError("须为 ISO 8601 时间 / must be an ISO 8601 time")
    if attribute.datatype == "string" and "\n" in value:
        raise ValueError("不能换行 / must be a single line")
    return Answer(attribute, value)


def _location(form: Form, errors: list[str]) -> str:
    """The spec requires one of lat & long, address_string or address_id."""
    lat, long = form.get("lat"), form.get("long")
    address, address_id = form.get("address_string"), form.get("address_id")
    parts = [address] if address else []
    if lat or long:
        if _within(lat, 90) and _within(long, 180):
            parts.append(f"（纬度 {float(lat)}，经度 {float(long)}）")
        else:
            errors.append(
                "lat/long: 须同时提供纬度（-90～90）和经度（-180～180） / give both, as WGS84 "
                "degrees"
            )
    if address_id:
        parts.append(f"（地址编号 {address_id}）")
    if not (parts or lat or long):
        errors.append(
            "location: 须提供 lat 和 long、address_string 或 address_id 之一 / one of lat & "
            "long, address_string or address_id is required"
        )
    return "".join(parts)


def _severity(chosen: list[Value]) -> Severity:
    raised = {v.severity for v in chosen if v.severity is not None}
    return next((s for s in SEVERITY_ORDER if s in raised), Severity.minor)


def _petitioner(form: Form, errors: list[str]) -> PetitionerIn | None:
    try:
        return PetitionerIn(name=_name(form), phone=form.get("phone"))
    except ValidationError as exc:
        errors.extend(_described(e, within="petitioner") for e in exc.errors())
        return None


def _name(form: Form) -> str:
    first, last = form.get("first_name"), form.get("last_name")
    if first.isascii() and last.isascii():
        return " ".join(p for p in (first, last) if p) or ANONYMOUS
    return f"{last}{first}"  # 姓在前


def _title(service: Service, text: str) -> str:
    first_line = text.splitlines()[0].strip() if text else ""
    snippet = first_line[:30] + ("…" if len(first_line) > 30 else "")
    return f"{service.name}：{snippet}" if snippet else f"{service.name}（网上信访）"


def _described(error: Any, within: str = "") -> str:
    field = ".".join(p for p in (within, *map(str, error["loc"])) if p)
    return f"{_FIELD_NAMES.get(field, field)}: {error['msg']}"


def _within(text: str, limit: float) -> bool:
    return _is_number(text) and abs(float(text)) <= limit


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
