"""Case use-cases behind the routes: registration with repeat matching and idempotency, actions
as workflow updates, reads from the workflow (live) or the projection (lists, timeline)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import pii
from api.auth import Caller
from api.cases import collective
from api.cases.hand_over import as_standing, caller_standing, named_units
from api.cases.repository import NOT_FOUND, CaseRepository
from api.cases.schemas import (
    CaseFilters,
    CaseOut,
    CasePage,
    CaseSummary,
    RegistrationIn,
    TimelineEvent,
    new_tracking_code,
)
from api.cases.workflow import CaseWorkflows, unavailable, update_problem
from api.pagination import encode_cursor
from api.problems import ProblemError
from api.public.repository import PublicRepository
from api.public.schemas import Tracking
from api.track.repository import record_opt_out
from api.users import repository as users
from models.boundary import (
    ActionRequest,
    CaseSnapshot,
    MaskedPetitioner,
    StartCase,
    VisitRequest,
)
from models.case import OtherCase, UnitRef
from models.lifecycle import FINAL_STATES
from models.messages import Message
from models.tables import CaseRow, IdempotencyRow
from models.vocabulary import EVENT_LABELS, Role
from petitionflow import audit
from petitionflow.settings import Settings

# The session is synchronous: its queries run in the thread pool, never on the event loop,
# which every other request (and the live alert streams) shares. One at a time per request.
db = run_in_threadpool


@dataclass(frozen=True)
class Claim:
    """An Idempotency-Key in use: the request's digest, and the first answer if there was one."""

    key: str
    digest: str
    first: IdempotencyRow | None


class CaseGone(Exception):
    """The case a matter's record names has no running workflow (never started, or closed)."""


def unknown_unit(unit_id: str) -> ProblemError:
    return ProblemError(
        422,
        Message(f"unit_id：单位不存在（{unit_id!r}）", f"unit_id: unknown unit {unit_id!r}"),
        errors=[{"field": "unit_id", "message": Message("单位不存在", "unknown unit")}],
    )


