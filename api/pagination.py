"""Keyset pagination cursors: the last row's (created_at, id), opaque to the client."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from api.instants import in_range
from api.problems import ProblemError
from models.messages import Message


def encode_cursor(created_at: datetime, key: str) -> str:
    raw = json.dumps([created_at.isoformat(), key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, key = json.loads(raw)
        if not isinstance(key, str):
            raise TypeError(key)
        return in_range(datetime.fromisoformat(created)), key
    except (ValueError, TypeError):
        raise ProblemError(
            422,
            Message("cursor：无效的分页游标", "cursor: invalid cursor"),
            errors=[{"field": "cursor", "message": Message("无效的分页游标", "invalid cursor")}],
        ) from None
