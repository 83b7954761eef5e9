"""Issue 4 leftovers: the run approval timeout from settings, warn-check alerts, schedule misses."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activities.lifecycle import LifecycleActivities
from activities.quality import QualityActivities
from activities.runtime import ActivityDeps
from services import approvals, runs
from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import Database
from store.models import Execution, utcnow
from store.models.lifecycle import Approval
from store.models.monitoring import Alert
from tests.api.test_lifecycle import pipeline  # noqa: F401  (fixture)
from tests.pipelines import execute, wait_finished
from tests.workflows.test_approval_gate import CHECKS
from tests.workflows.test_quality_and_transforms import (
    _failing_checks,
    _payments,
    _payments_pipeline,
    _pipeline,
)
from worker import build_worker
from workflows.lifecycle_payloads import ApprovalDecision, ApprovalStatus, ScheduledRunInput
from workflows.payloads import QualityStep, StepRef
from workflows.scheduled_run import ScheduledRunWorkflow


async def _alerts(db: Database, kind: str, **where: str) -> list[Alert]:
    async with db.session() as session:
        query = select(Alert).where(Alert.kind == kind)
        for column, value in where.items():
            query = query.where(getattr(Alert, column) == value)
        return list((await session.exec(query)).all())


# --- 1. a run's approval request expires after the configured time -------------------------
# On the dev server with a 2 s timeout, not the time-skipping server: a finished run starts its
# NotifyWorkflow child with Ductwork's search attributes, which the test server does not know
# (nor can register), and it drops the connection there.


async def test_run_approval_expires_after_the_configured_time_fails_the_run_with_one_alert(
    client, api, settings, db, source, source_db, target_db
):
    table = await _payments(source)
    pipeline_id = await _pipeline(
        api, source_db, target_db, _payments_pipeline(table, f"wh.{table}", CHECKS)
    )
    queue = f"test-{uuid.uuid4()}"
    local = settings.model_copy(
        update={
            "temporal": settings.temporal.model_copy(update={"task_queue": queue}),
            "lifecycle": settings.lifecycle.model_copy(
                update={"run_approval_timeout_seconds": 2.0}
            ),
        }
    )
    async with build_worker(client, local, db, queue), db.session() as session:
        row = await pipeline_store.get(session, "default", pipeline_id)
        execution = await runs.submit(session, client, local, row, {})
        execution_id = execution.id
        handle = client.get_workflow_handle(execution.workflow_id)
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        message = str(failed.value.cause)
        assert "approval: approval request appr-" in message
        assert "expired without a decision after 2 s, so nothing was loaded" in message

        run = await run_store.get(session, "default", execution_id)
        await session.refresh(run)
        assert run.status == "FAILED" and "expired without a decision after 2 s" in run.error
        approval = (
            await session.exec(select(Approval).where(Approval.workflow_id == handle.id))
        ).one()
        assert approval.status == ApprovalStatus.EXPIRED.value
        # The setting's 2 s, not the 24 h the workflow used to fix.
        assert (approval.expires_at - approval.requested_at).total_seconds() == 2

        with pytest.raises(approvals.ApprovalConflict) as late:
            await approvals.decide(
                client,
                session,
                "default",
                handle.id,
                ApprovalDecision(True, "late@acme.com", "sorry"),
            )
        assert late.value.code == "APPROVAL_EXPIRED"
        assert "run the pipeline again" in late.value.message

    expired = await _alerts(db, "APPROVAL_EXPIRED", execution_id=execution_id)
    assert [(a.severity, a.details["requestId"]) for a in expired] == [("HIGH", approval.id)]
    # The expiry is the alert of this failure: no RUN_FAILED on top of it.
    assert await _alerts(db, "RUN_FAILED", execution_id=execution_id) == []


# --- 2. failed warn checks raise one LOW alert per run ---------------------------------------


async def test_warn_checks_raise_one_low_alert_per_run_however_often_raised(
    api, settings, db, source, target, source_db, target_db
):
    table = await _payments(source)
    out = f"wh.{table}"
    pipeline_id = await _pipeline(
        api, source_db, target_db, _payments_pipeline(table, out, _failing_checks("warn"))
    )
    execution_id = await execute(api, pipeline_id)
    done = await wait_finished(api, execution_id)
    assert done["status"] == "COMPLETED", done
    assert await target.fetchval(f"SELECT count(*) FROM {out}") == 7

    warned = await _alerts(db, "QUALITY_CHECK_WARNING", execution_id=execution_id)
    assert len(warned) == 1, warned
    alert = warned[0]
    assert alert.severity == "LOW" and alert.pipeline_id == pipeline_id
    assert "allowed_status: 3 rows with status outside ['paid', 'refunded']" in alert.message
    assert [c.split(":")[0] for c in alert.details["checks"]] == [
        "allowed_status",
        "amount_bounds",
        "recent",
        "over_limit",
    ]
    assert await _alerts(db, "QUALITY_CHECK_FAILED", execution_id=execution_id) == []

    # What a retried attempt of the step does: raise it again. Still one alert.
    quality = QualityActivities(ActivityDeps(db, None, settings))  # type: ignore[arg-type]
    step = QualityStep(StepRef(execution_id, "default", pipeline_id, "quality_checks"), "c", [])
    await quality._warn(step, ["recent: again"])
    again = await _alerts(db, "QUALITY_CHECK_WARNING", execution_id=execution_id)
    assert [a.id for a in again] == [alert.id] and again[0].message == alert.message


# --- 3. scheduled times whose run cannot start -----------------------------------------------


async def _fire(client: Client, queue: str, pipeline_id: str, fire_id: str):
    return await client.execute_workflow(
        ScheduledRunWorkflow.run,
        ScheduledRunInput("default", pipeline_id, "sched-test"),
        id=fire_id,
        task_queue=queue,
    )


async def test_scheduled_runs_that_cannot_start_raise_one_schedule_missed_alert_each(
    client,
    new_worker,
    db,
    pipeline,  # noqa: F811
):
    pipeline_id, name = pipeline
    base = f"default/scheduled/sched-test-{uuid.uuid4().hex[:8]}"
    async with new_worker() as queue, db.session() as session:
        row = await pipeline_store.get(session, "default", pipeline_id)
        # Still running: a run in progress (its workflow unknown to Temporal, so it stays so).
        running = Execution(
            id=f"exec-{uuid.uuid4().hex}",
            tenant_id="default",
            pipeline_id=pipeline_id,
            pipeline_version=row.current_version,
            workflow_id=f"default/run/none-{uuid.uuid4().hex}",
            status="RUNNING",
            priority="NORMAL",
            parameters={},
            submitted_at=utcnow(),
        )
        await run_store.create(session, running)
        busy = await _fire(client, queue, pipeline_id, f"{base}-busy")
        assert busy.execution_id is None and "is already running" in busy.skipped
        # The same fire again (a retried activity raises it the same way): still one alert.
        await _fire(client, queue, pipeline_id, f"{base}-busy")
        await run_store.set_status(session, running.id, "FAILED", total_tasks=0, error="test")

        row.status = "PAUSED"
        session.add(row)
        await session.commit()
        paused = await _fire(client, queue, pipeline_id, f"{base}-paused")
        assert paused.skipped == (
            f"pipeline {name!r} is paused; resume it (status active) to let its schedule run it"
        )

        row.status, row.deleted_at = "ACTIVE", utcnow()
        session.add(row)
        await session.commit()
        gone = await _fire(client, queue, pipeline_id, f"{base}-deleted")
        assert "no longer exists (deleted)" in gone.skipped

    missed = await _alerts(db, "SCHEDULE_MISSED", pipeline_id=pipeline_id)
    by_fire = {a.details["workflowId"]: a for a in missed}
    assert sorted(by_fire) == [f"{base}-busy", f"{base}-deleted", f"{base}-paused"], missed
    assert len(missed) == 3
    assert {a.severity for a in missed} == {"MEDIUM"}
    assert by_fire[f"{base}-paused"].message.startswith("scheduled run skipped: pipeline")
    assert by_fire[f"{base}-busy"].details["scheduleId"] == "sched-test"


@activity.defn(name="start_scheduled_run")
async def _refused_start(scheduled: ScheduledRunInput) -> None:
    raise ApplicationError("Temporal refused the start", type="BOOM", non_retryable=True)


async def test_a_run_that_could_not_start_at_all_raises_schedule_missed(
    client,
    settings,
    db,
    pipeline,  # noqa: F811
):
    pipeline_id, _ = pipeline
    lifecycle = LifecycleActivities(ActivityDeps(db, None, settings))  # type: ignore[arg-type]
    queue = f"test-{uuid.uuid4()}"
    fire_id = f"default/scheduled/sched-test-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[ScheduledRunWorkflow],
        activities=[_refused_start, lifecycle.record_schedule_miss],
    ):
        with pytest.raises(WorkflowFailureError) as failed:
            await _fire(client, queue, pipeline_id, fire_id)
    assert "the run could not be started: Temporal refused the start" in str(failed.value.cause)
    missed = await _alerts(db, "SCHEDULE_MISSED", pipeline_id=pipeline_id)
    assert [(a.details["workflowId"], a.severity) for a in missed] == [(fire_id, "MEDIUM")]
    assert "could not be started" in missed[0].message
