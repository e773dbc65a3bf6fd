"""Bodies of the petitioner's online actions: the one-time code beside the action's own
parameters (their shape is checked again by ``models/actions.py`` in the workflow)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from models.text import CleanText
from models.vocabulary import Rating

OneTimeCode = Field(
    pattern=r"^\d{6}$", description="the six digits texted by POST /api/v1/track/{code}/otp"
)


class OtpSent(BaseModel):
    """The same answer whether or not a phone is on file."""

    detail: str
    expires_in_seconds: int


class OnlineFeedbackIn(CleanText):
    otp: str = OneTimeCode
    rating: Rating
    note: str = Field(default="", max_length=4000)


class OnlineReviewRequestIn(CleanText):
    otp: str = OneTimeCode
    note: str = Field(default="", max_length=4000)


class OnlineDocumentIn(CleanText):
    otp: str = OneTimeCode


class SmsAttempt(BaseModel):
    """One attempt to text the petitioner (never the phone or the text)."""

    message_id: str
    kind: str
    attempt: int
    status: str  # sent | failed | skipped
    reason: str
    segments: int
    at: datetime


class SmsLog(BaseModel):
    """A case's texts to its petitioner: the opt-out and every attempt, oldest first."""

    opted_out: bool
    attempts: list[SmsAttempt]
