"""Metrics (API and worker), JSON logs and traces — with case ids, never personal data."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from petitionflow.observability import (
    configure_logging,
    publish_open_cases,
    tracing_interceptors,
    worker_runtime,
)
from petitionflow.settings import Settings
from petitionflow.worker import build_worker
from tests.api.conftest import Stack
from tests.test_dev_command import free_port
from tests.workflows.cases import PETITIONER, CaseDriver


async def test_api_metrics_by_route_template(api: Stack) -> None:
    case_id = (await api.register()).json()["case_id"]
    await api.get(f"/api/v1/cases/{case_id}")
    await api.get("/api/v1/cases/nope")
    text = (await api.http.get("/metrics")).text
    assert 'petitionflow_http_requests_total{method="POST",route="/api/v1/cases",status="201"}' in (
        text
    )
    assert 'route="/api/v1/cases/{case_id}",status="404"' in text
    assert case_id not in text and "petitionflow_http_request_duration_seconds_bucket" in text


async def test_worker_exports_sdk_and_business_metrics(
    temporal: WorkflowEnvironment, engine: Engine
) -> None:
    port = free_port()
    settings = Settings(env="test", worker_metrics_address=f"127.0.0.1:{port}")
    runtime = worker_runtime(settings)
    assert runtime is not None
    client = await Client.connect(
        temporal.client.service_client.config.target_host,
        namespace=temporal.client.namespace,
        data_converter=temporal.client.data_converter,
        runtime=runtime,
    )
    task_queue = f"metrics-{uuid.uuid4().hex[:8]}"
    gauges = asyncio.create_task(publish_open_cases(engine, runtime, every=0.2))
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            client,
            task_queue=task_queue,
            engine=engine,
            calendar=settings.work_calendar,
            executor=executor,
        )
        async with worker:
            driver = CaseDriver(env=temporal, engine=engine, task_queue=task_queue)
            handle = await driver.start(policy='[clocks]\nacceptance = "PT1S"\n')
            for _ in range(60):
                if (await driver.snapshot(handle)).level == "town":
                    break
                await asyncio.sleep(0.1)
            await driver.projected(handle)
            await asyncio.sleep(0.5)
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            await driver.close()
    gauges.cancel()
    assert "petition_alerts_total{" in text and 'kind="breach"' in text
    assert 'kind="escalation"' in text
    assert "temporal_workflow_task_execution_latency" in text  # the SDK's own metrics
    assert "petition_open_cases{" in text and 'level="town"' in text
    assert PETITIONER.name not in text and PETITIONER.phone not in text


async def test_json_logs_carry_case_ids_not_personal_data(api: Stack) -> None:
    stream = io.StringIO()
    configure_logging(Settings(env="test", log_format="json"), stream=stream)
    try:
        case_id = (await api.register(petitioner_phone="13700001111")).json()["case_id"]
        await api.act(case_id, "accept")
        await asyncio.sleep(0.5)
    finally:
        logging.getLogger().handlers[:] = []
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    projected = [r for r in records if r.get("message") == "case projected"]
    assert projected and all(r["case_id"] == case_id for r in projected)
    assert {"time", "level", "logger", "message"} <= set(projected[0])
    text = stream.getvalue()
    assert "王五" not in text and "13700001111" not in text


async def test_traces_when_an_endpoint_is_set(temporal: WorkflowEnvironment, engine: Engine):
    exporter = InMemorySpanExporter()
    settings = Settings(env="test", otel_endpoint="http://collector:4318/v1/traces")
    interceptors = tracing_interceptors(settings, exporter=exporter)
    assert tracing_interceptors(Settings(env="test")) == []
    client = await Client.connect(
        temporal.client.service_client.config.target_host,
        namespace=temporal.client.namespace,
        data_converter=temporal.client.data_converter,
        interceptors=interceptors,  # type: ignore[arg-type]
    )
    task_queue = f"traces-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(
            client,
            task_queue=task_queue,
            engine=engine,
            calendar=settings.work_calendar,
            executor=executor,
        )
        async with worker:
            driver = CaseDriver(env=temporal, engine=engine, task_queue=task_queue)
            driver.env = type("E", (), {"client": client})()  # type: ignore[assignment]
            handle = await driver.start()
            await driver.act(handle, "accept")
            await driver.projected(handle)
            await driver.close()
    interceptors[0]  # keep the provider alive until spans are flushed
    names: set[str] = set()
    for _ in range(40):  # the batch processor exports every 5 s
        names = {span.name for span in exporter.get_finished_spans()}
        if any(n.startswith("RunActivity:") for n in names):
            break
        await asyncio.sleep(0.5)
    assert "StartWorkflow:PetitionWorkflow" in names
    assert "RunWorkflow:PetitionWorkflow" in names
    assert any(n.startswith("RunActivity:") for n in names)
