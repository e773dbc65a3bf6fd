"""Parameters of each officer action (``API.md`` › Actions).

These check the *shape* of what a caller sends (types, enums, required text). Whether an action
is allowed now — state, role, tracks, extension, windows — is the lifecycle machine's business.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from models.errors import InvalidParams
from models.messages import Message, validation_message
from models.text import CleanText
from models.vocabulary import (
    CallbackMethod,
    Claim,
    Decision,
    DeclineReason,
    DeliveryMethod,
    MediationOutcome,
    PartyKind,
    Rating,
    Referral,
    SuspendReason,
    Track,
)

_TEXT = 4000


def _iso_day(value: object) -> object:
    """A calendar day as ``YYYY-MM-DD`` (not a number pydantic would read as a Unix time)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期格式应为 YYYY-MM-DD / expected a date as YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("日期格式应为 YYYY-MM-DD / expected a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class _Params(CleanText):
    pass


class AcceptParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


class DeclineParams(_Params):
    reason: DeclineReason
    note: str = Field(default="", max_length=_TEXT)


class ForwardParams(_Params):
    unit_id: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=_TEXT)


class AssignParams(_Params):
    officer_id: str = Field(min_length=1, max_length=200)


class AssessParams(_Params):
    claim: Claim
    hardship: StrictBool = False  # JSON true/false, not 0 or "yes"
    unlawful_conduct: StrictBool = False
    note: str = Field(default="", max_length=_TEXT)
    mediation: StrictBool = False  # 调解: open the mediation of a dispute between parties


class CompleteTrackParams(_Params):
    track: Track
    note: str = Field(default="", max_length=_TEXT)


class ExtendParams(_Params):
    # the upper bound is the policy's extension_max, checked by the machine
    days: StrictInt = Field(ge=1)
    reason: str = Field(min_length=1, max_length=_TEXT)


class SuspendParams(_Params):
    reason: SuspendReason
    note: str = Field(default="", max_length=_TEXT)


class ResumeParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


class EscalateParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


class ReplyParams(_Params):
    summary: str = Field(min_length=1, max_length=_TEXT)


class FeedbackParams(_Params):
    rating: Rating
    note: str = Field(default="", max_length=_TEXT)
    # 回访: how and on which day the petitioner was contacted, and who called (a user of the unit
    # holding the case; the API fills in today and the officer recording it). Optional in the model:
    # feedback recorded before these existed replays without them. The dates are checked by the
    # machine (``models/lifecycle.py``: not in the future, not before the reply).
    method: CallbackMethod | None = None
    contacted_on: Day | None = None
    caller: str | None = Field(default=None, min_length=1, max_length=64)


class ReopenParams(_Params):
    reason: str = Field(min_length=1, max_length=_TEXT)


class RequestReviewParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


class ReviewOpinionParams(_Params):
    decision: Decision
    summary: str = Field(min_length=1, max_length=_TEXT)


class RequestReReviewParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


class ReReviewOpinionParams(_Params):
    decision: Decision
    summary: str = Field(min_length=1, max_length=_TEXT)


class WithdrawParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


# -- 交办/会办 (models/lifecycle.py) ------------------------------------------------------------
_UNIT_ID = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
MAX_CO_HANDLERS = 5


class HandOverParams(_Params):
    lead_unit_id: _UNIT_ID
    co_unit_ids: list[_UNIT_ID] = Field(default_factory=list, max_length=MAX_CO_HANDLERS)
    instructions: str = Field(min_length=1, max_length=_TEXT)
    # 办理时限 in days; the machine checks it ends no later than the running statutory period
    days: StrictInt = Field(ge=1, le=366)


class ReportParams(_Params):
    summary: str = Field(min_length=1, max_length=_TEXT)


class TakeBackParams(_Params):
    note: str = Field(default="", max_length=_TEXT)


# -- the command system: 督办单 and 领导包案 -----------------------------------------------
class SuperviseParams(_Params):
    instructions: str = Field(min_length=1, max_length=_TEXT)
    # 督办时限 in days; left out: the policy's supervision window ([clocks] supervision)
    respond_within: StrictInt | None = Field(default=None, ge=1, le=60)


class RespondSupervisionParams(_Params):
    summary: str = Field(min_length=1, max_length=_TEXT)
    # the order answered; left out: the oldest open one
    order_id: str | None = Field(default=None, min_length=1, max_length=32)


