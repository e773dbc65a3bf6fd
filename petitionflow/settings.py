"""Settings: every one an env var with the ``PETITIONFLOW_`` prefix (``API.md``)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.alerts import DeliveryConfig
from models.changed_file import ChangedFile
from models.daycount import CalendarFile, WorkCalendar
from models.policy import SlaPolicy, load_policy
from models.retention import RetentionPolicy, load_retention
from models.risk import RiskPolicy, load_risk
from models.sms import SmsGateway
from petitionflow.attachment_store import AttachmentStore, LocalStore, S3Store
from petitionflow.blob_crypto import BlobCipher
from petitionflow.codec import CodecKeyError, EncryptionCodec, new_key_spec, parse_keys
from petitionflow.documents.issue import DocumentIssuer
from petitionflow.documents.render import PdfRenderer
from petitionflow.egress import WebhookGuard
from petitionflow.field_crypto import FieldCipher
from petitionflow.files import private_dir
from petitionflow.person_keys import PersonKeys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PETITIONFLOW_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    # `petitionflow dev` only: the dev server's Web UI may decode payloads from this machine
    # without a token (it has none to send). Refused outside the dev environment.
    codec_dev_loopback: bool = False

    @model_validator(mode="after")
    def _dev_only(self) -> Settings:
        if self.codec_dev_loopback and self.env != "dev":
            raise ValueError("codec_dev_loopback is for PETITIONFLOW_ENV=dev only")
        return self

    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)  # the dev server's Web UI
    task_queue: str = "petitionflow"
    database_url: str | None = None  # SQLite under data_dir when unset
    policy: Path | None = None  # the shipped statutory defaults when unset
    calendar: Path | None = None  # holiday schedule overrides (TOML), see README
    # Keys the petitioner's ID number (repeat matching) and Idempotency-Key → case id.
    secret_key: SecretStr | None = None
    # Payload encryption keys "id:base64key,..." (32-byte AES keys) and the one new payloads use.
    codec_keys: SecretStr | None = None
    codec_active_key: str | None = None  # the last listed key when unset
    # Origins of the Temporal Web UI allowed to call the codec endpoint (comma-separated); unset,
    # the dev server's UI at PETITIONFLOW_TEMPORAL_UI_PORT on 127.0.0.1 and localhost.
    codec_cors_origins: str | None = None
    # Observability: the worker's Prometheus endpoint (SDK and business metrics), logs, traces.
    worker_metrics_address: str | None = "127.0.0.1:9464"
    # Workflows kept in the worker's memory between tasks. An evicted case is rebuilt by
    # replaying its whole history at its next timer or action, so this should exceed the open
    # cases plus their unacknowledged alerts per worker (about 30 KB each).
    worker_max_cached_workflows: int = Field(default=10_000, ge=0)
    # How long a case's next task waits for the worker that has it cached before any worker
    # takes it with its whole history. The SDK's 10 s is shorter than the queue of a midnight
    # burst, where every timeout costs a history fetch and a replay; a worker that died delays
    # its cases' next tasks by as much.
    worker_sticky_schedule_to_start_seconds: float = Field(default=30.0, gt=0, le=600)
    worker_max_concurrent_activities: int = Field(default=32, ge=1)
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    otel_endpoint: str | None = None  # e.g. http://collector:4318/v1/traces
    # Alerts: links in messages, SMTP for e-mail, and how often the live stream looks.
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "petitionflow@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    stream_poll_seconds: float = Field(default=1.0, gt=0)
    stream_max_per_user: int = Field(default=5, ge=1)  # open alert streams per user (429 past)
    # The API's database pool (per process): connections kept, extra ones allowed under load,
    # and how long a request waits for one before failing.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=10, gt=0)
    # Request bodies larger than this are refused with 413 before any parsing.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # Addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For names the client,
    # comma-separated; empty: no proxy header is believed.
    trusted_proxies: str = ""
    # Webhooks go to https URLs on public addresses only, except to these CIDRs and host names
    # (comma-separated: intranet hooks), which may also be plain http.
    webhook_allow: str = ""
    # Failed delivery attempts in a row before a channel is marked failing and not retried.
    channel_max_failures: int = Field(default=10, ge=1)
    # How long an action waits for the worker before answering 503 with Retry-After.
    update_timeout_seconds: float = Field(default=10, gt=0)
    # Case attachments (scans, photos, agreements): where they are kept, and how much a file and
    # a case may hold. Files are encrypted under the codec's key ring wherever they are kept.
    attachments_store: Literal["local", "s3"] = "local"
    attachments_dir: Path | None = None  # the local store's directory; data_dir/attachments
    attachments_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    attachments_case_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    attachments_case_max_files: int = Field(default=50, ge=1)
    # The S3-compatible store: bucket, key prefix, endpoint (unset: AWS), region, credentials
    # (unset: boto3's own chain — AWS_* variables, credentials file, instance role).
    attachments_s3_bucket: str | None = None
    attachments_s3_prefix: str = "attachments/"
    attachments_s3_endpoint_url: str | None = None
    attachments_s3_region: str | None = None
    attachments_s3_access_key_id: str | None = None
    attachments_s3_secret_access_key: SecretStr | None = None
    attachments_s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # The notices issued to petitioners (PDF): an office's template directory (a kind it lacks
    # comes from the shipped defaults, petitionflow/documents/templates/) and the CJK TrueType
    # font they embed (default: Noto Sans SC as the dashboard's assets vendor it).
    document_templates: Path | None = None
    document_font: Path | None = None
    # Processes the worker renders notices in (each ~0.4 s of CPU per PDF, off the worker's own
    # process so that its workflow tasks never wait for a font to be parsed).
    document_render_processes: int = Field(default=1, ge=1, le=32)

    # Texts to the petitioner (短信告知, one-time codes): the gateway's URL (unset: nothing is
    # texted) and the key its JSON bodies are signed with (HMAC-SHA256), the 短信签名, and how
    # long a one-time code of the tracking page is valid.
    sms_gateway_url: str | None = None
    sms_gateway_key: SecretStr | None = None
    sms_sign_name: str = Field(default="信访", min_length=1, max_length=8)
    sms_timeout_seconds: float = Field(default=10, gt=0)
    otp_minutes: int = Field(default=10, ge=1, le=60)

    @model_validator(mode="after")
    def _store_configured(self) -> Settings:
        if self.attachments_store == "s3" and not self.attachments_s3_bucket:
            raise ValueError(
                "PETITIONFLOW_ATTACHMENTS_S3_BUCKET is required when "
                "PETITIONFLOW_ATTACHMENTS_STORE=s3"
            )
        if self.attachments_case_max_bytes < self.attachments_max_bytes:
            raise ValueError(
                "PETITIONFLOW_ATTACHMENTS_CASE_MAX_BYTES must be at least "
                "PETITIONFLOW_ATTACHMENTS_MAX_BYTES"
            )
        return self

    @cached_property
    def payload_codec(self) -> EncryptionCodec:
        """The payload codec. Outside dev and test a key must be configured; in dev one is
        generated once into the data dir, so even the embedded default never stores personal
        data in plain text."""
        if self.codec_keys is not None:
            spec = self.codec_keys.get_secret_value()
        elif self.env == "prod":
            raise CodecKeyError("PETITIONFLOW_CODEC_KEYS is required when PETITIONFLOW_ENV=prod")
        else:
            file = self.data_dir / "codec_keys"
            if not file.exists():
                private_dir(file.parent)
                file.write_text(new_key_spec())
                file.chmod(0o600)
            spec = file.read_text().strip()
        keys = parse_keys(spec)
        return EncryptionCodec(keys, self.codec_active_key or list(keys)[-1])

    @cached_property
    def field_cipher(self) -> FieldCipher:
        """Personal data in the projection: the payload codec's key ring and active key."""
        codec = self.payload_codec
        return FieldCipher(codec.keys, codec.active)

    @cached_property
    def blob_cipher(self) -> BlobCipher:
        """Attachments at rest: the payload codec's key ring and active key."""
        codec = self.payload_codec
        return BlobCipher(codec.keys, codec.active)

    @cached_property
    def attachment_store(self) -> AttachmentStore:
        if self.attachments_store == "s3":
            secret = self.attachments_s3_secret_access_key
            # empty means unset (compose passes every variable, set or not)
            return S3Store(
                bucket=self.attachments_s3_bucket or "",
                prefix=self.attachments_s3_prefix,
                endpoint_url=self.attachments_s3_endpoint_url or None,
                region=self.attachments_s3_region or None,
                access_key_id=self.attachments_s3_access_key_id or None,
                secret_access_key=(secret.get_secret_value() or None) if secret else None,
                addressing_style=self.attachments_s3_addressing_style,
            )
        return LocalStore(self.attachments_dir or self.data_dir / "attachments")

    @cached_property
    def document_issuer(self) -> DocumentIssuer:
        """Numbers, renders and stores the notices (in the worker's projection); their PDFs go
        to the attachment store, encrypted like attachments."""
        return DocumentIssuer(
            store=self.attachment_store,
            blobs=self.blob_cipher,
            fields=self.field_cipher,
            policy=lambda: self.sla_policy,
            templates=self.document_templates,
            font=self.document_font,
            renderer=PdfRenderer(self.document_render_processes),
        )

    def delivery(self) -> DeliveryConfig:
        return DeliveryConfig(
            public_url=self.public_url,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port,
            smtp_sender=self.smtp_sender,
            smtp_user=self.smtp_user,
            smtp_password=self.smtp_password.get_secret_value() if self.smtp_password else None,
            smtp_starttls=self.smtp_starttls,
        )

    def sms_gateway(self) -> SmsGateway:
        key = self.sms_gateway_key.get_secret_value() if self.sms_gateway_key else ""
        return SmsGateway(
            url=self.sms_gateway_url or None,
            key=key,
            sign_name=self.sms_sign_name,
            public_url=self.public_url,
            timezone=self.sla_policy.calendar.timezone,
            timeout_seconds=self.sms_timeout_seconds,
            otp_secret=self.secret(),
            otp_minutes=self.otp_minutes,
        )

    def webhook_guard(self) -> WebhookGuard:
        return WebhookGuard.parse(self.webhook_allow)

    def secret(self) -> bytes:
        """The server secret. Outside dev and test it must be set; in dev one is generated once
        and kept in the data dir, so repeat matching survives restarts."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value) < 32:
                raise ValueError("PETITIONFLOW_SECRET_KEY must be at least 32 characters")
            return value.encode()
        if self.env == "prod":
            raise ValueError("PETITIONFLOW_SECRET_KEY is required when PETITIONFLOW_ENV=prod")
        file = self.data_dir / "secret_key"
        if not file.exists():
            private_dir(file.parent)
            file.write_text(secrets.token_urlsafe(48))
            file.chmod(0o600)
        return file.read_text().strip().encode()

    @cached_property
    def person_keys(self) -> PersonKeys:
        """Keyed hashes of the petitioner's ID number, name and phone (repeats, person search)."""
        return PersonKeys(self.secret())

    @property
    def codec_origins(self) -> list[str]:
        """The browser origins allowed to call ``/codec``: the Web UI's."""
        if self.codec_cors_origins is not None:
            return [o.strip() for o in self.codec_cors_origins.split(",") if o.strip()]
        port = self.temporal_ui_port
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'petitionflow.db'}"

    @cached_property
    def sla_policy(self) -> SlaPolicy:
        return load_policy(self.policy)

    def retention_policy(self) -> RetentionPolicy:
        """Read afresh at each call: the daily run applies the file as it stands."""
        return load_retention(self.policy)

    @cached_property
    def risk_policy(self) -> ChangedFile[RiskPolicy]:
        """预测预警's thresholds as the policy file stands at each evaluation (not snapshotted
        into cases): parsed again when the file changes, not for every petition."""
        return ChangedFile(self.policy, load_risk)

    @property
    def calendar_path(self) -> Path:
        """The holiday schedule overrides: PETITIONFLOW_CALENDAR, else calendar.toml in the data
        directory (where `petitionflow calendar apply` writes when the variable is unset)."""
        return self.calendar or self.data_dir / "calendar.toml"

    @cached_property
    def calendar_file(self) -> CalendarFile:
        """The calendar as the override file says now (read again when it changes)."""
        return CalendarFile(self.calendar_path)

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        return self.calendar_file()
