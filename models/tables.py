"""The projection: SQLModel tables written by activities, read for lists, search and statistics.

The workflow is the case; these rows are its projection and can be rebuilt from it. Schema
changes go through Alembic migrations (``petitionflow/migrations``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, false
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from models.clocks import STATUTORY_BREACH_SQL


class UtcDateTime(TypeDecorator[datetime]):
    """Instants stored in UTC on every database. SQLite keeps no offset, so a time written with
    +08:00 would otherwise compare wrongly against one written in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; give it an offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tz() -> Any:
    return UtcDateTime()


class UnitRow(SQLModel, table=True):
    __tablename__ = "units"

    id: str = Field(primary_key=True, max_length=200)
    name: str = Field(max_length=200)
    level: str = Field(max_length=16)
    parent_id: str | None = Field(default=None, foreign_key="units.id", index=True)
    kind: str = Field(default="area", max_length=16)  # UnitKind: area or department


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    # Lists filter by state or level and page newest first: these answer a rare state at 1M
    # cases from the index instead of walking the whole created_at index (2 s → 1 ms).
    __table_args__ = (
        Index("ix_cases_state_created", "state", "created_at", "case_id"),
        Index("ix_cases_level_created", "level", "created_at", "case_id"),
    )

    case_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str = Field(unique=True, index=True, max_length=64)
    state: str = Field(index=True, max_length=32)
    level: str = Field(index=True, max_length=16)
    unit_id: str = Field(index=True, max_length=200)
    assignee: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=32)
    category: str = Field(index=True, max_length=100)
    severity: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(_tz(), index=True, nullable=False))
    updated_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    visit_count: int = 1
    next_due_at: datetime | None = Field(default=None, sa_column=Column(_tz(), index=True))
    next_warn_at: datetime | None = Field(default=None, sa_column=Column(_tz(), index=True))
    at_risk: bool = Field(default=False, index=True)
    overdue: bool = Field(default=False, index=True)
    event_seq: int = 0  # the last event projected; older writes never overwrite newer ones
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Personal data: AES-256-GCM ciphertexts bound to this row and field
    # (``petitionflow/field_crypto.py``), the masked forms for display, and the keyed hash of the
    # ID number for repeat matching. No plaintext is stored.
    petitioner_name_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_id_number_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_address_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_name_masked: str = Field(default="", max_length=100)
    petitioner_id_number_masked: str = Field(default="", max_length=18)
    petitioner_phone_masked: str = Field(default="", max_length=30)
    petitioner_key: str = Field(default="", index=True, max_length=128)
    # Keyed hashes of the normalised name and phone (``petitionflow/person_keys.py``): a person
    # is searched for by these, never by plaintext.
    petitioner_name_key: str = Field(default="", index=True, max_length=64)
    petitioner_phone_key: str = Field(default="", index=True, max_length=64)
    # Set when the retention policy removed the personal data of the closed case
    # (``petitionflow/retention.py``); the case, its statistics and its timeline stay.
    purged_at: datetime | None = Field(default=None, sa_column=Column(_tz()))
    # The command system (migration 0017): the 包案 leader, the open 督办单 and the earliest due
    # time among them (lists filter on these; the snapshot holds the orders themselves).
    leader_user_id: str | None = Field(default=None, index=True, max_length=64)
    open_orders: int = Field(default=0, index=True)
    order_due_at: datetime | None = Field(default=None, sa_column=Column(_tz()))


