"""Rate limits on Open311's public reads, per client address (per API process, like the
tracking limit): every GET counts against ``READ_LIMIT``, and every lookup of a request by its
``service_request_id`` — one path lookup, or each id of ``service_request_id=`` — also against
the public tracking endpoint's budget, ``TRACKING_LIMIT`` under the same key. Codes are
unguessable; one budget for both ways of trying them keeps it that way."""

from __future__ import annotations

import time

from fastapi import Request
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.strategies import MovingWindowRateLimiter

from api.open311.wire import Open311Error
from api.public.service import TRACKING_LIMIT

READ_LIMIT = parse_limit("120/minute")
TOO_MANY = "查询过于频繁，请稍后再试 / too many requests"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_reads(request: Request) -> None:
    """A route dependency: every public read counts."""
    _hit(request, READ_LIMIT, "open311", 1)


def throttle_lookups(request: Request, count: int) -> None:
    """``count`` lookups by id, out of the tracking budget; checked before anything is read, so
    a code that exists and one that does not are limited alike."""
    if count:
        _hit(request, TRACKING_LIMIT, "track", count)


def _hit(request: Request, limit: RateLimitItem, namespace: str, cost: int) -> None:
    limiter: MovingWindowRateLimiter = request.app.state.tracking_limiter
    client = client_address(request)
    if not limiter.hit(limit, namespace, client, cost=cost):
        reset = limiter.get_window_stats(limit, namespace, client).reset_time
        raise Open311Error(
            429, TOO_MANY, headers={"Retry-After": str(max(1, int(reset - time.time())))}
        )
