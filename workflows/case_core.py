"""What every run of a petition workflow holds and how it shows it: the case state with the
lifecycle machine bound to it, the operators' search attributes, and the outbox that writes the
timeline and alerts to the projection, off the path of officers' updates."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import search_attributes
from workflows.options import ActivityOptions
from workflows.patches import (
    BATCHED_OUTBOX_PATCH,
    LAW_PATCH,
    SEARCH_ATTRIBUTES_PATCH,
    SETTLED_PROJECTION_PATCH,
)

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from models.alerts import ALERT_KINDS
    from models.boundary import (
        ActionRequest,
        AlertInput,
        AlertKind,
        CaseEvent,
        CaseSnapshot,
        CaseState,
        OutboxBatch,
        Projection,
        StartCase,
    )
    from models.case import UnitRef
    from models.clocks import (
        CLOCK_LABELS,
        Clock,
    )
    from models.lifecycle import FINAL_STATES, Petition
    from models.mediation import MediationParty
    from models.snapshot import build_snapshot
    from models.vocabulary import LEVEL_LABELS, Role

# The database may be down for a while; the projection must converge once it is back, so retry
# without a limit, backing off to once a minute.
PROJECTION_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)


class CaseCore:
    """State and publishing shared by the workflow's parts (set by ``PetitionWorkflow``)."""

    _start: StartCase
    _state: CaseState
    _lock: asyncio.Lock
    _changed: bool
    _outbox: list[CaseEvent | AlertInput]
    _published: tuple[object, ...]
    _recount_requested: bool
    _ready: bool

    @property
    def _machine(self) -> Petition:
        """The lifecycle machine's rules bound to this case: cheap, as the machines themselves
        are shared between cases (``models/lifecycle.py``)."""
        return Petition(self._state.case)

    @property
    def _final(self) -> bool:
        return self._state.case.state in FINAL_STATES

    def _sync_lapsed(self) -> None:
        """The machine's view of which statutory periods have lapsed, from the ledger."""
        self._state.case.lapsed = list(self._state.ledger.lapsed())

    # -- search attributes --------------------------------------------------------------------
    def _publish(self) -> None:
        """Keep the operators' search attributes current. Cases started before search attributes
        existed replay without them: the patch marks the first run that publishes."""
        if not workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            return
        case, ledger = self._state.case, self._state.ledger
        provisional: bool | None = None  # not published before the law patch
        if workflow.patched(LAW_PATCH):
            next_due = ledger.next_due()
            breached = ledger.overdue(case.suspended_from or case.state)
            provisional = bool(ledger.provisional())
        else:  # as published before: a paused clock's nominal due time, any breach ever
            next_due = min((c.due_at for c in ledger.live() if c.is_duty), default=None)
            breached = any(c.status == "breached" for c in ledger.clocks)
        values = (case.state, case.level.value, case.unit_id, next_due, breached, provisional)
        if values != self._published:
            workflow.upsert_search_attributes(
                search_attributes.updates(
                    state=case.state,
                    level=case.level.value,
                    unit_id=case.unit_id,
                    next_due=next_due,
                    breached=breached,
                    provisional=provisional,
                )
            )
            self._published = values

    # -- projection and alerts ----------------------------------------------------------------
    def _snapshot(self) -> CaseSnapshot:
        return build_snapshot(
            self._state, workflow.now(), self._machine, description=self._start.description
        )

    def _record(
        self,
        action: str,
        by: ActionRequest | None,
        *,
        from_state: str | None,
        params: dict[str, Any],
        parties: list[MediationParty] | None = None,
    ) -> None:
        """Append a timeline event; its projection is written by the outbox drain. ``parties``:
        a mediation's parties, stored encrypted beside the event (never in its params)."""
        self._state.event_seq += 1
        seq = self._state.event_seq
        self._outbox.append(
            CaseEvent(
                event_id=f"{self._state.info.case_id}:{seq}",
                case_id=self._state.info.case_id,
                seq=seq,
                action=action,
                actor=by.user_id if by else "system",
                role=by.role if by else Role.system,
                from_state=from_state,
                to_state=self._state.case.state,
                at=workflow.now(),
                params=params,
                parties=parties or None,
            )
        )

    def _alert(
        self,
        kind: AlertKind,
        clock: Clock | None,
        *,
        occurrence: int = 1,
        unit: UnitRef | None = None,
        about: str | None = None,
    ) -> None:
        """``unit``: the unit the alert goes to (default the unit holding the case); ``about``:
        what the message names in its place (a 督办单 and the unit that must answer it)."""
        case, info = self._state.case, self._state.info
        to = unit
        unit = to or self._state.unit_path[0]
        clock_label = CLOCK_LABELS[clock.name][0] if clock else ""
        due = clock.due_at.astimezone(self._state.policy.zone) if clock else None
        due_text = due.strftime("%Y-%m-%d %H:%M") if due else ""
        level_label = LEVEL_LABELS[case.level][0]
        spec = ALERT_KINDS[kind]
        text = spec.template.format(
            title=info.title,
            clock=clock_label,
            due=due_text,
            unit=unit.name or unit.id,
            level=level_label,
        )
        # Replay-safe business metrics: counted once, when the alert is first raised.
        workflow.metric_meter().create_counter(
            "petition_alerts", "alerts raised: warnings, breaches, escalations, supervision"
        ).add(1, {"kind": kind, "level": case.level.value, "clock": clock.name if clock else "-"})
        workflow.logger.info(
            "alert raised",
            extra={"case_id": info.case_id, "kind": kind, "clock": clock.id if clock else None},
        )
        self._outbox.append(
            AlertInput(
                # URL-safe: it appears in /alerts/{alert_id}/ack
                alert_id=f"{info.case_id}.{clock.id.replace('#', '-') if clock else 'case'}"
                f".{kind}.{occurrence}",
                case_id=info.case_id,
                clock_id=clock.id if clock else None,
                kind=kind,
                occurrence=occurrence,
                unit_id=to.id if to else case.unit_id,
                level=to.level if to else case.level,
                title=info.title,
                message=f"{text}（{about or unit.name or unit.id}，案件 {info.case_id}）",
                due_at=clock.due_at if clock else None,
                at=workflow.now(),
                renotify_every=(
                    self._state.policy.alerts.renotify_every.iso if spec.renotifies else None
                ),
            )
        )

    async def _drain_outbox(self) -> None:
        """Write projections and alerts in order, off the path of the officer's update. Each
        projection carries the snapshot as of its writing, so the row is never staler than the
        event it records."""
        # A projection is taken only between actions: mid-action (while its new clocks are
        # being computed) the snapshot would lack them until the next event.
        settled = workflow.patched(SETTLED_PROJECTION_PATCH)
        if workflow.patched(BATCHED_OUTBOX_PATCH):
            return await self._drain_in_batches()
        while True:
            await workflow.wait_condition(
                lambda: bool(self._outbox) and not (settled and self._lock.locked())
            )
            item = self._outbox[0]
            if isinstance(item, CaseEvent):
                first = self._start if item.seq == 1 and self._start.carried is None else None
                projection = Projection(
                    snapshot=self._snapshot(),
                    event=item,
                    description=first.description if first else None,
                    petitioner=first.petitioner if first else None,
                    petitioner_key=first.petitioner_key if first else None,
                    search_keys=first.search_keys if first else None,
                    people=first.people if first else None,
                )
                await workflow.execute_activity_method(
                    ProjectionActivities.project_case,
                    projection,
                    start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                    retry_policy=PROJECTION_OPTIONS.retry_policy,
                )
            else:
                await workflow.execute_activity_method(
                    ProjectionActivities.record_alert,
                    item,
                    start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                    retry_policy=PROJECTION_OPTIONS.retry_policy,
                )
            self._outbox.pop(0)

    async def _drain_in_batches(self) -> None:
        """Everything pending, one activity: a timer that raises a breach, its supervision alert
        and an event costs one write, not three. Still an activity, not a local one: a database
        outage must not hold back the answers to officers' updates."""
        while True:
            await workflow.wait_condition(lambda: bool(self._outbox) and not self._lock.locked())
            items = list(self._outbox)
            events = [i for i in items if isinstance(i, CaseEvent)]
            first = (
                self._start
                if self._start.carried is None and any(e.seq == 1 for e in events)
                else None
            )
            batch = OutboxBatch(
                snapshot=self._snapshot(),
                events=events,
                alerts=[i for i in items if isinstance(i, AlertInput)],
                description=first.description if first else None,
                petitioner=first.petitioner if first else None,
                petitioner_key=first.petitioner_key if first else None,
                search_keys=first.search_keys if first else None,
                people=first.people if first else None,
            )
            await workflow.execute_activity_method(
                ProjectionActivities.write_outbox,
                batch,
                start_to_close_timeout=PROJECTION_OPTIONS.start_to_close_timeout,
                retry_policy=PROJECTION_OPTIONS.retry_policy,
            )
            del self._outbox[: len(items)]
