"""Settings: every one an env var with the ``PETITIONFLOW_`` prefix (``API.md``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.daycount import WorkCalendar
from models.policy import SlaPolicy, load_policy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PETITIONFLOW_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "petitionflow"
    database_url: str | None = None  # SQLite under data_dir when unset
    policy: Path | None = None  # the shipped statutory defaults when unset
    calendar: Path | None = None  # holiday schedule overrides (TOML), see README

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'petitionflow.db'}"

    @cached_property
    def sla_policy(self) -> SlaPolicy:
        return load_policy(self.policy)

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar.from_file(self.calendar)
