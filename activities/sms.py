"""Texting the petitioner through an SMS gateway reached over HTTP (provider-neutral).

The gateway gets a JSON body (``message_id``, ``to``, ``text``, ``kind``, ``segments``) signed
with HMAC-SHA256 under the gateway key, as webhooks are signed; a provider is plugged in by a small
relay that speaks this body. Every attempt is logged (``sms_deliveries``: status and a generic
reason, never the phone or the text); a failed attempt raises so the workflow's retry policy tries
again with backoff. A message is sent at most once: an attempt that finds it sent (or skipped)
does nothing, and the gateway gets ``message_id`` as its idempotency key. The phone is decrypted
here only, on the access log, and never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.delivery import sign
from models.boundary import CaseEvent
from models.sms import (
    SmsDispatch,
    SmsGateway,
    clock_due,
    day_text,
    notice_dispatch,
    render,
    segments,
    tracking_link,
)
from models.tables import (
    CaseRow,
    PiiAccessRow,
    SmsDeliveryRow,
    SmsOptOutRow,
    UnitRow,
)
from models.vocabulary import PiiAccessKind, Role
from petitionflow import one_time_codes
from petitionflow.field_crypto import FieldCipher, FieldCryptoError

SIGNATURE_HEADER = "X-Petitionflow-Signature"
FINISHED = ("sent", "skipped")
log = logging.getLogger("petitionflow.sms")


def sms_workflow_id(message_id: str) -> str:
    return f"sms-{message_id}"


async def dispatch(client: Client, message: SmsDispatch, *, task_queue: str) -> None:
    """Start the workflow that sends ``message``, once per message id (a retry finds it)."""
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            "SmsWorkflow",
            message,
            id=sms_workflow_id(message.message_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


async def notify_petitioner(client: Client, events: list[CaseEvent], *, task_queue: str) -> None:
    """The texts the projected ``events`` send (registration, decisions, opinions)."""
    for event in events:
        message = notice_dispatch(event.event_id, event.case_id, event.action, event.params)
        if message is not None:
            await dispatch(client, message, task_queue=task_queue)


class Undeliverable(Exception):
    """Why a text was not sent; ``final`` when trying again cannot help."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.final = reason, final