class CaseEventRow(SQLModel, table=True):
    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    event_id: str = Field(primary_key=True, max_length=100)
    case_id: str = Field(index=True, max_length=64)
    seq: int
    action: str = Field(max_length=32)
    actor: str = Field(max_length=200)
    role: str = Field(max_length=16)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # SHA-256 over the previous event's chain (of the same case) and this event's canonical
    # content (``petitionflow/audit.py``): a row changed afterwards breaks the chain from there.
    chain: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class StatFactRow(SQLModel, table=True):
    """A countable fact of the period statistics (``models/stat_facts.py``): written with its
    event, counted for the unit and level that hold the case now (moved with the case), with
    the case's registration for the durations — so the period is read from here alone, without
    joining the period's events to their cases."""

    __tablename__ = "stat_facts"
    __table_args__ = (
        # The period's reads: one kind, the units in scope, the period. On PostgreSQL it holds
        # every column they read (index-only scans).
        Index(
            "ix_stat_facts_kind_unit_at",
            "kind",
            "unit_id",
            "at",
            postgresql_include=[
                "case_id",
                "seq",
                "level",
                "registered_at",
                "detail",
                "late",
                "standing",
            ],
        ),
        Index("ix_stat_facts_case_seq", "case_id", "seq"),  # a case's facts: moved, undone
    )

    event_id: str = Field(primary_key=True, max_length=100)
    kind: int = Field(primary_key=True)  # FactKind
    case_id: str = Field(max_length=64)
    seq: int
    at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    unit_id: str = Field(max_length=200)
    level: str = Field(max_length=16)
    registered_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    detail: str | None = Field(default=None, max_length=32)  # the final state; the rating
    late: bool = False  # a reply after a statutory breach
    standing: bool = True  # a reply not undone by a later reply or reopen


class CaseUnitRow(SQLModel, table=True):
    """A unit a case has been at: the unit holding it now, the unit that received it, and each
    unit it passed through (forward, escalation, review). Written with the case row; reads of a
    case (page, timeline, lists) follow the work, acting does not (``models/scope.py``)."""

    __tablename__ = "case_units"
    # Lists ask "which cases were ever at these units": answered from this index alone.
    __table_args__ = (Index("ix_case_units_unit_case", "unit_id", "case_id"),)

    case_id: str = Field(primary_key=True, max_length=64)
    unit_id: str = Field(primary_key=True, max_length=200)
    since: datetime = Field(sa_column=Column(_tz(), nullable=False))


class AlertRow(SQLModel, table=True):
    __tablename__ = "alerts"

    alert_id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, max_length=64)
    clock_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(index=True, max_length=16)
    occurrence: int
    unit_id: str = Field(index=True, max_length=200)
    level: str = Field(max_length=16)
    title: str = Field(max_length=300)
    message: str = Field(sa_column=Column(Text, nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=Column(_tz()))
    created_at: datetime = Field(sa_column=Column(_tz(), index=True, nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(_tz()))
    acknowledged_by: str | None = Field(default=None, max_length=200)
    notifications: int = 0  # how many times it has been sent out (re-notified while unacked)
    # Sending (``activities/alert_sending.py``): the first notice goes out when the alert is
    # stored; the alert sweep sends what falls due after — re-notifications every
    # ``renotify_seconds`` from ``notified_at`` and retries of failed deliveries — at
    # ``next_notify_at`` (NULL: nothing more to send; cleared by the acknowledgement).
    renotify_seconds: int | None = None
    notified_at: datetime | None = Field(default=None, sa_column=Column(_tz()))
    next_notify_at: datetime | None = Field(default=None, sa_column=Column(_tz(), index=True))
    # Sent by an AlertWorkflow of its own (alerts raised before migration 0023): acknowledging
    # also signals that workflow.
    by_workflow: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class UserRow(SQLModel, table=True):
    """A user of the API. The token is shown once and stored only as its SHA-256 hash."""

    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16)
    unit_id: str = Field(foreign_key="units.id", index=True, max_length=200)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(_tz()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(_tz()))


class IdempotencyRow(SQLModel, table=True):
    """What an Idempotency-Key was first used for, so a retry with another body is refused."""

    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=300)  # user id + endpoint + client key
    request_hash: str = Field(max_length=64)
    case_id: str = Field(max_length=64)
    status_code: int
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class Open311KeyRow(SQLModel, table=True):
    """An Open311 ``api_key``: what it submits is received by its unit. Shown once, stored only
    as its SHA-256 hash."""

    __tablename__ = "open311_keys"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)  # the client it was issued to, e.g. 12345 热线
    unit_id: str = Field(foreign_key="units.id", index=True, max_length=200)
    key_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(_tz()))


