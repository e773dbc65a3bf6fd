"""Dependencies every route receives: a database session, the Temporal client, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.auth import Caller, authenticate, caller_for
from api.problems import ProblemError
from models.messages import Message
from petitionflow.settings import Settings

bearer = HTTPBearer(auto_error=False, description="Bearer token from `petitionflow users create`")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]
Temporal = Annotated[Client, Depends(get_temporal)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def get_caller(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ProblemError(
            401, Message("缺少访问令牌", "missing bearer token"), headers=unauthorized
        )
    user = authenticate(session, credentials.credentials)
    if user is None:
        raise ProblemError(
            401, Message("访问令牌无效", "invalid bearer token"), headers=unauthorized
        )
    return caller_for(session, user)


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def get_caller_briefly(
    engine: Annotated[Engine, Depends(get_engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller, from a session closed before the route runs: for long responses (the alert
    stream), which must not hold a database connection while they last."""
    with Session(engine) as session:
        return get_caller(session, credentials)


BriefCaller = Annotated[Caller, Depends(get_caller_briefly)]
