"""The petitioner online, with the tracking code: a one-time code texted to the phone on file,
then the officers' ``feedback`` and ``request_review`` (or ``request_re_review``) taken as the
``petitioner`` role — the lifecycle machine's guards decide, as for any action.

Refusals: a wrong or expired code 401; the fifth wrong try in a row locks the case's online
actions (and voids its codes) for 15 minutes, 429; codes are rate-limited per tracking code and
per client, 429. The answer to a code request never says whether a phone is on file."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from limits import parse as parse_limit
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.sms import dispatch
from api.cases.workflow import CaseWorkflows, unavailable, update_problem
from api.documents.service import Pdf
from api.problems import ProblemError
from api.public.repository import PublicRepository
from api.public.schemas import Tracking
from api.track.documents import online_pdf, tracked_documents
from api.track.repository import OtpRepository
from api.track.schemas import OtpSent
from models.boundary import ActionRequest
from models.messages import Message
from models.sms import SmsDispatch
from models.tables import CaseRow, TrackOtpRow
from models.vocabulary import CallbackMethod, Role
from petitionflow import one_time_codes
from petitionflow.settings import Settings

db = run_in_threadpool
T = TypeVar("T")
# Per client address (every tracking code, known or not) and per tracking code.
OTP_CLIENT_LIMIT = parse_limit("10/hour")
CODES_PER_WINDOW, CODE_WINDOW = 3, timedelta(minutes=15)
MAX_WRONG_TRIES, LOCK = 5, timedelta(minutes=15)
PETITIONER = "petitioner"  # the actor the timeline records

UNKNOWN_CODE = Message("查询码无效", "unknown tracking code")
CLIENT_LIMITED = Message("验证码请求过于频繁", "too many code requests")
CODE_LIMITED = Message("该事项的验证码请求过于频繁，请稍后再试", "too many codes for this case")
FINISHED = Message("案件已结束，不能再办理", "the case is finished; no actions are allowed")
WRONG_OTP = Message("验证码错误或已过期", "the one-time code is wrong or has expired")


def once_more_on_race(session: Session, step: Callable[[], T]) -> T:
    """Run a transaction again if a concurrent request made the case's guard row first."""
    try:
        return step()
    except IntegrityError:
        session.rollback()
        return step()


def too_many(message: Message, retry_after: float) -> ProblemError:
    return ProblemError(429, message, headers={"Retry-After": str(max(1, int(retry_after)))})


