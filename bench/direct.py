"""Registering cases straight on Temporal — the workflow start the API makes (update-with-start of
``registration``, the same ``StartCase``), without HTTP and the database checks in front of it.
Used where many open cases are needed quickly (clock exactness, footprint), not where the API's
cost is measured."""

from __future__ import annotations

import hmac
import random
import uuid
from datetime import UTC, datetime
from hashlib import sha256

from api.cases.schemas import new_tracking_code
from api.cases.workflow import start_case
from bench.stack import Stack
from bench.workload import next_serial, registration
from models.boundary import CaseSnapshot, Petitioner, StartCase
from models.case import UnitRef
from models.policy import SlaPolicy
from models.vocabulary import Channel, Kind, Level, Severity

STARTING_LEVEL = {Severity.minor: Level.village, Severity.major: Level.town}


def unit_path(stack: Stack, unit_id: str) -> list[UnitRef]:
    """The unit and its ancestors, nearest first."""
    by_id = {u.id: u for u in stack.tree.specs}
    path, current = [], by_id.get(unit_id)
    while current is not None:
        path.append(UnitRef(id=current.id, level=current.level, name=current.name))
        current = by_id.get(current.parent) if current.parent else None
    return path


async def register(
    stack: Stack,
    *,
    unit_id: str,
    severity: Severity,
    policy: SlaPolicy,
    serial: int,
    rng: random.Random,
) -> CaseSnapshot:
    body = registration(rng, serial, unit_id)
    petitioner = Petitioner.model_validate(body["petitioner"])
    key = hmac.new(stack.settings.secret(), petitioner.id_number.encode(), sha256).hexdigest()
    case_id = uuid.uuid4().hex[:20]
    start = StartCase(
        case_id=case_id,
        tracking_code=new_tracking_code(),
        kind=Kind(body["kind"]),
        category=body["category"],
        severity=severity,
        channel=Channel(body["channel"]),
        title=body["title"],
        description=body["description"],
        petitioner=petitioner,
        petitioner_key=key,
        unit_path=unit_path(stack, unit_id),
        policy=policy,
        registered_by="bench",
    )
    return await start_case(stack.client, start, stack.settings.task_queue)


async def group_case_at_county(
    stack: Stack, policy: SlaPolicy, rng: random.Random
) -> tuple[str, datetime]:
    """A group petition (集体访) registered at the county: its case id and acceptance due time."""
    snapshot = await register(
        stack,
        unit_id=stack.tree.specs[0].id,
        severity=Severity.group,
        policy=policy,
        serial=next_serial(),
        rng=rng,
    )
    clock = next(d for d in snapshot.deadlines if d.clock == "acceptance")
    return snapshot.case_id, clock.due_at.astimezone(UTC)
