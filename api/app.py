"""The FastAPI application: one Temporal client and one database engine per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import dashboard, limits, metrics, problems, routes_codec
from api.alerts.routes import router as alerts_router
from api.alerts.stream import AlertHub
from api.attachments.routes import PATH as ATTACHMENT_UPLOAD
from api.attachments.routes import router as attachments_router
from api.bulk.routes import router as bulk_router
from api.cases.routes import router as cases_router
from api.client_address import trusted_networks
from api.disputes.routes import router as disputes_router
from api.documents.routes import router as documents_router
from api.exports.routes import router as exports_router
from api.open311.routes import router as open311_router
from api.people.routes import router as people_router
from api.public.routes import router as public_router
from api.public.service import tracking_limiter
from api.stats.routes import router as stats_router
from api.track.routes import router as track_router
from api.users.routes import router as users_router
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
    trusted_networks(settings.trusted_proxies)  # a bad address stops start-up, naming it
    settings.payload_codec  # noqa: B018  (outside dev a missing payload key stops start-up)
    settings.attachment_store  # noqa: B018  (the store is set up, its directory made, once)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        app.state.temporal = client or await connect(settings)
        yield
        await app.state.alert_hub.close()
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
    app.state.alert_hub = AlertHub(
        poll_seconds=lambda: settings.stream_poll_seconds,
        max_per_user=lambda: settings.stream_max_per_user,
    )
    if engine is not None:
        app.state.engine = engine
    if client is not None:
        app.state.temporal = client
    problems.install(app)
    metrics.install(app)
    limits.install(
        app,
        max_bytes=settings.max_body_bytes,
        uploads=[(ATTACHMENT_UPLOAD, settings.attachments_max_bytes)],
    )
    app.add_middleware(  # the Temporal Web UI calls the codec endpoint from its own origin
        routes_codec.CodecCors,
        origins=settings.codec_origins,
    )
    app.include_router(people_router)
    app.include_router(exports_router)  # before the cases' /{case_id} routes
    app.include_router(cases_router)
    app.include_router(attachments_router)
    app.include_router(documents_router)
    app.include_router(public_router)
    app.include_router(track_router)
    app.include_router(routes_codec.router)
    app.include_router(alerts_router)
    app.include_router(stats_router)
    app.include_router(disputes_router)  # 调解 statistics, 预测预警 (issue 17)
    app.include_router(users_router)
    app.include_router(bulk_router)
    app.include_router(open311_router)
    app.include_router(dashboard.router)
    dashboard.mount_static(app)
    return app
