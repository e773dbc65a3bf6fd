"""Case use-cases behind the routes: registration with repeat matching and idempotency, actions
as workflow updates, reads from the workflow (live) or the projection (lists, timeline)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller, subtree
from api.problems import ProblemError
from api.schemas import CaseOut, CasePage, CaseSummary, RegistrationIn, TimelineEvent
from models.boundary import ActionRequest, CaseSnapshot, StartCase, VisitRequest
from models.case import UnitRef
from models.lifecycle import FINAL_STATES
from models.tables import CaseEventRow, CaseRow, IdempotencyRow, UnitRow
from models.vocabulary import ACTION_LABELS, Level
from petitionflow.settings import Settings
from petitionflow.temporal import workflow_id
from workflows.petition import PetitionWorkflow

_DEPTH = {Level.county: 0, Level.town: 1, Level.village: 2}
_STATUS = {
    "InvalidTransition": 409,
    "Forbidden": 403,
    "InvalidParams": 422,
    "UnknownUnit": 422,
    "NotInScope": 404,
}
NOT_FOUND = "案件不存在或不在您的范围内 / no such case in your scope"
# The session is synchronous: its queries run in the thread pool, never on the event loop,
# which every other request (and the live alert streams) shares. One at a time per request.
db = run_in_threadpool

# 80 random bits in base32: unguessable, easy to read out over the phone, never sequential
TRACKING_CODE = re.compile(r"^[A-Z2-7]{16}$")


def new_tracking_code() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()


async def start_case(
    client: Client, start: StartCase, task_queue: str, *, rpc_timeout: timedelta | None = None
) -> CaseSnapshot:
    """Start the case's workflow (or find it, for a retry) and wait until it is registered with
    its first clocks; keyed by the case id, so a retry never starts a second one."""
    operation = WithStartWorkflowOperation(
        PetitionWorkflow.run,
        start,
        id=workflow_id(start.case_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return await client.execute_update_with_start_workflow(
        "registration",
        start_workflow_operation=operation,
        result_type=CaseSnapshot,
        id=f"registration:{start.case_id}",
        rpc_timeout=rpc_timeout,
    )


class CaseService:
    def __init__(self, *, session: Session, client: Client, settings: Settings) -> None:
        self.session, self.client, self.settings = session, client, settings
        self._secret = settings.secret()

    # -- helpers ------------------------------------------------------------------------------
    def _keyed(self, *parts: str) -> str:
        return hmac.new(self._secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def petitioner_key(self, id_number: str) -> str:
        """HMAC of the ID number: matches repeats without ever storing the number as a key."""
        return self._keyed("petitioner", id_number.strip().upper()) if id_number else ""

    def _unavailable(self, what: str) -> ProblemError:
        return ProblemError(
            503,
            f"工作流服务暂不可用，请用相同的 Idempotency-Key 重试 / {what}; retry with the "
            "same Idempotency-Key",
            headers={"Retry-After": "5"},
        )

    def _rpc_timeout(self) -> timedelta:
        return timedelta(seconds=self.settings.update_timeout_seconds)

    def _handle(self, case_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id(case_id))

    def unit_path(self, unit_id: str) -> list[UnitRef]:
        path: list[UnitRef] = []
        current: str | None = unit_id
        while current is not None:
            row = self.session.get(UnitRow, current)
            if row is None:
                break
            path.append(UnitRef(id=row.id, level=Level(row.level), name=row.name))
            current = row.parent_id
        return path

    # -- idempotency --------------------------------------------------------------------------
    def _claimed(self, scope: str, body: Any) -> tuple[str, str, IdempotencyRow | None]:
        digest = hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        row = self.session.get(IdempotencyRow, scope)
        if row is not None and row.request_hash != digest:
            raise ProblemError(
                422,
                "Idempotency-Key 已用于另一个请求 / this Idempotency-Key was used with another "
                "request body",
                errors=[{"field": "Idempotency-Key", "message": "reused with a different body"}],
            )
        return scope, digest, row

    def _remember(self, scope: str, digest: str, case_id: str, status: int) -> None:
        if self.session.get(IdempotencyRow, scope) is None:
            self.session.add(
                IdempotencyRow(
                    key=scope,
                    request_hash=digest,
                    case_id=case_id,
                    status_code=status,
                    created_at=datetime.now(UTC),
                )
            )
            self.session.commit()

    # -- registration -------------------------------------------------------------------------
    async def register(
        self, body: RegistrationIn, caller: Caller, key: str | None
    ) -> tuple[int, CaseOut]:
        claim = (
            await db(self._claimed, f"{caller.id}:register:{key}", body.model_dump())
            if key
            else None
        )
        if claim and claim[2] is not None:
            snap = await self.snapshot(claim[2].case_id, caller)
            return claim[2].status_code, snap
        path = await db(self.unit_path, body.unit_id)
        if not path:
            raise ProblemError(
                422,
                f"unit_id: 单位不存在 / unknown unit {body.unit_id!r}",
                errors=[{"field": "unit_id", "message": "unknown unit"}],
            )
        if not caller.sees(body.unit_id):
            raise ProblemError(403, "不能为范围外的单位登记 / the unit is outside your scope")
        if key:
            # A retry whose first try registered the case but never got its answer (the API
            # died in between): the key names the case, so answer with it — never a "repeat".
            earlier = await self._existing(self.case_id_for(caller.id, key), caller)
            if earlier is not None:
                if claim:
                    await db(self._remember, claim[0], claim[1], earlier.case_id, 201)
                return 201, earlier
        petitioner_key = self.petitioner_key(body.petitioner.id_number)
        county = path[-1].id
        open_case, final_case = await db(self._earlier_cases, petitioner_key, body.category, county)
        if open_case is not None:
            snap = await self._visit(open_case, caller, body, key)
            if claim:
                await db(self._remember, claim[0], claim[1], open_case.case_id, 200)
            return 200, snap

        case_id = self.case_id_for(caller.id, key) if key else uuid.uuid4().hex[:20]
        snapshot = await self._start(
            case_id, body, caller, path, petitioner_key, repeat_final=final_case is not None
        )
        if claim:
            await db(self._remember, claim[0], claim[1], case_id, 201)
        return 201, CaseOut.for_role(snapshot, caller.role)

    def case_id_for(self, user_id: str, key: str) -> str:
        """The case an Idempotency-Key registers: derived, so a retry finds it even when the
        first answer was lost."""
        return self._keyed("case", user_id, key)[:20]

    async def _existing(self, case_id: str, caller: Caller) -> CaseOut | None:
        try:
            return await self.snapshot(case_id, caller)
        except ProblemError as err:
            if err.status == 404:
                return None
            raise

    def _earlier_cases(
        self, petitioner_key: str, category: str, county: str
    ) -> tuple[CaseRow | None, CaseRow | None]:
        """The open case on the same matter, or one closed after re-review (复核终结)."""
        if not petitioner_key:
            return None, None
        in_county = subtree(self.session, county)
        rows = self.session.exec(
            select(CaseRow)
            .where(CaseRow.petitioner_key == petitioner_key, CaseRow.category == category)
            .order_by(col(CaseRow.created_at).desc())
        ).all()
        rows = [r for r in rows if r.unit_id in in_county]
        open_case = next((r for r in rows if r.state not in FINAL_STATES), None)
        final_case = next(
            (
                r
                for r in rows
                if r.state == "closed"
                and any(o.get("stage") == "re_review" for o in r.snapshot.get("opinions", []))
            ),
            None,
        )
        return open_case, final_case

    async def _visit(
        self, row: CaseRow, caller: Caller, body: RegistrationIn, key: str | None
    ) -> CaseOut:
        try:
            snapshot = await self._handle(row.case_id).execute_update(
                "visit",
                VisitRequest(role=caller.role, user_id=caller.id, channel=body.channel),
                result_type=CaseSnapshot,
                id=f"visit:{caller.id}:{key}" if key else f"visit:{uuid.uuid4().hex}",
                rpc_timeout=self._rpc_timeout(),
            )
        except WorkflowUpdateFailedError as err:
            raise self._update_problem(err) from None
        except (WorkflowUpdateRPCTimeoutOrCancelledError, RPCError):
            raise self._unavailable("could not link the repeat petition") from None
        return CaseOut.for_role(snapshot, caller.role)

    async def _start(
        self,
        case_id: str,
        body: RegistrationIn,
        caller: Caller,
        path: list[UnitRef],
        petitioner_key: str,
        *,
        repeat_final: bool,
    ) -> CaseSnapshot:
        # A case starts at the level its severity calls for (小事不出村、大事不出镇).
        wanted = _DEPTH[body.severity.starting_level()]
        while len(path) > 1 and _DEPTH[path[0].level] > wanted:
            path = path[1:]
        start = StartCase(
            case_id=case_id,
            tracking_code=new_tracking_code(),
            kind=body.kind,
            category=body.category,
            severity=body.severity,
            channel=body.channel,
            title=body.title,
            description=body.description,
            petitioner=body.petitioner,
            petitioner_key=petitioner_key,
            unit_path=path,
            policy=self.settings.sla_policy,
            registered_by=caller.id,
            repeat_final=repeat_final,
        )
        try:
            snapshot = await start_case(
                self.client, start, self.settings.task_queue, rpc_timeout=self._rpc_timeout()
            )
        except (WorkflowUpdateRPCTimeoutOrCancelledError, RPCError):
            raise self._unavailable("the case is saved but not yet registered") from None
        return snapshot

    # -- reads --------------------------------------------------------------------------------
    async def snapshot(self, case_id: str, caller: Caller) -> CaseOut:
        """The live snapshot from the workflow; the projection's copy if no worker answers."""
        try:
            snap = await self._handle(case_id).query(
                "snapshot", result_type=CaseSnapshot, rpc_timeout=self._rpc_timeout()
            )
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ProblemError(404, NOT_FOUND) from None
            row = await db(self.session.get, CaseRow, case_id)
            if row is None:
                raise self._unavailable("the case cannot be read right now") from None
            snap = CaseSnapshot.model_validate(row.snapshot)
        if not caller.sees(snap.unit_id):
            raise ProblemError(404, NOT_FOUND)
        return CaseOut.for_role(snap, caller.role)

    def case_row(self, case_id: str, caller: Caller) -> CaseRow:
        row = self.session.get(CaseRow, case_id)
        if row is None or not caller.sees(row.unit_id):
            raise ProblemError(404, NOT_FOUND)
        return row

    def _events(self, case_id: str) -> list[CaseEventRow]:
        query = select(CaseEventRow).where(CaseEventRow.case_id == case_id)
        return list(self.session.exec(query.order_by(col(CaseEventRow.seq))).all())

    async def timeline(self, case_id: str, caller: Caller) -> list[TimelineEvent]:
        if await db(self.session.get, CaseRow, case_id) is None:
            # Registered a moment ago and not projected yet: the workflow says whether it exists
            # (and is in scope); its events follow as soon as they are written.
            await self.snapshot(case_id, caller)
        else:
            await db(self.case_row, case_id, caller)
        rows = await db(self._events, case_id)
        return [
            TimelineEvent(
                seq=r.seq,
                action=r.action,
                action_label=ACTION_LABELS.get(r.action, ("登记", ""))[0],
                actor=r.actor,
                role=r.role,
                from_state=r.from_state,
                to_state=r.to_state,
                at=r.at,
                params=r.params,
            )
            for r in rows
        ]

    def list_cases(self, caller: Caller, filters: CaseFilters) -> CasePage:
        query = select(CaseRow)
        if caller.units is not None:
            query = query.where(col(CaseRow.unit_id).in_(caller.units))
        if filters.unit_id:
            query = query.where(col(CaseRow.unit_id).in_(subtree(self.session, filters.unit_id)))
        for name in ("state", "level", "category"):
            value = getattr(filters, name)
            if value:
                query = query.where(getattr(CaseRow, name) == value)
        now = datetime.now(UTC)
        if filters.overdue is not None:
            # The projected due times answer even while a worker is behind.
            late = or_(col(CaseRow.overdue), col(CaseRow.next_due_at) <= now)
            query = query.where(late if filters.overdue else ~late)
        if filters.at_risk is not None:
            risky = or_(col(CaseRow.at_risk), col(CaseRow.next_warn_at) <= now)
            query = query.where(risky if filters.at_risk else ~risky)
        if filters.q and TRACKING_CODE.match(filters.q.strip().upper()):
            # A tracking code names one case: its unique index answers, not a scan of the text.
            query = query.where(col(CaseRow.tracking_code) == filters.q.strip().upper())
        elif filters.q:
            pattern = f"%{filters.q}%"
            query = query.where(
                or_(
                    col(CaseRow.title).ilike(pattern),
                    col(CaseRow.description).ilike(pattern),
                    col(CaseRow.category).ilike(pattern),
                )
            )
        if filters.created_from:
            query = query.where(col(CaseRow.created_at) >= filters.created_from)
        if filters.created_to:
            query = query.where(col(CaseRow.created_at) < filters.created_to)
        if filters.cursor:
            created, case_id = decode_cursor(filters.cursor)
            query = query.where(
                or_(
                    col(CaseRow.created_at) < created,
                    (col(CaseRow.created_at) == created) & (col(CaseRow.case_id) < case_id),
                )
            )
        query = query.order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc())
        rows = self.session.exec(query.limit(filters.limit + 1)).all()
        page = rows[: filters.limit]
        more = len(rows) > filters.limit
        return CasePage(
            items=[summary(r) for r in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].case_id) if more else None,
        )

    # -- actions ------------------------------------------------------------------------------
    async def act(
        self, case_id: str, caller: Caller, body: dict[str, Any], key: str | None
    ) -> CaseOut:
        claim = await db(self._claimed, f"{caller.id}:act:{case_id}:{key}", body) if key else None
        action = body["action"]
        params = {k: v for k, v in body.items() if k != "action"}
        # The workflow's validator checks the scope against where the case is now (404 outside
        # it), so an action costs one round trip to the worker, not a query before it.
        request = ActionRequest(
            action=action,
            params=params,
            role=caller.role,
            user_id=caller.id,
            caller_unit_id=None if caller.units is None else caller.unit_id,
        )
        if action == "forward":
            target = params.get("unit_id", "")
            path = await db(self.unit_path, target)
            if not path:
                raise ProblemError(
                    422,
                    f"unit_id: 单位不存在 / unknown unit {target!r}",
                    errors=[{"field": "unit_id", "message": "unknown unit"}],
                )
            request.unit_path = path
        try:
            snap = await self._handle(case_id).execute_update(
                "act",
                request,
                result_type=CaseSnapshot,
                id=f"{caller.id}:{key}" if key else uuid.uuid4().hex,
                rpc_timeout=self._rpc_timeout(),
            )
        except WorkflowUpdateFailedError as err:
            raise self._update_problem(err) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise self._unavailable("the action was not applied") from None
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                # No such case, or its workflow has finished: a closed case takes no actions.
                row = await db(self.case_row, case_id, caller)  # 404: unknown or out of scope
                label = row.snapshot.get("state_label", row.state)
                raise ProblemError(
                    409,
                    f"案件已{label}，不能再执行“{action}” / the case is {row.state}; no actions "
                    "are allowed",
                    type="/problems/InvalidTransition",
                    allowed_actions=[],
                ) from None
            raise self._unavailable("the action was not applied") from None
        if claim:
            await db(self._remember, claim[0], claim[1], case_id, 200)
        return CaseOut.for_role(snap, caller.role)

    @staticmethod
    def _update_problem(err: WorkflowUpdateFailedError) -> ProblemError:
        cause: BaseException | None = err.cause
        while isinstance(cause, BaseException) and not (
            isinstance(cause, ApplicationError) and cause.type in _STATUS
        ):
            cause = cause.__cause__
        if not isinstance(cause, ApplicationError) or cause.type is None:
            return ProblemError(500, "the action failed unexpectedly")
        details = cause.details[0] if cause.details else {}
        return ProblemError(
            _STATUS[cause.type],
            cause.message,
            type=f"/problems/{cause.type}",
            allowed_actions=details.get("allowed_actions"),
            errors=details.get("errors"),
        )