class AssignLeaderParams(_Params):
    leader_user_id: str = Field(min_length=1, max_length=64)
    plan: str = Field(min_length=1, max_length=_TEXT)
    target_date: Day


class DeliverParams(_Params):
    # 送达 of a notice the case issued (models/documents.py); whether that document exists and
    # the day is neither in the future nor before it, the machine checks.
    document_id: str = Field(min_length=1, max_length=64)
    method: DeliveryMethod
    delivered_on: Day


# -- 调解 (mediation, issue 17) ------------------------------------------------------------
class PartyParams(_Params):
    name: str = Field(min_length=1, max_length=100)
    kind: PartyKind = PartyKind.person
    role: str = Field(min_length=1, max_length=50)


class StartMediationParams(_Params):
    mediator: str = Field(min_length=1, max_length=200)  # a mediator or a committee
    parties: list[PartyParams] = Field(min_length=2, max_length=20)
    note: str = Field(default="", max_length=_TEXT)


class RecordSessionParams(_Params):
    held_on: Day
    summary: str = Field(min_length=1, max_length=_TEXT)


class CloseMediationParams(_Params):
    # terms for an agreement and referral for a failure: the machine checks they are given
    outcome: MediationOutcome
    terms: str = Field(default="", max_length=_TEXT)
    referral: Referral | None = None
    note: str = Field(default="", max_length=_TEXT)


# -- linked and merged cases (the same matter) --------------------------------------------------
class LinkParams(_Params):
    other_case_id: str = Field(min_length=1, max_length=64, description="the other case")
    note: str = Field(default="", max_length=_TEXT)


class UnlinkParams(_Params):
    other_case_id: str = Field(min_length=1, max_length=64, description="the linked case")
    note: str = Field(default="", max_length=_TEXT)


class MergeParams(_Params):
    other_case_id: str = Field(min_length=1, max_length=64, description="the case this one repeats")
    note: str = Field(default="", max_length=_TEXT)


ACTION_PARAMS: dict[str, type[_Params]] = {
    "accept": AcceptParams,
    "decline": DeclineParams,
    "forward": ForwardParams,
    "assign": AssignParams,
    "assess": AssessParams,
    "complete_track": CompleteTrackParams,
    "extend": ExtendParams,
    "suspend": SuspendParams,
    "resume": ResumeParams,
    "escalate": EscalateParams,
    "reply": ReplyParams,
    "feedback": FeedbackParams,
    "reopen": ReopenParams,
    "request_review": RequestReviewParams,
    "review_opinion": ReviewOpinionParams,
    "request_re_review": RequestReReviewParams,
    "re_review_opinion": ReReviewOpinionParams,
    "withdraw": WithdrawParams,
    "hand_over": HandOverParams,
    "report": ReportParams,
    "take_back": TakeBackParams,
    "supervise": SuperviseParams,
    "respond_supervision": RespondSupervisionParams,
    "assign_leader": AssignLeaderParams,
    "deliver": DeliverParams,
    "start_mediation": StartMediationParams,
    "record_session": RecordSessionParams,
    "close_mediation": CloseMediationParams,
    "link": LinkParams,
    "unlink": UnlinkParams,
    "merge": MergeParams,
}
"""The public (officer-facing) actions; the automatic events are the workflow's own."""


def parse_params(action: str, raw: dict[str, object]) -> BaseModel:
    """Validate an action's parameters or raise :class:`InvalidParams` naming each bad field."""
    schema = ACTION_PARAMS.get(action)
    if schema is None:
        names = ", ".join(sorted(ACTION_PARAMS))
        raise InvalidParams(
            Message(f"没有此操作：{action!r}", f"unknown action {action!r}"),
            action=action,
            errors=[
                {
                    "field": "action",
                    "message": Message(f"须为 {names} 之一", f"must be one of {names}"),
                }
            ],
        )
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        named = [
            (".".join(str(p) for p in err["loc"]) or action, validation_message(err))
            for err in exc.errors()
        ]
        raise InvalidParams(
            Message(
                f"“{action}”的参数有误：" + "；".join(f"{name}：{m.zh}" for name, m in named),
                f"invalid parameters for {action}: "
                + "; ".join(f"{name}: {m.en}" for name, m in named),
            ),
            action=action,
            errors=[{"field": name, "message": m} for name, m in named],
        ) from None
