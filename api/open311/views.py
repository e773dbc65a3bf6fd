"""The GeoReport v2 documents as plain data, field for field in the spec's order.

A service request shows only what the case's projection holds that identifies no one: no
petitioner, and no description or location either, since petition text and places routinely
name the people involved (个人信息保护法); officers read those through ``/api/v1``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.open311 import wording
from api.open311.catalogue import (
    CHANGESET,
    LIST_DATATYPES,
    SERVICES,
    Service,
    service_for_category,
)
from models.lifecycle import FINAL_STATES
from models.tables import CaseRow

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTACT = "请联系本级社会治理综合指挥服务中心（矛调中心）信访工作平台管理员"
KEY_SERVICE = (
    "api_key 由平台管理员签发并绑定受理单位：petitionflow open311 keys create --unit 单位编号"
)
UNDISCLOSED: dict[str, Any] = dict.fromkeys(
    ("address", "address_id", "zipcode", "lat", "long", "media_url")
)


def discovery(endpoint_url: str, *, production: bool) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": CHANGESET,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services() -> list[dict[str, Any]]:
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": s.metadata,
            "type": "realtime",  # a token only when the case cannot be confirmed in time
            "keywords": ", ".join(s.keywords),
            "group": s.group,
        }
        for s in SERVICES
    ]


def definition(service: Service) -> dict[str, Any]:
    attributes = []
    for order, a in enumerate(service.attributes, start=1):
        attribute: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": order,
            "description": a.description,
        }
        if a.datatype in LIST_DATATYPES:
            attribute["values"] = [{"key": v.key, "name": v.name} for v in a.values]
        attributes.append(attribute)
    return {"service_code": service.code, "attributes": attributes}


def service_request(
    row: CaseRow, *, agency: str | None, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    snapshot = row.snapshot
    service = service_for_category(row.category)
    running = running_clock(snapshot)
    return {
        "service_request_id": row.tracking_code,
        "status": "closed" if row.state in FINAL_STATES else "open",
        "status_notes": wording.status_notes(
            row.state,
            decline_reason=snapshot.get("decline_reason"),
            suspension=suspension_cause(snapshot),
        ),
        "service_name": service.name,
        "service_code": service.code,
        "description": None,
        "agency_responsible": agency,
        "service_notice": notice(running, zone),
        "requested_datetime": w3(row.created_at, zone),
        "updated_datetime": w3(row.updated_at, zone),
        "expected_datetime": w3(running[1], zone) if running else None,
        **UNDISCLOSED,
    }


def running_clock(snapshot: dict[str, Any]) -> tuple[str, datetime] | None:
    """The live clock of the case's current step and its due time.

    While any clock is paused (中止) there is no due date: the time paused does not count and
    its end is not known, so the request shows the pause (``status_notes``) instead of a date
    that would be stale. The level window is an internal target, not the date owed to the
    petitioner, so it is left out.
    """
    deadlines = snapshot.get("deadlines", [])
    if any(clock["status"] == "paused" for clock in deadlines):
        return None
    live = [
        (datetime.fromisoformat(clock["due_at"]), clock["clock"])
        for clock in deadlines
        if clock["clock"] != "level" and clock["status"] == "running"
    ]
    if not live:
        return None
    due, name = min(live)
    return name, due


def suspension_cause(snapshot: dict[str, Any]) -> str | None:
    for clock in snapshot.get("deadlines", []):
        if clock["status"] == "paused" and clock["paused"]:
            return str(clock["paused"][-1].get("reason") or "other")
    return None


def notice(running: tuple[str, datetime] | None, zone: ZoneInfo) -> str | None:
    if running is None or running[0] not in wording.CLOCK_NOTICES:
        return None
    due = running[1].astimezone(zone)
    return wording.CLOCK_NOTICES[running[0]].format(due=f"{due:%Y-%m-%d %H:%M}")


def w3(moment: datetime, zone: ZoneInfo) -> str:
    """The spec's date-time: ISO 8601 with the offset, here the policy's time zone."""
    return moment.astimezone(zone).isoformat(timespec="seconds")
