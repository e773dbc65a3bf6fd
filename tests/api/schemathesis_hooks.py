"""Schemathesis checks of our own, loaded through SCHEMATHESIS_HOOKS."""

from __future__ import annotations

import schemathesis


@schemathesis.check
def errors_are_problems(ctx, response, case) -> None:  # type: ignore[no-untyped-def]
    """Every 4xx/5xx of the JSON API is RFC 9457 problem+json (Open311 has the spec's own)."""
    if response.status_code < 400 or case.path.startswith("/open311"):
        return
    media = response.headers.get("content-type", [""])
    media = media[0] if isinstance(media, list) else media
    if not media.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {media!r}, not problem+json")
    body = response.json()
    missing = {"type", "title", "status", "detail"} - set(body)
    if missing:
        raise AssertionError(f"problem without {sorted(missing)}")
