"""The worker: runs petition workflows and their activities."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, get_args

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.alert_sending import AlertSending
from activities.bulk import BulkActivities
from activities.deadlines import DeadlineActivities
from activities.delivery import AlertDelivery, ChannelCache
from activities.projection import ProjectionActivities
from activities.retention import RetentionActivities
from activities.risk import RiskEvaluator
from activities.sms import SmsActivities
from models.alerts import ChannelKind, DeliveryConfig
from models.daycount import CalendarFile, WorkCalendar
from models.retention import RetentionPolicy, load_retention
from models.risk import RiskPolicy, load_risk
from models.sms import SmsGateway
from petitionflow.attachment_store import AttachmentStore
from petitionflow.codec import EncryptionCodec
from petitionflow.documents.issue import DocumentIssuer
from petitionflow.egress import WebhookGuard
from petitionflow.field_crypto import FieldCipher
from workflows.alert import DELIVERY_ACTIVITIES, AlertWorkflow
from workflows.alert_sweep import AlertSweepWorkflow
from workflows.bulk import BulkActionWorkflow
from workflows.petition import PetitionWorkflow
from workflows.retention import RetentionWorkflow
from workflows.sms import SmsWorkflow

# The project's own workflow code and its pure domain modules, used by the workflows from outside
# the sandbox: a new workflow instance (a new case, or one evicted from the cache and rebuilt by
# replay) then no longer re-imports them (`make bench`, section "sandbox"). Their calls are
# deterministic; the sandbox's checks still run in full where the workflow tests ask for them
# (``strict_sandbox``) and in the replay tests of every saved history.
PASSED_THROUGH = ("models", "workflows")


def workflow_runner(*, strict: bool = False) -> SandboxedWorkflowRunner:
    """The workflow sandbox: the project's modules passed through, or (``strict``) re-imported
    into each instance as the SDK does by default, so every restriction applies to them."""
    if strict:
        return SandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )


class MissingDeliveryActivity(RuntimeError):
    """A channel kind whose sending activity the worker does not register."""


def check_delivery_activities(activities: list[Callable[..., Any]]) -> None:
    """Refuse to start a worker that could not send a channel kind: found at start, not when
    the first alert of that kind goes out."""
    registered = {getattr(a, "__func__", a) for a in activities}  # bound → the class's function
    for kind in get_args(ChannelKind):
        method = DELIVERY_ACTIVITIES.get(kind)
        if method is None or method not in registered:
            raise MissingDeliveryActivity(f"channel kind {kind!r} has no delivery activity")


def default_field_cipher(client: Client) -> FieldCipher:
    """The key ring of the client's payload codec (the one the service configures), else the
    settings' (``PETITIONFLOW_CODEC_KEYS``)."""
    codec = client.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        return FieldCipher(codec.keys, codec.active)
    from petitionflow.settings import Settings

    return Settings().field_cipher


def build_worker(
    client: Client,
    *,
    task_queue: str,
    engine: Engine,
    calendar: WorkCalendar,
    executor: ThreadPoolExecutor,
    calendar_file: CalendarFile | None = None,
    delivery: DeliveryConfig | None = None,
    webhook_guard: WebhookGuard | None = None,
    channel_max_failures: int | None = None,
    max_cached_workflows: int = 10_000,
    sticky_schedule_to_start: timedelta = timedelta(seconds=10),
    max_concurrent_activities: int | None = None,
    field_cipher: FieldCipher | None = None,
    retention_policy: Callable[[], RetentionPolicy] = load_retention,
    attachment_store: AttachmentStore | None = None,
    documents: DocumentIssuer | None = None,
    sms: SmsGateway | None = None,
    risk_policy: Callable[[], RiskPolicy] = load_risk,
    strict_sandbox: bool = False,
) -> Worker:
    deadlines = DeadlineActivities(calendar, reload=calendar_file)
    fields = field_cipher or default_field_cipher(client)
    sms = sms or SmsGateway()
    alerts = AlertDelivery(
        engine,
        delivery or DeliveryConfig(),
        guard=webhook_guard,
        **({"max_failures": channel_max_failures} if channel_max_failures else {}),
    )
    sending = AlertSending(engine, alerts, ChannelCache(engine))
    projection = ProjectionActivities(
        engine,
        client,
        fields=fields,
        documents=documents,
        texts=bool(sms.url),
        risk=RiskEvaluator(risk_policy),
        sending=sending,
    )
    # Unset: the SDK's default (tests pass small executors of their own).
    limits: dict[str, Any] = {}
    if max_concurrent_activities:
        limits["max_concurrent_activities"] = max_concurrent_activities
    activities: list[Callable[..., Any]] = [
        deadlines.compute_deadlines,
        deadlines.recount_deadlines,
        projection.project_case,
        projection.write_outbox,
        projection.record_alert,
        projection.unit_path,
        sending.send_due_alerts,
        # AlertWorkflow's, for the alerts raised before the sweep whose workflows still run
        alerts.alert_targets,
        alerts.deliver_webhook,
        alerts.deliver_email,
        RetentionActivities(engine, retention_policy, attachment_store).purge_expired_personal_data,
        SmsActivities(engine, sms, fields=fields).send_sms,
    ]
    bulk = BulkActivities(engine, client)
    activities += [bulk.apply_item, bulk.finish_job]
    check_delivery_activities(activities)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[
            PetitionWorkflow,
            AlertWorkflow,  # new alerts start none; kept for those started before
            AlertSweepWorkflow,
            RetentionWorkflow,
            BulkActionWorkflow,
            SmsWorkflow,
        ],
        activities=activities,
        # Sync activities (database, calendar) run here, off the event loop.
        activity_executor=executor,
        max_cached_workflows=max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=sticky_schedule_to_start,
        workflow_runner=workflow_runner(strict=strict_sandbox),
        **limits,
    )
