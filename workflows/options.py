"""Typed activity options: each workflow names its timeouts and retries once, by purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.common import RetryPolicy


@dataclass(frozen=True)
class ActivityOptions:
    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy
