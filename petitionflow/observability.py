"""Metrics, logs and traces for the worker and the API. Labels and log fields carry case ids,
states, levels and units — never personal data."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity, workflow
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from models.lifecycle import FINAL_STATES, PetitionLifecycle
from models.tables import CaseRow
from models.vocabulary import Level
from petitionflow.settings import Settings

log = logging.getLogger("petitionflow.metrics")
OPEN_STATES = [s.id for s in PetitionLifecycle.states if s.id not in FINAL_STATES]


def worker_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime that serves the SDK's metrics (and ours) for Prometheus."""
    if not settings.worker_metrics_address:
        return None
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=settings.worker_metrics_address, counters_total_suffix=True
            )
        )
    )


def count_open_cases(engine: Engine) -> dict[tuple[str, str], int]:
    """Open cases by (state, level), every combination present (zero when none)."""
    counts = {(state, level.value): 0 for state in OPEN_STATES for level in Level}
    with Session(engine) as session:
        rows = session.exec(
            select(CaseRow.state, CaseRow.level, func.count())
            .where(col(CaseRow.state).in_(OPEN_STATES))
            .group_by(CaseRow.state, CaseRow.level)
        ).all()
    for state, level, n in rows:
        counts[(state, level)] = n
    return counts


async def publish_open_cases(engine: Engine, runtime: Runtime, *, every: float = 15) -> None:
    """Keep the ``petition_open_cases`` gauge current from the projection."""
    gauge = runtime.metric_meter.create_gauge(
        "petition_open_cases", "open petition cases by state and level"
    )
    while True:
        try:
            counts = await asyncio.to_thread(count_open_cases, engine)
            for (state, level), n in counts.items():
                gauge.set(n, {"state": state, "level": level})
        except Exception:  # a database outage must not stop the worker; try again later
            log.warning("could not count open cases", exc_info=True)
        await asyncio.sleep(every)


def configure_logging(settings: Settings, *, stream: object = None) -> None:
    """JSON lines on stderr: one object per record with its extra fields (case_id, clock...)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
        # Temporal's context (workflow and activity ids — no personal data) goes into fields
        # instead of being appended to every message.
        activity.logger.activity_info_on_message = False
        workflow.logger.workflow_info_on_message = False
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and a webhook URL may carry credentials.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def tracing_interceptors(settings: Settings, *, exporter: object = None) -> Sequence[object]:
    """OpenTelemetry spans for workflow starts, updates, activities — when an endpoint is set
    (``exporter`` replaces the OTLP exporter, for tests)."""
    if not settings.otel_endpoint:
        return []
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from temporalio.contrib.opentelemetry import TracingInterceptor

    provider = TracerProvider(resource=Resource.create({"service.name": "petitionflow"}))
    span_exporter = exporter or OTLPSpanExporter(endpoint=settings.otel_endpoint)
    provider.add_span_processor(BatchSpanProcessor(span_exporter))  # type: ignore[arg-type]
    return [TracingInterceptor(provider.get_tracer("petitionflow"))]