class CaseService:
    def __init__(self, *, session: Session, client: Client, settings: Settings) -> None:
        self.session, self.settings = session, settings
        self.cases = CaseRepository(session)
        self.workflows = CaseWorkflows(client=client, settings=settings)
        self._secret = settings.secret()

    # -- keys ---------------------------------------------------------------------------------
    def _keyed(self, *parts: str) -> str:
        return hmac.new(self._secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def petitioner_key(self, id_number: str) -> str:
        """HMAC of the ID number: matches repeats without ever storing the number as a key."""
        return self.settings.person_keys.id_number(id_number)

    def case_id_for(self, *, user_id: str, key: str) -> str:
        """The case an Idempotency-Key registers: derived, so a retry finds it even when the
        first answer was lost."""
        return self._keyed("case", user_id, key)[:20]

    # -- idempotency --------------------------------------------------------------------------
    async def _claim(self, key: str | None, scope: str, body: Any) -> Claim | None:
        """``None`` without a key; 422 for a key reused with another body."""
        if not key:
            return None
        digest = hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        first = await db(self.cases.idempotency, scope)
        if first is not None and first.request_hash != digest:
            raise ProblemError(
                422,
                Message(
                    "Idempotency-Key 已用于另一个请求",
                    "this Idempotency-Key was used with another request body",
                ),
                errors=[
                    {
                        "field": "Idempotency-Key",
                        "message": Message("已用于内容不同的请求", "reused with a different body"),
                    }
                ],
            )
        return Claim(scope, digest, first)

    async def _remember(self, claim: Claim | None, case_id: str, status: int) -> None:
        if claim is not None:
            await db(
                lambda: self.cases.remember(
                    key=claim.key, digest=claim.digest, case_id=case_id, status=status
                )
            )

    # -- registration -------------------------------------------------------------------------
    async def register(
        self, *, body: RegistrationIn, caller: Caller, key: str | None
    ) -> tuple[int, CaseOut | Tracking]:
        claim = await self._claim(key, f"{caller.id}:register:{key}", body.model_dump())
        if claim and claim.first is not None:
            # The first answer again, wherever the case has gone since (an urgent case starts
            # at the county, outside a village officer's scope): not a 404 for a retry.
            first = claim.first
            return first.status_code, await self._answer_again(first.case_id, first, caller)
        path = await db(self.cases.unit_path, body.unit_id)
        if not path:
            raise unknown_unit(body.unit_id)
        if not caller.sees(body.unit_id):
            raise ProblemError(
                403, Message("不能为范围外的单位登记", "the unit is outside your scope")
            )
        case_id = self.case_id_for(user_id=caller.id, key=key) if key else uuid.uuid4().hex[:20]
        # 集体访: a repeat of any of the petitioners on the same matter is linked to their case.
        keys = list(
            dict.fromkeys(k for p in body.petitioners if (k := self.petitioner_key(p.id_number)))
        )
        open_case, final_case = await db(
            lambda: self.cases.earlier_cases(
                petitioner_keys=keys, category=body.category, county=path[-1].id
            )
        )
        # A retry whose first try registered the case but never got its answer (the API died
        # in between) finds that case: the key names it, and it is never its own "repeat".
        open_id = open_case.case_id if open_case is not None else None
        open_id = None if open_id == case_id else open_id
        matters = ["matter:" + self._keyed("matter", k, body.category, path[-1].id) for k in keys]
        loop = asyncio.get_running_loop()
        grace = 2 * self.settings.update_timeout_seconds
        deadline = loop.time() + grace
        while True:
            if open_id is None and matters:
                # Not projected yet, maybe: the matter's record, written by a registration
                # before its workflow starts, names the open case (or makes this one it).
                held = await db(self.cases.hold_matters, matters, case_id)
                open_id = None if held == case_id else held
            if open_id is None:
                break
            try:
                linked = await self._visit(open_id, caller, body, key)
            except CaseGone:
                # No workflow (yet): its registration is still starting it, failed to (and is
                # retried with its key), or the case has just closed. Past the time a start
                # takes, this registration takes the matter over.
                before = datetime.now(UTC) - timedelta(seconds=grace)
                released = await db(self.cases.release_matters, matters, open_id, before)
                if not released and loop.time() > deadline:
                    raise unavailable(
                        Message("未能关联重复信访", "could not link the repeat petition")
                    ) from None
                if not released:
                    await asyncio.sleep(0.2)
                open_id = None
                continue
            await self._remember(claim, open_id, 200)
            return 200, linked
        start = self._start_case(case_id, body, caller, path, repeat_final=final_case is not None)
        if body.sms_opt_out:  # before the start: the registration's own text reads it
            await db(record_opt_out, self.session, case_id, datetime.now(UTC))
        await db(self.session.commit)  # no transaction stays open while Temporal answers
        try:
            snapshot = await self.workflows.start(start)
        except WorkflowAlreadyStartedError:
            # That retry, once the case has closed: its workflow id is not run again.
            earlier = await self._registered(case_id, caller)
            if earlier is None:
                raise unavailable(
                    Message("案件已保存，尚未完成登记", "the case is saved but not yet registered")
                ) from None
            await self._remember(claim, case_id, 201)
            return 201, earlier
        except (WorkflowUpdateRPCTimeoutOrCancelledError, RPCError):
            raise unavailable(
                Message("案件已保存，尚未完成登记", "the case is saved but not yet registered")
            ) from None
        await self._remember(claim, case_id, 201)
        return 201, await self._out(snapshot, caller)

    async def _answer_again(
        self, case_id: str, first: IdempotencyRow, caller: Caller
    ) -> CaseOut | Tracking:
        """A retried registration's answer: the case for the one who registered it (as the
        first answer was, whatever the case's scope now); a repeat's as a repeat answers."""
        snap = await self._live(case_id)
        if first.status_code == 201 or caller.sees(snap.unit_id):
            return await self._out(snap, caller)
        return await self._tracking(snap)

    async def _registered(self, case_id: str, caller: Caller) -> CaseOut | None:
        """The case a keyed registration started, if its workflow exists (any scope: the caller
        registered it)."""
        try:
            snap = await self._live(case_id)
        except ProblemError as err:
            if err.status == 404:
                return None
            raise
        return await self._out(snap, caller)

    async def _visit(
        self, case_id: str, caller: Caller, body: RegistrationIn, key: str | None
    ) -> CaseOut | Tracking:
        """Link a repeat petition to the open case. The caller sees the case if it is in their
        scope; otherwise only what its tracking page shows (``API.md``)."""
        # The visit keeps its own channel, day, title and text on the timeline (the case keeps
        # the ones it was registered with).
        request = VisitRequest(
            role=caller.role,
            user_id=caller.id,
            channel=body.channel,
            title=body.title,
            description=body.description,
            received_on=body.received_on,
            unit_id=body.unit_id,
            petitioner_refs=[self.settings.person_keys.ref(p) for p in body.petitioners],
        )
        update_id = f"visit:{caller.id}:{key}" if key else f"visit:{uuid.uuid4().hex}"
        try:
            snapshot = await self.workflows.visit(case_id, request, update_id=update_id)
        except WorkflowUpdateFailedError as err:
            raise update_problem(err) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise unavailable(
                Message("未能关联重复信访", "could not link the repeat petition")
            ) from None
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise CaseGone(case_id) from None
            raise unavailable(
                Message("未能关联重复信访", "could not link the repeat petition")
            ) from None
        if caller.sees(snapshot.unit_id):
            return await self._out(snapshot, caller)
        return await self._tracking(snapshot)

    async def _tracking(self, snapshot: CaseSnapshot) -> Tracking:
        unit_name = await db(PublicRepository(self.session).unit_name, snapshot.unit_id)
        return Tracking.of(
            snapshot.model_dump(mode="json"), unit_name=unit_name, updated_at=datetime.now(UTC)
        )

    def _start_case(
        self,
        case_id: str,
        body: RegistrationIn,
        caller: Caller,
        path: list[UnitRef],
        *,
        repeat_final: bool,
    ) -> StartCase:
        # A case starts at the level its severity calls for (小事不出村、大事不出镇).
        wanted = body.severity.starting_level().rank
        while len(path) > 1 and path[0].level.rank < wanted:
            path = path[1:]
        return StartCase(
            **body.header(),
            case_id=case_id,
            tracking_code=new_tracking_code(),
            received_on=body.received_on,
            description=body.description,
            petitioner=body.primary,
            petitioner_key=self.petitioner_key(body.primary.id_number),
            search_keys=self.settings.person_keys.search_columns(body.primary),
            people=collective.people(body, self.settings.person_keys),
            headcount=body.headcount or len(body.petitioners),
            unit_path=path,
            receiving_unit_id=body.unit_id,
            policy=self.settings.sla_policy,
            registered_by=caller.id,
            repeat_final=repeat_final,
            # Counted in the workflow from these schedules; from the year before: a petition
            # received in late December may be registered in January.
            calendar=self.settings.calendar_file().snapshot(since_year=datetime.now(UTC).year - 1),
        )

    # -- reads --------------------------------------------------------------------------------
    async def _live(self, case_id: str) -> CaseSnapshot:
        """The live snapshot from the workflow; the projection's copy if no worker answers.
        No scope check: the callers do it."""
        try:
            return await self.workflows.snapshot(case_id)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ProblemError(404, NOT_FOUND) from None
            row = await db(self.cases.get, case_id)
            if row is None:
                raise unavailable(
                    Message("暂时无法读取案件", "the case cannot be read right now")
                ) from None
            # Rows projected before the snapshot carried the description have it in its column.
            return CaseSnapshot.model_validate({"description": row.description} | row.snapshot)

    async def _out(self, snap: CaseSnapshot, caller: Caller) -> CaseOut:
        """The snapshot as the caller sees it: the actions their role may take now, none if
        the case has passed on to a unit outside their scope (reading follows the work,
        acting stays with the unit holding the case); the names of the users it names."""
        acting = caller.sees(snap.unit_id)
        out = CaseOut.for_role(snap, caller.role, acting=acting)
        out.may_reveal_contact = pii.refusal(caller, state=snap.state, unit_id=snap.unit_id) is None
        out.user_names = await db(users.names, self.session, snapshot_users(snap))
        out.assignee_name = out.user_names.get(snap.assignee or "")
        return as_standing(out, snap, caller)  # 交办: the handing unit's, a co-handler's view

    async def _reads(self, snap: CaseSnapshot, caller: Caller) -> bool:
        """Whether the caller may read the case: it has been at a unit they see (the snapshot
        knows since when units are remembered; the projection also for earlier cases)."""
        if caller.reads([snap.unit_id, *snap.earlier_units]):
            return True
        if caller_standing(caller, snap) == "co_handler":  # while its task is open
            return True
        return await db(self.cases.been_at, snap.case_id, caller)

    async def snapshot(self, *, case_id: str, caller: Caller) -> CaseOut:
        """The live snapshot, if the caller may read the case (404 otherwise)."""
        snap = await self._live(case_id)
        if not await self._reads(snap, caller):
            raise ProblemError(404, NOT_FOUND)
        return await self._out(snap, caller)

    async def read(
        self, *, case_id: str, caller: Caller, reveal: bool, reason: str | None
    ) -> CaseOut:
        """The snapshot; with ``reveal``, the petitioner's personal data too, on record."""
        snapshot = await self.snapshot(case_id=case_id, caller=caller)
        if snapshot.state in FINAL_STATES:  # retention may have purged its personal data
            purged_at = await db(self.cases.purged_at, case_id)
            if purged_at is not None:
                snapshot.petitioner = MaskedPetitioner(name="", id_number="", phone="")
                snapshot.petitioners = []
                snapshot.description = ""  # the workflow's history still has it; shown no more
                snapshot.personal_data_purged_at = purged_at
                snapshot.may_reveal_contact = False
        if reveal:
            if snapshot.personal_data_purged_at is not None:
                raise ProblemError(
                    410,
                    Message(
                        "个人信息已按保存期限删除",
                        "the personal data was deleted when its retention period ended",
                    ),
                )
            row = await db(self.cases.case_row, case_id, caller)
            revealed = await db(
                lambda: pii.reveal(
                    self.session,
                    row,
                    caller,
                    reason,
                    self.settings.field_cipher,
                    state=snapshot.state,
                    unit_id=snapshot.unit_id,
                )
            )
            snapshot.petitioner_revealed = revealed
            # the same reading, on record above: every petitioner of a collective petition
            snapshot.petitioners_revealed = await db(
                lambda: collective.revealed(self.session, self.settings.field_cipher, case_id)
            )
        return snapshot

    async def timeline(
        self, *, case_id: str, caller: Caller, merged: bool = False
    ) -> list[TimelineEvent]:
        if await db(self.cases.get, case_id) is None:
            # Registered a moment ago and not projected yet: the workflow says whether it exists
            # (and is in scope); its events follow as soon as they are written.
            await self.snapshot(case_id=case_id, caller=caller)
            row = None
        else:
            row = await db(self.cases.case_row, case_id, caller)
        events = await self._events(case_id)
        if not merged or row is None:
            return events
        # The duplicates merged into this case (合并) are part of its record: their events
        # too, each naming its case, in time order.
        for duplicate in row.snapshot.get("merged_cases", []):
            events += await self._events(str(duplicate))
        return sorted(events, key=lambda e: (e.at, e.case_id != case_id, e.seq))

    async def _events(self, case_id: str) -> list[TimelineEvent]:
        rows = await db(self.cases.events, case_id)
        verified, _ = audit.check(rows)
        named = [r.actor for r in rows] + [
            r.params[f] for r in rows for f in STAFF_PARAMS if isinstance(r.params.get(f), str)
        ]
        known = await db(users.names, self.session, named)
        return [
            TimelineEvent(
                seq=r.seq,
                action=r.action,
                action_label=EVENT_LABELS.get(r.action, ("登记", ""))[0],
                actor=r.actor,
                actor_name=known.get(r.actor),
                user_names={
                    r.params[f]: known[r.params[f]]
                    for f in STAFF_PARAMS
                    if isinstance(r.params.get(f), str) and r.params[f] in known
                },
                role=r.role,
                from_state=r.from_state,
                to_state=r.to_state,
                at=r.at,
                params=r.params,
                chain=r.chain,
                chain_verified=ok,
                case_id=case_id,
            )
            for r, ok in zip(rows, verified, strict=True)
        ]

    def list_cases(self, *, caller: Caller, filters: CaseFilters) -> CasePage:
        rows = self.cases.list_cases(caller, filters)
        page = rows[: filters.limit]
        more = len(rows) > filters.limit
        return CasePage(
            items=[summary(r) for r in page],
            next_cursor=encode_cursor(page[-1].created_at, page[-1].case_id) if more else None,
        )

    # -- actions ------------------------------------------------------------------------------
    async def act(
        self, *, case_id: str, caller: Caller, body: dict[str, Any], key: str | None
    ) -> CaseOut:
        claim = await self._claim(key, f"{caller.id}:act:{case_id}:{key}", body)
        action = body["action"]
        request = await self.action_request(caller=caller, body=body)
        update_id = f"{caller.id}:{key}" if key else uuid.uuid4().hex
        await db(self.session.commit)  # no transaction stays open while Temporal answers
        try:
            snap = await self.workflows.act(case_id, request, update_id=update_id)
        except WorkflowUpdateFailedError as err:
            problem = update_problem(err)
            if problem.status == 404 and await db(self.cases.been_at, case_id, caller):
                raise passed_on() from None
            raise problem from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise unavailable(Message("操作未执行", "the action was not applied")) from None
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise await self._finished(case_id, caller, action) from None
            raise unavailable(Message("操作未执行", "the action was not applied")) from None
        await self._remember(claim, case_id, 200)
        return await self._out(snap, caller)

    async def action_request(self, *, caller: Caller, body: dict[str, Any]) -> ActionRequest:
        """The update an action sends, as the API completes it: the caller, their unit, the
        users the params name, a forward's target path (bulk actions send the same one)."""
        action = body["action"]
        params = {k: v for k, v in body.items() if k != "action"}
        if action == "feedback":  # 回访: by default today, by the officer recording it (an
            # officer acts only at the unit holding the case; an admin names the caller)
            if caller.role is Role.officer:
                params["caller"] = params.get("caller") or caller.id
            today = datetime.now(self.settings.sla_policy.zone).date()
            params["contacted_on"] = params.get("contacted_on") or today.isoformat()
        named = [params[f] for f in STAFF_PARAMS if isinstance(params.get(f), str)]
        # The workflow's validator checks the scope against where the case is now (404 outside
        # it), so an action costs one round trip to the worker, not a query before it.
        request = ActionRequest(
            action=action,
            params=params,
            role=caller.role,
            user_id=caller.id,
            caller_unit_id=None if caller.units is None else caller.unit_id,
            # the users it names, for the machine's rule that they work at the case's unit
            staff=await db(users.staff, self.session, named) if named else {},
        )
        if action == "hand_over":  # the lead's and co-handlers' paths, for the machine
            request.units = await db(named_units, self.cases, params)
        if action in OTHER_CASE_ACTIONS:  # the other case, as found in the caller's scope
            request.other = await self._other_case(
                str(params.get("other_case_id", "")), caller, action
            )
        if action == "forward":
            target = params.get("unit_id", "")
            path = await db(self.cases.unit_path, target)
            if not path:
                raise unknown_unit(target)
            request.unit_path = path
        return request

    async def _other_case(self, case_id: str, caller: Caller, action: str) -> OtherCase | None:
        """The case a link, unlink or merge names, if the caller acts on it (an unlink: if it
        exists; the link is this case's to undo). None: none there — the machine refuses."""
        if not case_id:
            return None
        try:
            snap = await self._live(case_id)
        except ProblemError as err:
            if err.status == 404:
                return None
            raise
        if action != "unlink" and not caller.sees(snap.unit_id):
            return None  # outside the caller's scope: as if there were no such case
        return OtherCase(
            case_id=snap.case_id,
            state=snap.state,
            unit_id=snap.unit_id,
            visit_count=snap.visit_count,
        )

    async def _finished(self, case_id: str, caller: Caller, action: str) -> ProblemError:
        """No such case, or its workflow has finished: a closed case takes no actions."""
        row = await db(self.cases.case_row, case_id, caller)  # 404: unknown or out of scope
        label = row.snapshot.get("state_label", row.state)
        return ProblemError(
            409,
            Message(
                f"案件已{label}，不能再执行“{EVENT_LABELS.get(action, (action,))[0]}”",
                f"the case is {row.state}; no actions are allowed",
            ),
            type="/problems/InvalidTransition",
            allowed_actions=[],
        )


# Actions that name another case (the same matter).
OTHER_CASE_ACTIONS = frozenset({"link", "unlink", "merge"})

# Action parameters that name a user (an assignee, a callback's caller).
STAFF_PARAMS = ("officer_id", "caller", "leader_user_id")


def snapshot_users(snap: CaseSnapshot) -> list[str]:
    """Every user id the snapshot names."""
    return [
        *([snap.assignee] if snap.assignee else []),
        *(f.by for f in snap.feedback),
        *(f.caller for f in snap.feedback if f.caller),
        *(o.by for o in snap.opinions),
        *(e.by for e in snap.escalations),
        *([snap.leader.user_id] if snap.leader else []),
        *(o.issued_by for o in snap.orders),
        *(o.answered_by for o in snap.orders if o.answered_by),
    ]


def passed_on() -> ProblemError:
    """An action on a case the caller may read but no longer holds."""
    return ProblemError(
        403,
        "案件已由其他单位办理，您可以查看，不能办理 / the case is now held by another unit: you "
        "may read it, not act on it",
        type="/problems/Forbidden",
        allowed_actions=[],
    )


def summary(row: CaseRow) -> CaseSummary:
    return CaseSummary.model_validate(row)