class OnlineService:
    def __init__(self, *, session: Session, client: Client, settings: Settings) -> None:
        self.session, self.client, self.settings = session, client, settings
        self.public = PublicRepository(session)
        self.codes = OtpRepository(session)
        self.workflows = CaseWorkflows(client=client, settings=settings)

    async def _case(self, tracking_code: str) -> CaseRow:
        row = await db(self.public.case_by_tracking_code, tracking_code)
        if row is None:
            raise ProblemError(404, UNKNOWN_CODE)
        return row

    # -- one-time codes -----------------------------------------------------------------------
    async def send_code(
        self, *, tracking_code: str, client: str, limiter: MovingWindowRateLimiter
    ) -> OtpSent:
        if not limiter.hit(OTP_CLIENT_LIMIT, "otp", client):
            reset = limiter.get_window_stats(OTP_CLIENT_LIMIT, "otp", client).reset_time
            raise too_many(CLIENT_LIMITED, reset - time.time())
        row = await self._case(tracking_code)
        otp_id = await db(lambda: once_more_on_race(self.session, lambda: self._issue(row.case_id)))
        message = SmsDispatch(
            message_id=f"otp:{otp_id}", case_id=row.case_id, kind="otp", otp_id=otp_id
        )
        try:
            await dispatch(self.client, message, task_queue=self.settings.task_queue)
        except RPCError:
            raise unavailable(Message("验证码未发送", "the code was not sent")) from None
        minutes = self.settings.otp_minutes
        return OtpSent(
            detail=f"如登记时留有手机号码，验证码已发送，{minutes} 分钟内有效 / if a phone "
            f"number is on file, a code was texted to it; it is valid for {minutes} minutes",
            expires_in_seconds=minutes * 60,
        )

    def _issue(self, case_id: str) -> str:
        now = datetime.now(UTC)
        self.session.commit()  # the lookup's read ends; this is a transaction of its own
        with self.session.begin():
            guard = self.codes.guard(case_id)
            if guard.locked_until is not None and guard.locked_until > now:
                raise self._locked(guard.locked_until, now)
            if self.codes.issued_since(case_id, now - CODE_WINDOW) >= CODES_PER_WINDOW:
                raise too_many(CODE_LIMITED, CODE_WINDOW.total_seconds())
            otp_id = uuid.uuid4().hex
            code = one_time_codes.code_for(self.settings.secret(), otp_id)
            self.session.add(
                TrackOtpRow(
                    id=otp_id,
                    case_id=case_id,
                    code_hash=one_time_codes.code_hash(self.settings.secret(), otp_id, code),
                    created_at=now,
                    expires_at=now + timedelta(minutes=self.settings.otp_minutes),
                )
            )
        return otp_id

    @staticmethod
    def _locked(until: datetime, now: datetime) -> ProblemError:
        return too_many(
            Message(
                "验证码错误次数过多，已锁定 15 分钟",
                "too many wrong codes: online actions are locked for 15 minutes",
            ),
            (until - now).total_seconds(),
        )

    def _verify(self, case_id: str, code: str) -> None:
        """Accept a valid code, or count a wrong try (committed) and refuse."""
        now = datetime.now(UTC)
        secret = self.settings.secret()
        self.session.commit()  # the lookup's read ends; the count below is committed
        with self.session.begin():
            guard = self.codes.guard(case_id)
            if guard.locked_until is not None and guard.locked_until > now:
                raise self._locked(guard.locked_until, now)
            issued = self.codes.latest_valid(case_id, now)
            if issued is not None and one_time_codes.matches(
                secret, issued.id, code, issued.code_hash
            ):
                guard.failures = 0
                return
            guard.failures += 1
            if guard.failures >= MAX_WRONG_TRIES:
                guard.failures, guard.locked_until = 0, now + LOCK
                self.codes.expire_all(case_id, now)
        raise ProblemError(401, WRONG_OTP)

    # -- documents delivered online ---------------------------------------------------------
    async def document(self, *, tracking_code: str, otp: str, doc_id: str) -> Pdf:
        """A document delivered online, after the code (a wrong one counts toward the lock)."""
        row = await self._case(tracking_code)
        await db(lambda: once_more_on_race(self.session, lambda: self._verify(row.case_id, otp)))
        return await db(online_pdf, self.session, self.settings, row, doc_id)

    # -- online actions -----------------------------------------------------------------------
    async def act(
        self, *, tracking_code: str, otp: str, action: str, params: dict[str, Any], key: str | None
    ) -> Tracking:
        row = await self._case(tracking_code)
        await db(lambda: once_more_on_race(self.session, lambda: self._verify(row.case_id, otp)))
        if action == "request_review":  # after a review opinion the request is for 复核
            allowed = row.snapshot.get("allowed_actions", {}).get(Role.petitioner, [])
            action = "request_re_review" if "request_re_review" in allowed else action
        if action == "feedback":  # 回访 online: today, no caller
            today = datetime.now(self.settings.sla_policy.zone).date()
            params = params | {"method": CallbackMethod.online, "contacted_on": today.isoformat()}
        request = ActionRequest(
            action=action, params=params, role=Role.petitioner, user_id=PETITIONER, staff={}
        )
        update_id = f"petitioner:{row.case_id}:{key}" if key else uuid.uuid4().hex
        try:
            snap = await self.workflows.act(row.case_id, request, update_id=update_id)
        except WorkflowUpdateFailedError as err:
            raise update_problem(err) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise unavailable(Message("操作未执行", "the action was not applied")) from None
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise ProblemError(
                    409,
                    FINISHED,
                    type="/problems/InvalidTransition",
                    allowed_actions=[],
                ) from None
            raise unavailable(Message("操作未执行", "the action was not applied")) from None
        unit_name = await db(self.public.unit_name, snap.unit_id)
        documents = await db(tracked_documents, self.session, row, self.settings.sla_policy.zone)
        tracking = Tracking.of(
            snap.model_dump(mode="json"), unit_name=unit_name, updated_at=datetime.now(UTC)
        )
        return tracking.model_copy(update={"documents": documents})
