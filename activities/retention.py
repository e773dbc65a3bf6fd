"""The retention purge as an activity, for the daily Schedule (``workflows/retention.py``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from temporalio import activity

from models.boundary import RetentionResult, RetentionRun
from models.retention import RetentionPolicy
from petitionflow import retention
from petitionflow.attachment_retention import purge_files
from petitionflow.attachment_store import AttachmentStore
from petitionflow.documents.retention import purge_documents


class RetentionActivities:
    def __init__(
        self,
        engine: Engine,
        policy: Callable[[], RetentionPolicy],
        attachments: AttachmentStore | None = None,
    ) -> None:
        self._engine = engine
        self._policy = policy  # read at each run: a changed period applies from the next run
        self._attachments = attachments  # purged cases' files go too (None: a worker without)

    @activity.defn(name="purge_expired_personal_data")
    def purge_expired_personal_data(self, run: RetentionRun) -> RetentionResult:
        """Idempotent: a retry finds the cases already purged gone from the expired set."""
        policy = self._policy()
        if run.dry_run:
            purged, left = len(retention.expired(self._engine, policy, run.as_of)), 0
        else:
            done = retention.purge(
                self._engine, policy, run.as_of, progress=lambda d: activity.heartbeat(d.cases)
            )
            purged, left = done.cases, done.raced
            if self._attachments is not None:
                purge_files(self._engine, self._attachments)
                purge_documents(self._engine, self._attachments)
        return RetentionResult(
            period=policy.iso,
            closed_before=policy.closed_before(run.as_of),
            purged=purged,
            left=left,
        )
