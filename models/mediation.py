"""调解 (mediation) of a claim between parties, as the lifecycle machine sees it: who mediates,
between whom, the sessions held and how it ended. Pure data; no I/O.

"调解优先、诉讼断后": an agreement completes the resolution track (解决问题到位) and is the
调解协议书; a failure refers the dispute to a legal channel, on which the case may then be declined
(访诉分离). The parties' names are personal data: the timeline and the snapshot carry them masked,
the projection stores them encrypted (``case_parties``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from models.vocabulary import MediationOutcome, PartyKind, Referral


class MediationParty(BaseModel):
    """A party to the dispute: a person or an organisation, with its role in the dispute."""

    name: str = Field(min_length=1, max_length=100)
    kind: PartyKind = PartyKind.person
    role: str = Field(min_length=1, max_length=50)  # e.g. 业主, 物业公司, 用工单位

    def masked(self) -> MediationParty:
        """As the timeline and the snapshot show it: a person's name masked like the
        petitioner's; an organisation's kept (not personal data)."""
        if self.kind is PartyKind.organisation:
            return self
        shown = self.name[:1] + "*" * max(len(self.name) - 1, 1)
        return self.model_copy(update={"name": shown})


class MediationSession(BaseModel):
    held_on: date
    summary: str
    by: str = ""
    at: datetime | None = None


class Mediation(BaseModel):
    mediator: str  # a mediator's name or a committee (人民调解委员会)
    parties: list[MediationParty]
    started_by: str = ""
    started_at: datetime | None = None
    sessions: list[MediationSession] = Field(default_factory=list)
    outcome: MediationOutcome | None = None
    terms: str = ""  # the agreement's terms (调解协议书)
    referral: Referral | None = None  # where a failed mediation sends the dispute
    closed_at: datetime | None = None

    @property
    def ongoing(self) -> bool:
        return self.outcome is None

    @property
    def referred(self) -> bool:
        return self.outcome is MediationOutcome.failed and self.referral is not None

    def shown(self) -> Mediation:
        """For the snapshot: the parties masked."""
        return self.model_copy(update={"parties": [p.masked() for p in self.parties]})


MEDIATION_ACTIONS = frozenset({"start_mediation", "record_session", "close_mediation"})


def recorded_parties(
    action: str, params: dict[str, Any], unit_id: str
) -> tuple[dict[str, Any], list[MediationParty]]:
    """The timeline's params of ``action`` with the parties masked and the mediating unit
    (statistics count by it), and the parties as given (stored encrypted by the projection,
    never on the timeline)."""
    if action not in MEDIATION_ACTIONS:
        return params, []
    params = {**params, "mediation_unit_id": unit_id}
    if action != "start_mediation":
        return params, []
    parties = [MediationParty.model_validate(p) for p in params.get("parties", [])]
    masked = [p.masked().model_dump(mode="json") for p in parties]
    return {**params, "parties": masked}, parties


def decline_referral(action: str, mediation: Mediation | None) -> dict[str, Any]:
    """访诉分离: a decline after a failed mediation keeps its referral on the timeline."""
    if action == "decline" and mediation is not None and mediation.referred:
        return {"referral": str(mediation.referral)}
    return {}
