"""The Temporal client, made in one place with the project's data converter."""

from __future__ import annotations

import dataclasses

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode

from petitionflow.settings import Settings
from workflows import search_attributes

DATA_CONVERTER = pydantic_data_converter  # without encryption: replay of saved histories


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted by the configured codec."""
    return dataclasses.replace(DATA_CONVERTER, payload_codec=settings.payload_codec)


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    from petitionflow.observability import tracing_interceptors

    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=tracing_interceptors(settings),  # type: ignore[arg-type]
        runtime=runtime,
    )


def workflow_id(case_id: str) -> str:
    """Built from the server-generated case id only — never from personal data."""
    return f"petition-{case_id}"


def alert_workflow_id(alert_id: str) -> str:
    """The alert's own workflow (re-notification until acknowledged)."""
    return f"alert-{alert_id}"


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add the petition search attributes the namespace lacks; returns the names added."""
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as err:  # the time-skipping test server can add but not list
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
        for key in search_attributes.ALL
        if key.name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
    return sorted(missing)
