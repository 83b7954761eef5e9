"""A run's bookkeeping in two steps, each run as one local activity of its workflow.

``start_run`` plans the run and records it RUNNING; ``finish_run`` drops what is left of its
staging and records its end. Each pair was two activities with a round trip to Temporal
between them; as local activities on the worker that runs the workflow, neither costs one.
"""

from __future__ import annotations

import asyncio

from sqlmodel import col, select
from temporalio import activity

from activities.plan import PlanActivities
from activities.records import RecordActivities
from activities.staging import StagingActivities
from core.logging import get_logger
from store.db import Database
from store.models.webhooks import Webhook
from workflows.bookkeeping_payloads import FinishRun, RunFinished
from workflows.payloads import CleanupStep, RecordRun, RunInput, RunPlan, RunStatus

log = get_logger("ductwork.activities")

NOTIFIED = (RunStatus.COMPLETED, RunStatus.FAILED)


class BookkeepingActivities:
    def __init__(
        self,
        db: Database,
        plan: PlanActivities,
        records: RecordActivities,
        staging: StagingActivities,
    ) -> None:
        self.db = db
        self.plan = plan
        self.records = records
        self.staging = staging

    @activity.defn(name="start_run")
    async def start_run(self, run: RunInput) -> RunPlan:
        """Plan the run, then record it RUNNING with its number of steps."""
        plan = await self.plan.plan_run(run)
        running = RecordRun(
            run.execution_id, run.tenant_id, RunStatus.RUNNING, len(plan.step_names)
        )
        await self.records.record_run(running)
        return plan

    @activity.defn(name="finish_run")
    async def finish_run(self, finish: FinishRun) -> RunFinished:
        """Drop the run's staging, then record its end. A failed drop does not hold the record
        back: ``cleaned`` is False and the workflow retries the drop on its own."""
        cleaned = True
        cleanup = _left_staged(finish)
        if cleanup is not None:
            try:
                await self.staging.drop_staging(cleanup)
            except Exception as exc:  # any failure: the run's end is recorded all the same
                log.warning(
                    "staging cleanup failed; retried after the record",
                    execution_id=finish.record.execution_id,
                    error=str(exc),
                )
                cleaned = False
        if finish.record.status not in NOTIFIED:
            await self.records.record_run(finish.record)
            return RunFinished(cleaned, notify=False)
        # The webhook look-up is a read: it runs beside the record's write, not after it.
        _, notify = await asyncio.gather(
            self.records.record_run(finish.record),
            self._has_webhooks(finish.record.tenant_id),
        )
        return RunFinished(cleaned, notify)

    async def _has_webhooks(self, tenant_id: str) -> bool:
        """Whether the tenant has any webhook; NotifyWorkflow picks the ones that want it."""
        async with self.db.session() as session:
            found = await session.exec(
                select(col(Webhook.id)).where(col(Webhook.tenant_id) == tenant_id).limit(1)
            )
            return found.first() is not None


def _left_staged(finish: FinishRun) -> CleanupStep | None:
    """The staging the run leaves behind. A completed run's replace loads have moved their
    tables into place: the databases where that was all it staged need no visit."""
    cleanup = finish.cleanup
    if cleanup is None or finish.record.status is not RunStatus.COMPLETED:
        return cleanup
    return cleanup.left_after_completion()
