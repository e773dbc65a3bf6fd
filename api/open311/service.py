"""Open311 use-cases behind the routes: submissions become cases through ``CaseService``; reads
answer from the projection."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.service import RPCError

from api.auth import Caller, scoped
from api.cases.service import CaseService
from api.open311 import views, wording
from api.open311.catalogue import service_by_code
from api.open311.filters import RequestFilters
from api.open311.keys import caller_for_key
from api.open311.submission import Form, registration
from api.open311.wire import Open311Error
from api.problems import ProblemError
from models.tables import CaseRow, Open311TokenRow, UnitRow
from petitionflow.settings import Settings
from petitionflow.temporal import workflow_id

NO_SUCH_REQUEST = "没有此受理编号的信访事项 / no such service_request_id"
KEY_TO_LIST = (
    "列出信访事项须提供有效的 api_key（X-Api-Key 请求头）/ listing requests needs a valid api_key "
    "in the X-Api-Key header; look up your own by service_request_id"
)


class Open311Service:
    def __init__(self, *, session: Session, client: Client, settings: Settings) -> None:
        self.session, self.client, self.settings = session, client, settings
        self.cases = CaseService(session=session, client=client, settings=settings)
        self.zone = settings.sla_policy.zone

    # -- services -----------------------------------------------------------------------------
    @staticmethod
    def definition(service_code: str) -> dict[str, Any]:
        service = service_by_code(service_code)
        if service is None:
            raise Open311Error(404, f"service_code: 没有服务 {service_code!r} / no such service")
        return views.definition(service)

    # -- reads --------------------------------------------------------------------------------
    def lister(self, api_key: str | None) -> Caller:
        """Who may list: a valid key, seeing the requests held by its unit. Anyone else gets the
        same 403, whether the key is missing, unknown or revoked."""
        caller = caller_for_key(self.session, api_key) if api_key else None
        if caller is None:
            raise Open311Error(403, KEY_TO_LIST)
        return caller

    def requests(self, filters: RequestFilters, caller: Caller | None) -> list[dict[str, Any]]:
        """By id (``caller`` None: anyone may look up the codes they hold), else the key's list."""
        query = filters.query()
        if caller is not None:
            query = scoped(query, CaseRow.unit_id, caller)
        return self._views(list(self.session.exec(query).all()))

    def request(self, service_request_id: str) -> list[dict[str, Any]]:
        row = self.session.exec(
            select(CaseRow).where(CaseRow.tracking_code == service_request_id)
        ).first()
        if row is None:
            raise Open311Error(404, NO_SUCH_REQUEST)
        return self._views([row])

    def token(self, token: str) -> list[dict[str, Any]]:
        """The service_request_id a token stands for; null until the case is registered."""
        row = self.session.get(Open311TokenRow, token)
        if row is None:
            raise Open311Error(404, "没有此 token / no such token")
        case = self.session.get(CaseRow, row.case_id)
        return [{"service_request_id": case.tracking_code if case else None, "token": token}]

    def _views(self, rows: list[CaseRow]) -> list[dict[str, Any]]:
        unit_ids = {r.unit_id for r in rows}
        names = dict(
            self.session.exec(
                select(UnitRow.id, UnitRow.name).where(col(UnitRow.id).in_(unit_ids))
            ).all()
        )
        now = datetime.now(UTC)
        return [
            views.service_request(r, agency=names.get(r.unit_id), zone=self.zone, now=now)
            for r in rows
        ]

    # -- submission ---------------------------------------------------------------------------
    async def submit(self, form: Form, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
        """Register the petition as ``POST /api/v1/cases`` does, received by the key's unit.

        Always keyed, so a submission whose registration times out can still be found: its case
        id follows from the key, and it gets a token instead of a service_request_id.
        """
        api_key = form.get("api_key")
        caller = await run_in_threadpool(caller_for_key, self.session, api_key) if api_key else None
        if caller is None:
            raise Open311Error(
                403, "api_key 缺失、无效或已吊销 / missing, invalid or revoked api_key"
            )
        code = form.get("service_code")
        if not code:
            raise Open311Error(400, "service_code: 必填 / service_code was not provided")
        service = service_by_code(code)
        if service is None:
            raise Open311Error(404, f"service_code: 没有服务 {code!r} / no such service")
        source = f"Open311（{caller.name}）" if caller.name else "Open311"
        body = registration(form, service, unit_id=caller.unit_id, source=source)
        key = idempotency_key or secrets.token_urlsafe(16)
        account_id = form.get("account_id") or None
        try:
            status, case = await self.cases.register(body=body, caller=caller, key=key)
        except ProblemError as err:
            if err.status != 503:
                raise
            token = await self._token_for(keyed_case_id(self.cases, caller.id, key), err)
            return 202, {
                "token": token,
                "service_notice": wording.PENDING_NOTICE,
                "account_id": account_id,
            }
        running = views.running_clock(case.model_dump(mode="json"))
        notice = views.notice(running, self.zone)
        received = wording.RECEIVED.format(code=case.tracking_code)
        return status, {
            "service_request_id": case.tracking_code,
            "service_notice": f"{received}，{notice}" if notice else received,
            "account_id": account_id,
        }

    async def _token_for(self, case_id: str, unavailable: ProblemError) -> str:
        """A token, if the case's workflow was started and only its confirmation is late; the
        workflow registers the case once a worker runs. Otherwise the 503 stands."""
        try:
            await self.client.get_workflow_handle(workflow_id(case_id)).describe(
                rpc_timeout=timedelta(seconds=self.settings.update_timeout_seconds)
            )
        except RPCError:
            raise unavailable from None
        token = secrets.token_urlsafe(24)
        await run_in_threadpool(self._save_token, token, case_id)
        return token

    def _save_token(self, token: str, case_id: str) -> None:
        row = Open311TokenRow(token=token, case_id=case_id, created_at=datetime.now(UTC))
        self.session.add(row)
        self.session.commit()


def keyed_case_id(cases: CaseService, caller_id: str, key: str) -> str:
    """The case id ``CaseService.register`` derives for a keyed registration."""
    return cases.case_id_for(user_id=caller_id, key=key)
