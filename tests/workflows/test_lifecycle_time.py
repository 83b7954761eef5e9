"""Approval timeouts on the time-skipping server; schedule times across a DST change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import select
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesRequest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from services import approvals, deployments, schedules
from store import pipelines as pipeline_store
from store.models import utcnow
from store.models.lifecycle import Approval, Deployment
from store.models.monitoring import Alert
from tests.api.test_lifecycle import pipeline  # noqa: F401  (fixture)
from tests.services import binary
from worker import build_worker
from workflows.deployment import DeploymentWorkflow
from workflows.lifecycle_payloads import ApprovalDecision, ApprovalStatus, DeployInput

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
async def skipping_env():
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    yield env
    await env.shutdown()


def _on_queue(settings: Settings, queue: str, timeout_s: float) -> Settings:
    return settings.model_copy(
        update={
            "temporal": settings.temporal.model_copy(update={"task_queue": queue}),
            "lifecycle": settings.lifecycle.model_copy(
                update={"approval_timeout_seconds": timeout_s}
            ),
        }
    )


async def test_unanswered_approval_expires_raises_an_alert_and_refuses_late_decisions(
    skipping_env,
    settings,
    db,
    pipeline,  # noqa: F811
):
    pipeline_id, _ = pipeline
    queue = f"ts-{uuid.uuid4()}"
    local = _on_queue(settings, queue, timeout_s=6 * 3600)
    async with build_worker(skipping_env.client, local, db, queue), db.session() as session:
        row = await pipeline_store.get(session, "default", pipeline_id)
        # deployments.start as the API calls it, less the search attributes: the test server
        # knows none and cannot register any (no operator service).
        deployment = Deployment(
            id=f"dep-{uuid.uuid4().hex}",
            tenant_id="default",
            pipeline_id=pipeline_id,
            version=row.current_version,
            environment="production",
            mode="api",
            status="PENDING",
            dag_id="dag",
            workflow_id=f"default/deploy/{pipeline_id}/{uuid.uuid4().hex}",
            requested_by="tester",
            created_at=utcnow(),
        )
        session.add(deployment)
        await session.commit()
        assert deployments.needs_approval(local, "production")
        handle = await skipping_env.client.start_workflow(
            DeploymentWorkflow.run,
            DeployInput(
                deployment_id=deployment.id,
                tenant_id="default",
                pipeline_id=pipeline_id,
                version=row.current_version,
                environment="production",
                mode="api",
                requested_by="tester",
                needs_approval=True,
                approval_timeout_seconds=local.lifecycle.approval_timeout_seconds,
            ),
            id=deployment.workflow_id,
            task_queue=queue,
        )
        before = await skipping_env.get_current_time()
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()  # the server skips the six hours
        assert "expired without a decision" in str(failed.value.cause)
        assert (await skipping_env.get_current_time() - before).total_seconds() >= 6 * 3600

        with pytest.raises(approvals.ApprovalConflict) as late:
            await approvals.decide(
                skipping_env.client,
                session,
                "default",
                handle.id,
                ApprovalDecision(True, "late@acme.com", "sorry"),
            )
        assert late.value.code == "APPROVAL_EXPIRED"
        assert "expired at" in late.value.message

        approval = (
            await session.exec(select(Approval).where(Approval.workflow_id == handle.id))
        ).one()
        assert approval.status == ApprovalStatus.EXPIRED.value
        assert approval.decided_by is None
        await session.refresh(deployment)
        assert deployment.status == "EXPIRED"
        alerts = (
            await session.exec(
                select(Alert).where(
                    Alert.pipeline_id == pipeline_id, Alert.kind == "APPROVAL_EXPIRED"
                )
            )
        ).all()
        assert len(alerts) == 1 and alerts[0].severity == "HIGH"


async def _matching_times(
    client, schedule_id: str, start: datetime, end: datetime
) -> list[datetime]:
    begin, finish = Timestamp(), Timestamp()
    begin.FromDatetime(start)
    finish.FromDatetime(end)
    response = await client.workflow_service.list_schedule_matching_times(
        ListScheduleMatchingTimesRequest(
            namespace=client.namespace, schedule_id=schedule_id, start_time=begin, end_time=finish
        )
    )
    return [t.ToDatetime().replace(tzinfo=UTC) for t in response.start_time]


async def test_six_am_new_york_fires_at_local_six_on_both_sides_of_dst(
    client,
    settings,
    db,
    pipeline,  # noqa: F811
):
    """Temporal's own scheduler computes the firing times (the time-skipping test server has
    no Schedules: temporalio/sdk-java#1954), across the spring and autumn changes of 2026."""
    pipeline_id, _ = pipeline
    async with db.session() as session:
        row = await pipeline_store.get(session, "default", pipeline_id)
        schedule = await schedules.create(
            client, session, settings, row, cron="0 6 * * *", timezone="America/New_York"
        )
        try:
            for start, end in (
                (datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)),
                (datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)),
            ):
                times = await _matching_times(client, schedule.temporal_id, start, end)
                local = [t.astimezone(NEW_YORK) for t in times]
                assert len(times) == 5, times
                assert {(t.hour, t.minute) for t in local} == {(6, 0)}, local
                # Both sides of the change: the UTC hour moves by one.
                assert {t.hour for t in times} == {10, 11}, times
        finally:
            await schedules.delete(client, session, schedule)
