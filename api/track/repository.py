"""The one-time codes' rows: issued codes (keyed hashes only), wrong tries and locks; and the
petitioner's SMS opt-out recorded at registration."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from models.tables import SmsDeliveryRow, SmsOptOutRow, TrackOtpGuardRow, TrackOtpRow


def record_opt_out(session: Session, case_id: str, at: datetime) -> None:
    """The petitioner asked not to be texted notices (kept with the registration's commit)."""
    if session.get(SmsOptOutRow, case_id) is None:
        session.add(SmsOptOutRow(case_id=case_id, at=at))


def sms_log(session: Session, case_id: str) -> tuple[bool, list[SmsDeliveryRow]]:
    """Whether the case's petitioner opted out, and every attempt to text them, oldest first."""
    attempts = session.exec(
        select(SmsDeliveryRow)
        .where(SmsDeliveryRow.case_id == case_id)
        .order_by(col(SmsDeliveryRow.at), col(SmsDeliveryRow.id))
    ).all()
    return session.get(SmsOptOutRow, case_id) is not None, list(attempts)


class OtpRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def issued_since(self, case_id: str, since: datetime) -> int:
        query = select(func.count()).where(
            TrackOtpRow.case_id == case_id, col(TrackOtpRow.created_at) >= since
        )
        return int(self.session.exec(query).one())

    def latest_valid(self, case_id: str, now: datetime) -> TrackOtpRow | None:
        """The newest code still valid: a newer code replaces the older ones."""
        query = (
            select(TrackOtpRow)
            .where(TrackOtpRow.case_id == case_id)
            .order_by(col(TrackOtpRow.created_at).desc())
            .limit(1)
        )
        row = self.session.exec(query).first()
        return row if row is not None and row.expires_at > now else None

    def guard(self, case_id: str) -> TrackOtpGuardRow:
        """The case's run of wrong tries, locked for the rest of the transaction."""
        row = self.session.get(TrackOtpGuardRow, case_id, with_for_update=True)
        if row is None:
            row = TrackOtpGuardRow(case_id=case_id, failures=0)
            self.session.add(row)
        return row

    def expire_all(self, case_id: str, now: datetime) -> None:
        rows = self.session.exec(
            select(TrackOtpRow).where(
                TrackOtpRow.case_id == case_id, col(TrackOtpRow.expires_at) > now
            )
        ).all()
        for row in rows:
            row.expires_at = now
