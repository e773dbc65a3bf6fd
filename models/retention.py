"""How long a closed case keeps its petitioner's personal data (个人信息保护法 第十九条: no longer
than the purpose needs). Read from the policy file's ``[retention]`` section as it stands today —
unlike the SLA sections it is not snapshotted into cases: a shorter period applies to old cases too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import isodate
from pydantic import BaseModel, ConfigDict, field_serializer, field_validator

from models.policy import read_policy_file, read_policy_tables, validate_section

MIN_PERIOD = timedelta(days=1)


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    # After closure (结案, 不予受理 or 撤回: the case's last event). Years and months count on the
    # calendar (P3Y from 2024-02-29 ends on 2027-02-28).
    personal_data: isodate.Duration | timedelta = isodate.parse_duration("P3Y")

    @field_validator("personal_data", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            period = isodate.parse_duration(value.strip())
        except (isodate.ISO8601Error, ValueError):
            raise ValueError(f"{value!r} is not an ISO 8601 duration (e.g. P3Y, P18M)") from None
        probe = datetime(2000, 1, 1)
        if probe + period - probe < MIN_PERIOD:
            raise ValueError(f"{value!r} is shorter than a day")
        return period

    @field_serializer("personal_data")
    def _to_iso(self, value: isodate.Duration | timedelta) -> str:
        return str(isodate.duration_isoformat(value))

    @property
    def iso(self) -> str:
        return self._to_iso(self.personal_data)

    def closed_before(self, now: datetime) -> datetime:
        """Cases closed before this instant are past the period at ``now``."""
        cutoff: datetime = now - self.personal_data
        return cutoff


def parse_retention(text: str, *, source: str = "<policy>") -> RetentionPolicy:
    data = read_policy_tables(text, source=source).get("retention", {})
    return validate_section(RetentionPolicy, data, source=f"{source} [retention]")


def load_retention(path: Path | None = None) -> RetentionPolicy:
    text, source = read_policy_file(path)
    return parse_retention(text, source=source)
