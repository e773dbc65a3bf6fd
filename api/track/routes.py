"""``/api/v1/track/{tracking_code}/…``: the petitioner's online actions (no sign-in: the
tracking code and a one-time code texted to the phone on file)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from limits.strategies import MovingWindowRateLimiter

from api.cases.repository import CaseRepository
from api.client_address import client_address
from api.deps import AppSettings, CurrentCaller, DbSession, Temporal
from api.documents.responses import PDF_RESPONSES, pdf_response
from api.problems import responses
from api.public.schemas import Tracking
from api.track.repository import sms_log
from api.track.schemas import (
    OnlineDocumentIn,
    OnlineFeedbackIn,
    OnlineReviewRequestIn,
    OtpSent,
    SmsAttempt,
    SmsLog,
)
from api.track.service import OnlineService

router = APIRouter(tags=["public"])
TrackingCode = Annotated[str, Path(max_length=64)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@router.post(
    "/api/v1/track/{tracking_code}/otp",
    response_model=OtpSent,
    status_code=202,
    responses=responses(404, 429, 503),
)
async def request_code(
    tracking_code: TrackingCode,
    request: Request,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
) -> OtpSent:
    """Text a one-time code to the phone on file (the answer is the same without one).
    At most 3 codes per tracking code in 15 minutes and 10 requests per client an hour."""
    limiter: MovingWindowRateLimiter = request.app.state.tracking_limiter
    return await OnlineService(session=session, client=client, settings=settings).send_code(
        tracking_code=tracking_code, client=client_address(request), limiter=limiter
    )


@router.post(
    "/api/v1/track/{tracking_code}/feedback",
    response_model=Tracking,
    responses=responses(401, 404, 409, 422, 429, 503),
)
async def online_feedback(
    tracking_code: TrackingCode,
    body: OnlineFeedbackIn,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    key: IdempotencyKey = None,
) -> Tracking:
    """The petitioner rates the written reply (or review opinion): the officers' ``feedback``,
    recorded with role ``petitioner`` and method ``online``."""
    return await OnlineService(session=session, client=client, settings=settings).act(
        tracking_code=tracking_code,
        otp=body.otp,
        action="feedback",
        params={"rating": body.rating, "note": body.note},
        key=key,
    )


@router.post(
    "/api/v1/track/{tracking_code}/review-request",
    response_model=Tracking,
    responses=responses(401, 404, 409, 422, 429, 503),
)
async def online_review_request(
    tracking_code: TrackingCode,
    body: OnlineReviewRequestIn,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
    key: IdempotencyKey = None,
) -> Tracking:
    """The petitioner asks for review (复查) of the written reply — or, after a review opinion,
    for re-review (复核): ``request_review`` / ``request_re_review`` with role ``petitioner``."""
    return await OnlineService(session=session, client=client, settings=settings).act(
        tracking_code=tracking_code,
        otp=body.otp,
        action="request_review",
        params={"note": body.note},
        key=key,
    )


@router.post(
    "/api/v1/track/{tracking_code}/documents/{doc_id}",
    response_class=Response,
    responses={
        **PDF_RESPONSES,
        **responses(401, 404, 422, 429, 500, 503),
    },
)
async def online_document(
    tracking_code: TrackingCode,
    doc_id: Annotated[str, Path(max_length=64)],
    body: OnlineDocumentIn,
    session: DbSession,
    client: Temporal,
    settings: AppSettings,
) -> Response:
    """A document delivered online (网上送达), downloaded by the petitioner with the one-time
    code in the body (never in the URL; a wrong code counts toward the lock). On the access log
    with the reader ``petitioner``: the PDF names them."""
    pdf = await OnlineService(session=session, client=client, settings=settings).document(
        tracking_code=tracking_code, otp=body.otp, doc_id=doc_id
    )
    return pdf_response(pdf)


@router.get(
    "/api/v1/cases/{case_id}/sms",
    response_model=SmsLog,
    responses=responses(401, 404),
    tags=["cases"],
)
def case_sms(
    case_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller, session: DbSession
) -> SmsLog:
    """The texts to the case's petitioner: whether they opted out, and each attempt (kind,
    status, a generic reason, segments billed) — never the phone or the text. For whoever may
    read the case."""
    CaseRepository(session).case_row(case_id, caller)  # 404 outside the caller's reading scope
    opted_out, attempts = sms_log(session, case_id)
    return SmsLog(
        opted_out=opted_out,
        attempts=[SmsAttempt.model_validate(a, from_attributes=True) for a in attempts],
    )