class Open311TokenRow(SQLModel, table=True):
    """A GeoReport v2 token: handed out when a submission was saved but its case could not be
    confirmed in time; ``GET tokens/{token}`` turns it into the service_request_id later."""

    __tablename__ = "open311_tokens"

    token: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class AlertChannelRow(SQLModel, table=True):
    """Where a unit's alerts go besides the live stream: a webhook or an e-mail address. A unit
    receives the alerts of its whole subtree."""

    __tablename__ = "alert_channels"

    id: str = Field(primary_key=True, max_length=64)
    unit_id: str = Field(foreign_key="units.id", index=True, max_length=200)
    kind: str = Field(max_length=16)  # webhook | email
    target: str = Field(max_length=500)  # URL or address
    secret: str = Field(default="", max_length=200)  # HMAC key of a webhook
    enabled: bool = True
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    # Failed delivery attempts in a row; at the limit the channel is marked failing (its
    # failures are no longer retried) until one delivery gets through.
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    failing_since: datetime | None = Field(default=None, sa_column=Column(_tz()))


class AlertDeliveryRow(SQLModel, table=True):
    """One delivery attempt of one notification of an alert on one channel."""

    __tablename__ = "alert_deliveries"

    id: str = Field(primary_key=True, max_length=300)  # alert:channel:notification:attempt
    alert_id: str = Field(index=True, max_length=200)
    channel: str = Field(max_length=16)  # webhook | email | sse
    target: str = Field(max_length=500)
    notification: int  # 1 for the first notice, 2… for re-notifications
    attempt: int
    status: str = Field(max_length=16)  # sent | failed
    error: str = Field(default="", max_length=1000)
    at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    # A failed attempt the alert sweep tries again, and when (NULL: sent, given up, or retried)
    retry_at: datetime | None = Field(default=None, sa_column=Column(_tz()))


class PiiAccessRow(SQLModel, table=True):
    """Who read a petitioner's personal data, when, on which case, how and why."""

    __tablename__ = "pii_access_log"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(index=True, max_length=64)
    role: str = Field(max_length=16)
    # What was read: ``models.vocabulary.PiiAccessKind`` (a reveal, a document, an export…).
    kind: str = Field(
        default="reveal", index=True, max_length=32, sa_column_kwargs={"server_default": "reveal"}
    )
    case_id: str = Field(index=True, max_length=64)
    reason: str = Field(max_length=500)
    at: datetime = Field(sa_column=Column(_tz(), index=True, nullable=False))


class AttachmentRow(SQLModel, table=True):
    """A file attached to a case (a letter scan, a photo, an agreement). The file is in the
    attachment store, encrypted (``petitionflow/blob_crypto.py``); this row is what lists show,
    its checksum, and where to find it. The file name and description may name the petitioner,
    so they are encrypted like the case's personal fields (``petitionflow/field_crypto.py``)."""

    __tablename__ = "case_attachments"
    __table_args__ = (Index("ix_case_attachments_case_uploaded", "case_id", "uploaded_at"),)

    id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)  # models.vocabulary.AttachmentKind
    file_name_enc: str = Field(sa_column=Column(Text, nullable=False))
    description_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    content_type: str = Field(max_length=100)  # from the content's magic bytes, never the client
    size: int  # bytes of the file as uploaded (before encryption)
    sha256: str = Field(max_length=64)  # of the file as uploaded
    storage_key: str = Field(max_length=300)
    key_id: str = Field(index=True, max_length=64)  # the codec key the stored file is under
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


# PostgreSQL-only indexes that /stats reads at a million cases (covering and partial: index
# ranges instead of full scans; see api/stats/, whose WHERE clauses match these
# predicates literally — change both together). SQLite, the embedded default, has no INCLUDE and
# no need. Built by migration 0007 on PostgreSQL only.
_OPEN = "'registered','handling','suspended','replied','under_review','reviewed','under_re_review'"
POSTGRESQL_ONLY_INDEXES: dict[str, str] = {
    "ix_stats_cases_open": "ON cases (unit_id) INCLUDE (case_id, state, level, created_at, "
    "visit_count, overdue, at_risk, next_due_at, next_warn_at) "
    f"WHERE state IN ({_OPEN})",
    "ix_stats_cases_unit_created": "ON cases (unit_id, created_at) INCLUDE (state, level)",
    "ix_stats_cases_unit_updated": "ON cases (unit_id, updated_at) "
    "INCLUDE (case_id, level, created_at)",
    "ix_stats_events_action_at": "ON case_events (action, at) INCLUDE (case_id, seq) "
    "WHERE action IN ('reply','reopen','visit')",
    "ix_stats_events_feedback": "ON case_events (at) INCLUDE (case_id, seq, params) "
    "WHERE action = 'feedback'",
    "ix_stats_events_exit": "ON case_events (at) INCLUDE (case_id, to_state, from_state) "
    "WHERE to_state IN ('closed','not_accepted','withdrawn')",
    "ix_stats_events_breach": "ON case_events (case_id, seq) INCLUDE (at) "
    f"WHERE {STATUTORY_BREACH_SQL}",
}


