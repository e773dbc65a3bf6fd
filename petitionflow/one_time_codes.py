"""One-time codes for the petitioner's online actions, derived from the server secret.

A code is the keyed hash of its random id (``PETITIONFLOW_SECRET_KEY``): the API stores the id and
a keyed hash of the code, the worker's SMS activity derives the code from the id to text it, and
neither the database nor the workflow history ever holds the code itself.
"""

from __future__ import annotations

import hashlib
import hmac

DIGITS = 6


def code_for(secret: bytes, otp_id: str) -> str:
    """The six digits of the code with this id."""
    digest = hmac.new(secret, f"otp:{otp_id}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**DIGITS).zfill(DIGITS)


def code_hash(secret: bytes, otp_id: str, code: str) -> str:
    """What is stored and compared: not reversible without the secret."""
    return hmac.new(secret, f"otp-check:{otp_id}:{code}".encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, otp_id: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(secret, otp_id, code), stored)