class CaseFilters:
    def __init__(
        self,
        *,
        state: str | None = None,
        level: str | None = None,
        unit_id: str | None = None,
        overdue: bool | None = None,
        at_risk: bool | None = None,
        category: str | None = None,
        q: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> None:
        self.state, self.level, self.unit_id, self.category = state, level, unit_id, category
        self.overdue, self.at_risk, self.q = overdue, at_risk, q
        self.created_from, self.created_to = created_from, created_to
        self.limit, self.cursor = limit, cursor


def summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(
        case_id=row.case_id,
        tracking_code=row.tracking_code,
        state=row.state,
        state_label=row.snapshot.get("state_label", row.state),
        level=Level(row.level),
        unit_id=row.unit_id,
        assignee=row.assignee,
        kind=row.kind,
        category=row.category,
        severity=row.severity,
        title=row.title,
        created_at=row.created_at,
        updated_at=row.updated_at,
        visit_count=row.visit_count,
        next_due_at=row.next_due_at,
        at_risk=row.at_risk,
        overdue=row.overdue,
    )


def encode_cursor(created_at: datetime, case_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, case_id = json.loads(raw)
        return datetime.fromisoformat(created), str(case_id)
    except (ValueError, TypeError):
        raise ProblemError(
            422,
            "cursor: 无效的分页游标 / invalid cursor",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None
