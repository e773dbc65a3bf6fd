"""调解's projection: the parties a mediation names, stored encrypted beside its event (the
timeline itself carries them masked). Idempotent by the event's id."""

from __future__ import annotations

from sqlmodel import Session

from models.boundary import CaseEvent
from models.tables import CasePartyRow
from petitionflow.field_crypto import FieldCipher


def party_field(position: int) -> str:
    """The field name bound into a party name's ciphertext (with the case id)."""
    return f"party.{position}.name"


def write_parties(session: Session, fields: FieldCipher, event: CaseEvent) -> None:
    for position, party in enumerate(event.parties or []):
        row_id = f"{event.event_id}:{position}"
        if session.get(CasePartyRow, row_id) is not None:
            continue  # a retried write
        session.add(
            CasePartyRow(
                id=row_id,
                case_id=event.case_id,
                event_seq=event.seq,
                position=position,
                kind=party.kind.value,
                role=party.role,
                name_enc=fields.encrypt(party.name, row=event.case_id, field=party_field(position)),
                name_masked=party.masked().name,
            )
        )
