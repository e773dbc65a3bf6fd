"""The two wire formats of GeoReport v2 and its error shape.

Responses are built once as plain data; XML follows from it by the Spark convention the spec
uses (a list is an element whose children are named after one item, a JSON ``null`` is an empty
element), so the two formats cannot drift apart.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Literal

from fastapi import Response

from api.problems import MAX_ERRORS

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# The element each item of a list is written as, by the list's own element name.
ITEM_ELEMENTS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all; echoed client input must not break the document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """Raise below a route to answer in the spec's error shape. ``code`` is the HTTP status, as
    the spec advises; several descriptions give several errors."""

    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions, self.headers = status, descriptions, headers or {}


def render(
    fmt: Format,
    root: str,
    data: dict[str, Any] | list[Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body = json.dumps(data, ensure_ascii=False) if fmt == "json" else xml_document(root, data)
    return Response(body.encode(), status, headers=headers, media_type=MEDIA_TYPES[fmt])


def error_response(
    fmt: Format, status: int, descriptions: tuple[str, ...], headers: dict[str, str] | None = None
) -> Response:
    """The spec's error list. Only the first ``MAX_ERRORS`` are listed, and one more error says
    how many were left out: a request with thousands of bad fields answers a short list."""
    errors = [{"code": status, "description": d} for d in descriptions[:MAX_ERRORS]]
    if len(descriptions) > MAX_ERRORS:
        more = len(descriptions) - MAX_ERRORS
        errors.append(
            {
                "code": status,
                "description": f"… 另有 {more} 项错误（共 {len(descriptions)} 项） / "
                f"and {more} more errors ({len(descriptions)} in all)",
            }
        )
    return render(fmt, "errors", errors, status=status, headers=headers)


def xml_document(root: str, data: dict[str, Any] | list[Any]) -> str:
    element = ET.Element(root)
    _fill(element, data)
    ET.indent(element)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item = ITEM_ELEMENTS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
