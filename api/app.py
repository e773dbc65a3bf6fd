"""The FastAPI application: one Temporal client and one database engine per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import dashboard, limits, metrics, problems, routes_codec
from api.alerts.routes import router as alerts_router
from api.cases.routes import router as cases_router
from api.open311.routes import router as open311_router
from api.public.routes import router as public_router
from api.public.service import tracking_limiter
from api.stats.routes import router as stats_router
from petitionflow.db import make_engine
from petitionflow.settings import Settings
from petitionflow.temporal import connect


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own client and engine; otherwise the lifespan makes them."""
    settings = settings or Settings()
    settings.sla_policy  # noqa: B018  (a bad policy stops start-up, naming the key)
    settings.secret()
    settings.payload_codec  # noqa: B018  (outside dev a missing payload key stops start-up)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(settings.resolved_database_url)
        app.state.temporal = client or await connect(settings)
        yield
        if own_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="petitionflow",
        version="1",
        description="信访事项办理工作流 — petition casework as durable workflows",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tracking_limiter = tracking_limiter()
    if engine is not None:
        app.state.engine = engine
    if client is not None:
        app.state.temporal = client
    problems.install(app)
    metrics.install(app)
    limits.install(app)
    app.add_middleware(
        CORSMiddleware,  # the Temporal Web UI calls the codec endpoint from its own origin
        allow_origins=settings.codec_origins,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )
    app.include_router(cases_router)
    app.include_router(public_router)
    app.include_router(routes_codec.router)
    app.include_router(alerts_router)
    app.include_router(stats_router)
    app.include_router(open311_router)
    app.include_router(dashboard.router)
    dashboard.mount_static(app)
    return app