# -- 交办/会办 (models/lifecycle.py) -----------------------------------------------------------
class CaseTaskRow(SQLModel, table=True):
    """A hand-over task of a case as the workflow projects it: the lead unit's (交办) or a
    co-handler's (会办), with its deadline and how it ended. Lists filter by the units named here
    (``department``) and the statistics count hand-overs and their lateness from it."""

    __tablename__ = "case_tasks"
    __table_args__ = (Index("ix_case_tasks_unit_case", "unit_id", "case_id"),)

    case_id: str = Field(primary_key=True, max_length=64)
    task_id: str = Field(primary_key=True, max_length=64)  # the task clock's id, name#run
    hand_over: int  # which hand-over of the case (1, 2, …)
    role: str = Field(max_length=16)  # lead | co
    unit_id: str = Field(max_length=200)
    handing_unit_id: str = Field(max_length=200, index=True)
    started_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    due_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    # open | done (reported, or the lead's reply) | taken_back | ended (the case closed)
    status: str = Field(max_length=16)
    late: bool = False  # the task's clock breached
    ended_at: datetime | None = Field(default=None, sa_column=Column(_tz(), nullable=True))


# -- bulk actions (批量操作, migration 0017) ------------------------------------------------
class BulkActionRow(SQLModel, table=True):
    """A bulk action: one action with its parameters for many cases, run by a workflow."""

    __tablename__ = "bulk_actions"

    id: str = Field(primary_key=True, max_length=64)
    action: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    case_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(_tz()))


class BulkActionItemRow(SQLModel, table=True):
    """One case's result in a bulk action: written once per (job, case) by the activity that
    sent its update (a retry overwrites it with the same answer)."""

    __tablename__ = "bulk_action_items"

    job_id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(primary_key=True, max_length=64)
    status: int  # the HTTP status the single action would have answered
    state: str | None = Field(default=None, max_length=32)  # the case's state after an ok
    problem: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(sa_column=Column(_tz(), nullable=False))


# -- documents issued to petitioners (issue 16: notices, numbering, delivery) --------------------
class DocumentSerialRow(SQLModel, table=True):
    """The last 文号 serial given per issuing unit, year and kind: a document takes the next one
    in the transaction that records it, so numbers have neither gaps nor duplicates."""

    __tablename__ = "document_serials"

    unit_id: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)  # models.vocabulary.DocumentKind
    last: int = 0


class CaseDocumentRow(SQLModel, table=True):
    """A notice issued to the petitioner (受理告知书, 处理意见书…): its number, its checksum and
    where its PDF is (the attachment store, encrypted: it names the petitioner). Written with
    the timeline event that issued it, once per event; the delivery (送达) is added when the
    ``deliver`` event is projected. Retention removes the file and keeps the row (no personal
    data: the register of numbers stays whole)."""

    __tablename__ = "case_documents"
    __table_args__ = (
        Index("ix_case_documents_case_issued", "case_id", "issued_at"),
        UniqueConstraint("unit_id", "year", "kind", "serial", name="uq_case_documents_number"),
    )

    case_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)  # models.documents.document_id
    event_id: str = Field(unique=True, max_length=80)  # the timeline event that issued it
    kind: str = Field(max_length=32)
    unit_id: str = Field(max_length=64)  # the issuing unit
    year: int
    serial: int
    number: str = Field(max_length=64)  # 文号
    sha256: str = Field(max_length=64)
    size: int
    storage_key: str | None = Field(default=None, max_length=300)  # None once purged
    key_id: str = Field(max_length=64)
    issued_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    delivered_on: date | None = None
    delivery_method: str | None = Field(default=None, max_length=16)
    delivered_by: str | None = Field(default=None, max_length=64)


