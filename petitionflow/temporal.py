"""The Temporal client, made in one place with the project's data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from petitionflow.settings import Settings

DATA_CONVERTER = pydantic_data_converter


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
    )


def workflow_id(case_id: str) -> str:
    """Built from the server-generated case id only — never from personal data."""
    return f"petition-{case_id}"
