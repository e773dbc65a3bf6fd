"""The same matter across cases: a ``link``, ``unlink`` or ``merge`` taken on one case is
recorded on the other by a signal to its workflow (``linked``, ``unlinked``, ``merged_in``),
and the petitioners of a collective petition (集体访) as the case keeps them."""

from __future__ import annotations

from temporalio import workflow

from workflows.case_core import CaseCore
from workflows.patches import COLLECTIVE_ALERT_PATCH

with workflow.unsafe.imports_passed_through():
    from models.boundary import (
        ActionRequest,
        CounterpartEvent,
        PetitionerEntry,
        StartCase,
        VisitRequest,
    )
    from models.errors import DomainError
    from models.lifecycle import FINAL_STATES
    from models.vocabulary import Severity
    from petitionflow.temporal import workflow_id

# The action on one case → the event it records on the other.
OTHER_CASE_EVENTS = {"link": "linked", "unlink": "unlinked", "merge": "merged_in"}


def petitioner_entries(start: StartCase) -> list[PetitionerEntry]:
    """Every petitioner, masked, with their reference; each came on the registration (seq 1)."""
    return [
        PetitionerEntry(
            **person.petitioner.masked().model_dump(),
            ref=person.keys.get("person_ref", ""),
            representative=person.representative,
            visits=[1],
        )
        for person in start.people
    ]


class CaseLinks(CaseCore):
    def _other_case_context(self, request: ActionRequest) -> dict[str, object]:
        """What the machine's rules on the other case need: this case's id and the other case
        as the API found it in the caller's scope."""
        if request.action not in OTHER_CASE_EVENTS:
            return {}
        return {"own_case_id": self._state.info.case_id, "other": request.other}

    async def _tell_other(self, request: ActionRequest, note: str) -> None:
        """Record the action on the other case's timeline too. A finished case's workflow
        takes no signals: an unlink from it is recorded on this case only."""
        other = request.other
        event = OTHER_CASE_EVENTS.get(request.action)
        if event is None or other is None or other.state in FINAL_STATES:
            return
        handle = workflow.get_external_workflow_handle(workflow_id(other.case_id))
        await handle.signal(
            "counterpart",
            CounterpartEvent(
                event=event,
                case_id=self._state.info.case_id,
                role=request.role,
                user_id=request.user_id,
                note=note,
                visit_count=self._state.visit_count if request.action == "merge" else 0,
            ),
        )

    @workflow.signal(name="counterpart")
    async def counterpart(self, event: CounterpartEvent) -> None:
        """The other side of a link, unlink or merge. A signal cannot be refused: an event the
        machine does not take now (this case finished meanwhile) is logged and dropped."""
        await workflow.wait_condition(lambda: self._ready)
        async with self._lock:
            from_state = self._state.case.state
            try:
                self._machine.raise_event(
                    event.event,
                    role=event.role,
                    actor=event.user_id,
                    at=workflow.now(),
                    other_case_id=event.case_id,
                )
            except DomainError:
                workflow.logger.warning(
                    "other case's event dropped",
                    extra={"case_id": self._state.info.case_id, "event": event.event},
                )
                return
            params: dict[str, object] = {"other_case_id": event.case_id, "note": event.note}
            if event.event == "merged_in":  # 最多跑一次: the duplicate's visits count here
                self._state.visit_count += event.visit_count
                params |= {
                    "visits_added": event.visit_count,
                    "visit_count": self._state.visit_count,
                }
            by = ActionRequest(action=event.event, role=event.role, user_id=event.user_id)
            self._record(event.event, by, from_state=from_state, params=params)
            self._changed = True
            self._publish()

    def _note_visitors(self, request: VisitRequest) -> None:
        """A repeat visit is on the entries of the petitioners who came (its event is the
        last recorded)."""
        for entry in self._state.info.petitioners:
            if entry.ref and entry.ref in request.petitioner_refs:
                entry.visits.append(self._state.event_seq)

    def _alert_collective(self, start: StartCase) -> None:
        """集体访 go to the county (the severity's level) and alert its supervisors at once."""
        if start.severity == Severity.group and workflow.patched(COLLECTIVE_ALERT_PATCH):
            self._alert("collective", None)
