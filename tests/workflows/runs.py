"""Helpers of the workflow tests: a run's row written straight into the store, and what its
workflow's history scheduled."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from domain.status import RunStatus
from store.db import Database
from store.models import Execution, utcnow


async def store_running_run(db: Database, pipeline_id: str, execution_id: str) -> None:
    """The row of a RUNNING run of version 1 of ``pipeline_id`` (tenant ``default``), its
    workflow id ``wf-<execution_id>``, as the API writes it when the run starts."""
    async with db.session() as session:
        session.add(
            Execution(
                id=execution_id,
                tenant_id="default",
                pipeline_id=pipeline_id,
                pipeline_version=1,
                workflow_id=f"wf-{execution_id}",
                status=RunStatus.RUNNING.value,
                priority="NORMAL",
                parameters={},
                submitted_at=utcnow(),
                started_at=utcnow(),
            )
        )
        await session.commit()


async def scheduled_work(client: Client, workflow_id: str) -> tuple[list[str], int]:
    """Names of the activities scheduled on the task queue, and the child workflows started."""
    scheduled, children = [], 0
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled.append(event.activity_task_scheduled_event_attributes.activity_type.name)
        if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            children += 1
    return scheduled, children