# -- SMS to the petitioner and the one-time codes of online actions (issue 16) -------------------
class SmsDeliveryRow(SQLModel, table=True):
    """One attempt to text the petitioner: a notice of an event on the case, or a one-time
    code. Never the phone number or the text (they hold personal data)."""

    __tablename__ = "sms_deliveries"

    id: str = Field(primary_key=True, max_length=200)  # message id : attempt
    # the event id (case:seq) of a notice, or otp:<code id>: a message is sent at most once
    message_id: str = Field(index=True, max_length=150)
    case_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32)  # models.sms.SmsKind
    attempt: int
    status: str = Field(max_length=16)  # sent | failed | skipped
    reason: str = Field(default="", max_length=300)  # why it failed or was skipped (generic)
    segments: int = 0  # billed segments of the text (70 characters, 67 in a long text)
    at: datetime = Field(sa_column=Column(_tz(), index=True, nullable=False))


class SmsOptOutRow(SQLModel, table=True):
    """A petitioner who asked at registration not to be texted notices about the case."""

    __tablename__ = "sms_opt_outs"

    case_id: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class TrackOtpRow(SQLModel, table=True):
    """A one-time code sent for a case's online actions: only its keyed hash is kept."""

    __tablename__ = "track_otps"
    __table_args__ = (Index("ix_track_otps_case_created", "case_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(max_length=64)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class TrackOtpGuardRow(SQLModel, table=True):
    """Wrong one-time codes in a row for a case; at the limit its online actions lock."""

    __tablename__ = "track_otp_guards"

    case_id: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(_tz()))


# -- 调解 and 预测预警 (issue 17) ------------------------------------------------------------------
class CasePartyRow(SQLModel, table=True):
    """A party to a case's mediation (``start_mediation``). The name is personal data: encrypted
    like the petitioner's fields, bound to the case and the party's place; the timeline shows
    it masked."""

    __tablename__ = "case_parties"

    id: str = Field(primary_key=True, max_length=120)  # <event id>:<position>
    case_id: str = Field(index=True, max_length=64)
    event_seq: int
    position: int
    kind: str = Field(max_length=16)  # models.vocabulary.PartyKind
    role: str = Field(max_length=50)
    name_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    name_masked: str = Field(default="", max_length=100)


class RiskAlertRow(SQLModel, table=True):
    """What a ``risk`` alert (预测预警) found: its rule, its subject (a keyed hash, a unit and
    category, or a case — never personal data), the figures and the cases behind it. One row
    per alert; ``alerts`` holds the alert itself (listing, acknowledgement, delivery)."""

    __tablename__ = "risk_alerts"
    __table_args__ = (Index("ix_risk_alerts_rule_subject", "rule", "subject"),)

    alert_id: str = Field(primary_key=True, max_length=200)
    rule: str = Field(max_length=32)
    subject: str = Field(max_length=300)
    unit_id: str = Field(index=True, max_length=200)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    case_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


# -- collective petitions (集体访): every petitioner of a case ----------------------------------
class CasePetitionerRow(SQLModel, table=True):
    """One petitioner of a case (every case registered since 0021 has one row per petitioner;
    the case row keeps the first representative, or the only petitioner, as before). Protected
    as the case row's petitioner is: fields encrypted bound to ``<case id>#<position>``, masked
    forms, keyed hashes for repeat matching and person search, and ``person_ref`` — the opaque
    reference of ``GET /petitioners/{ref}``, a keyed hash of its own. Purged with the case."""

    __tablename__ = "case_petitioners"

    case_id: str = Field(primary_key=True, max_length=64)
    position: int = Field(primary_key=True)
    representative: bool = False
    petitioner_name_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_id_number_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_phone_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_address_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    petitioner_name_masked: str = Field(default="", max_length=100)
    petitioner_id_number_masked: str = Field(default="", max_length=18)
    petitioner_phone_masked: str = Field(default="", max_length=30)
    petitioner_key: str = Field(default="", index=True, max_length=128)
    petitioner_name_key: str = Field(default="", index=True, max_length=64)
    petitioner_phone_key: str = Field(default="", index=True, max_length=64)
    person_ref: str = Field(default="", index=True, max_length=64)
