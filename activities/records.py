"""Write a run's status transitions to the store (the workflow itself does no I/O)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.logging import get_logger
from store import alerts
from store import runs as run_store
from store.db import Database
from store.errors import NotFound
from store.models import RunLog, RunStep, utcnow
from workflows.payloads import LoadStep, RecordRun, RunStatus

log = get_logger("ductwork.activities")


class RecordActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="record_run")
    async def record_run(self, record: RecordRun) -> None:
        """Record a status; a run that has already ended keeps its end, and never starts."""
        text = f"run {record.status.value.lower()}"
        line = RunLog(
            execution_id=record.execution_id,
            ts=utcnow(),
            level="ERROR" if record.status is RunStatus.FAILED else "INFO",
            task="run",
            message=f"{text}: {record.message}" if record.message else text,
        )
        async with self.db.session() as session:
            try:
                changed = await run_store.set_status(
                    session,
                    record.execution_id,
                    record.status.value,
                    total_tasks=record.total_tasks,
                    error=record.message if record.status is RunStatus.FAILED else None,
                    note=record.note,
                    log=line,  # in the status's commit: one write
                )
            except NotFound:
                changed = None
            if not changed:
                if record.status is RunStatus.RUNNING:
                    # Its start reached Temporal only after the API had given the run up.
                    raise ApplicationError(
                        f"execution {record.execution_id} was settled or discarded before its "
                        "workflow started; nothing runs",
                        type="RUN_SETTLED",
                        non_retryable=True,
                    )
                if record.status is RunStatus.COMPLETED and record.note:
                    # Recorded as its load committed; the note came after, with the workflow.
                    await run_store.add_note(session, record.execution_id, record.note, log=line)
                return  # a retry of a write that landed, or an end recorded first: it stands
            if record.status is RunStatus.FAILED:
                await _raise_failure_alert(session, record)

    async def record_completed_early(
        self, load: LoadStep, loaded: int, *, late_cancel: bool
    ) -> None:
        """The run's end, recorded by the load that ends it (``LoadStep.run_steps`` set) once
        it has committed and its step records are written; if that fails, the workflow's own
        record stands. Nothing when a cancel met the commit: the workflow notes it, in its
        own record."""
        if load.run_steps is None or late_cancel:
            return
        ref = load.ref
        end = RecordRun.completed(
            ref.execution_id, ref.tenant_id, load.run_steps, loaded, note=None
        )
        try:
            await self.record_run(end)
        except Exception as exc:  # the rows are in: this must not fail the step
            log.warning(
                "the run's end was not recorded early; the workflow records it",
                execution_id=ref.execution_id,
                error=str(exc),
            )


async def _raise_failure_alert(session: AsyncSession, record: RecordRun) -> None:
    """A failed run raises one alert: a quality-check failure, or the run's failure.

    Idempotent, since Temporal may retry this activity after the alert was committed. A run
    that failed because its approval request expired already has that alert: no second one.
    """
    execution = await run_store.get(session, record.tenant_id, record.execution_id)
    if await alerts.already_raised(session, execution.id, alerts.AlertKind.APPROVAL_EXPIRED):
        return
    steps = await run_store.steps(session, execution.id)
    failed_checks = [s for s in steps if s.kind == "quality" and s.status == RunStatus.FAILED]
    step: RunStep | None  # None: no step failed (the run failed before or between its steps)
    if failed_checks:
        kind, severity = alerts.AlertKind.QUALITY_CHECK_FAILED, alerts.Severity.HIGH
        step = failed_checks[0]
    else:
        kind, severity = alerts.AlertKind.RUN_FAILED, alerts.Severity.CRITICAL
        step = next((s for s in steps if s.status == RunStatus.FAILED), None)
    if await alerts.already_raised(session, execution.id, kind):
        return
    await alerts.raise_alert(
        session,
        tenant_id=record.tenant_id,
        kind=kind,
        severity=severity,
        message=record.message or "the run failed",
        pipeline_id=execution.pipeline_id,
        execution_id=execution.id,
        details={
            "step": step.name if step else None,
            "error": step.error if step else record.message,
            "workflowId": execution.workflow_id,
        },
    )
