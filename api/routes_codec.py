"""The codec endpoint the Temporal Web UI calls to show encrypted payloads to an admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from api.deps import AppSettings, CurrentCaller
from api.problems import ProblemError, responses
from models.vocabulary import Role

router = APIRouter(prefix="/codec", tags=["operations"])


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        return json_format.ParseDict(body, Payloads())
    except json_format.ParseError as exc:
        raise ProblemError(422, f"payloads: {exc}") from None


@router.post("/decode", responses=responses(401, 403, 422))
async def decode(
    caller: CurrentCaller, settings: AppSettings, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Decrypt payloads for the Temporal Web UI — admins only: they hold personal data."""
    if caller.role is not Role.admin:
        raise ProblemError(403, "只有管理员可以解密 / only an admin may decode payloads")
    decoded = await settings.payload_codec.decode(_payloads(body).payloads)
    return json_format.MessageToDict(Payloads(payloads=decoded))


@router.post("/encode", responses=responses(401, 403, 422))
async def encode(
    caller: CurrentCaller, settings: AppSettings, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    if caller.role is not Role.admin:
        raise ProblemError(403, "只有管理员可以加密 / only an admin may encode payloads")
    encoded = await settings.payload_codec.encode(_payloads(body).payloads)
    return json_format.MessageToDict(Payloads(payloads=encoded))
