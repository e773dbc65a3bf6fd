"""The directory's answer: a user as colleagues see them (never a token or its hash)."""

from __future__ import annotations

from pydantic import BaseModel

from models.vocabulary import Role


class UserOut(BaseModel):
    id: str
    name: str
    role: Role
    unit_id: str
    unit_name: str