class SmsActivities:
    def __init__(self, engine: Engine, gateway: SmsGateway, *, fields: FieldCipher) -> None:
        self._engine, self._gateway, self._fields = engine, gateway, fields

    @activity.defn(name="send_sms")
    def send_sms(self, message: SmsDispatch) -> str:
        """Text the petitioner once: ``sent``, or ``skipped`` (opted out, no phone, no gateway,
        personal data purged); raises on a failed attempt."""
        done = self._finished(message.message_id)
        if done is not None:
            return done
        try:
            phone, text = self._prepare(message)
        except Undeliverable as why:
            self._log(message, "skipped", why.reason)
            return "skipped"
        self._record_reading(message)
        try:
            self._post(message, phone, text)
        except Undeliverable as why:
            self._log(message, "failed", why.reason)
            raise ApplicationError(
                f"sms {message.kind} for case {message.case_id} failed: {why.reason}"
            ) from None
        self._log(message, "sent", "", segments=segments(text))
        log.info("sms sent", extra={"case_id": message.case_id, "kind": message.kind})
        return "sent"

    # -- steps --------------------------------------------------------------------------------
    def _finished(self, message_id: str) -> str | None:
        with Session(self._engine) as session:
            return session.exec(
                select(SmsDeliveryRow.status).where(
                    SmsDeliveryRow.message_id == message_id,
                    col(SmsDeliveryRow.status).in_(FINISHED),
                )
            ).first()

    def _prepare(self, message: SmsDispatch) -> tuple[str, str]:
        """The phone and the text, or why there is nothing to send."""
        gateway = self._gateway
        with Session(self._engine) as session:
            row = session.get(CaseRow, message.case_id)
            if row is None:  # projected before this started: absent means removed
                raise Undeliverable("no such case", final=True)
            opted_out = session.get(SmsOptOutRow, message.case_id) is not None
            if message.kind != "otp" and opted_out:
                raise Undeliverable("opted out", final=True)
            if not gateway.url:
                raise Undeliverable("no gateway configured", final=True)
            if row.purged_at is not None or not row.petitioner_phone_enc:
                raise Undeliverable("no phone on file", final=True)
            unit = session.get(UnitRow, row.unit_id)
            unit_name = unit.name if unit else row.unit_id
            try:
                phone = self._fields.decrypt(
                    row.petitioner_phone_enc, row=row.case_id, field="phone"
                )
            except FieldCryptoError:
                raise Undeliverable("phone cannot be decrypted", final=True) from None
            text = self._text(message, row, unit_name)
        return phone, text

    def _text(self, message: SmsDispatch, row: CaseRow, unit_name: str) -> str:
        gateway = self._gateway
        zone = ZoneInfo(gateway.timezone)
        values: dict[str, object] = {}
        if message.kind == "registered":
            values["link"] = tracking_link(gateway.public_url, row.tracking_code)
        elif message.kind in ("accepted", "declined"):
            values["unit"] = unit_name
            values["due"] = day_text(clock_due(row.snapshot, "handling"), zone)
        elif message.kind == "extended":
            values["days"] = message.params.get("days", "")
            values["due"] = day_text(clock_due(row.snapshot, "handling"), zone)
        elif message.kind == "otp":
            values["otp"] = one_time_codes.code_for(gateway.otp_secret, message.otp_id or "")
            values["minutes"] = gateway.otp_minutes
        text = render(message.kind, sign=gateway.sign_name, code=row.tracking_code, **values)
        return text

    def _record_reading(self, message: SmsDispatch) -> None:
        """The phone was read to text it: on the access log (once per attempt)."""
        entry_id = f"sms:{message.message_id}:{activity.info().attempt}"[:64]
        with Session(self._engine) as session, session.begin():
            if session.get(PiiAccessRow, entry_id) is None:
                session.add(
                    PiiAccessRow(
                        id=entry_id,
                        user_id=Role.system.value,
                        role=Role.system.value,
                        kind=PiiAccessKind.sms,
                        case_id=message.case_id,
                        reason=f"短信告知 {message.kind}",
                        at=datetime.now(UTC),
                    )
                )

    def _post(self, message: SmsDispatch, phone: str, text: str) -> None:
        gateway = self._gateway
        body = json.dumps(
            {
                "message_id": message.message_id,
                "to": phone,
                "text": text,
                "kind": message.kind,
                "segments": segments(text),
            },
            ensure_ascii=False,
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(gateway.key, body),
            "Idempotency-Key": message.message_id,
        }
        try:
            with httpx.Client(timeout=gateway.timeout_seconds, follow_redirects=False) as http:
                response = http.post(gateway.url or "", content=body, headers=headers)
        except httpx.TimeoutException:
            raise Undeliverable("timed out") from None
        except httpx.HTTPError:  # its text may quote the other side: a generic reason
            raise Undeliverable("connection failed") from None
        if not response.is_success:
            raise Undeliverable(f"HTTP {response.status_code}")

    def _log(self, message: SmsDispatch, status: str, reason: str, *, segments: int = 0) -> None:
        """The attempt, once (a retried write finds it)."""
        attempt = activity.info().attempt
        key = f"{message.message_id}:{attempt}"
        with Session(self._engine) as session, session.begin():
            if session.get(SmsDeliveryRow, key) is None:
                session.add(
                    SmsDeliveryRow(
                        id=key,
                        message_id=message.message_id,
                        case_id=message.case_id,
                        kind=message.kind,
                        attempt=attempt,
                        status=status,
                        reason=reason[:300],
                        segments=segments,
                        at=datetime.now(UTC),
                    )
                )
