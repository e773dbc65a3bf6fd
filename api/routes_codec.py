"""The codec endpoint the Temporal Web UI calls to show encrypted payloads to an admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payloads

from api.deps import AppSettings, bearer, get_caller, get_engine
from api.problems import ProblemError, responses
from models.messages import Message
from models.vocabulary import Role

PREFIX = "/codec"
router = APIRouter(prefix=PREFIX, tags=["operations"])


class CodecCors:
    """CORS for the codec endpoint only: the Temporal Web UI's origins may call ``/codec``, and
    no other route answers a cross-origin request or preflight."""

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        inner = self.cors if path == PREFIX or path.startswith(PREFIX + "/") else self.app
        await inner(scope, receive, send)


# protobuf's JSON for bytes: standard or URL-safe base64, padding optional (never 4n+1 chars)
_B64 = "[A-Za-z0-9+/_-]"
BASE64 = rf"^({_B64}{{4}})*({_B64}{{2}}(==)?|{_B64}{{3}}=?)?$"


class PayloadJson(BaseModel):
    """A ``temporal.api.common.v1.Payload`` in protobuf's JSON mapping."""

    model_config = ConfigDict(extra="forbid")
    metadata: dict[str, Annotated[str, Field(pattern=BASE64)]] = {}
    data: str = Field(default="", pattern=BASE64)


class PayloadsJson(BaseModel):
    """What the Temporal Web UI's codec client sends and expects back."""

    model_config = ConfigDict(extra="forbid")
    payloads: list[PayloadJson] = []


def _payloads(body: PayloadsJson) -> Payloads:
    try:
        return json_format.ParseDict(body.model_dump(exclude_defaults=True), Payloads())
    except json_format.ParseError as exc:
        raise ProblemError(
            422, Message(f"payloads：无法读取（{exc}）", f"payloads: {exc}")
        ) from None


def _answer(payloads: Any) -> PayloadsJson:
    return PayloadsJson.model_validate(json_format.MessageToDict(Payloads(payloads=payloads)))


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def codec_user(
    request: Request,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Admins only: payloads hold personal data. One exception, for `make dev` out of the box:
    the dev server's Web UI sends no token, so with ``codec_dev_loopback`` (set by
    ``petitionflow dev``, refused outside the dev environment) a call from this machine needs
    none."""
    client = request.client.host if request.client else ""
    if credentials is None and settings.codec_dev_loopback and client in LOOPBACK:
        return
    with Session(get_engine(request)) as session:
        caller = get_caller(session, credentials)
    if caller.role is not Role.admin:
        raise ProblemError(
            403, Message("只有管理员可以加解密", "only an admin may decode or encode payloads")
        )


CodecUser = Annotated[None, Depends(codec_user)]


@router.post("/decode", responses=responses(401, 403, 422))
async def decode(_: CodecUser, settings: AppSettings, body: PayloadsJson) -> PayloadsJson:
    """Decrypt payloads for the Temporal Web UI — admins only: they hold personal data."""
    return _answer(await settings.payload_codec.decode(_payloads(body).payloads))


@router.post("/encode", responses=responses(401, 403, 422))
async def encode(_: CodecUser, settings: AppSettings, body: PayloadsJson) -> PayloadsJson:
    return _answer(await settings.payload_codec.encode(_payloads(body).payloads))
