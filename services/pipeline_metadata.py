"""A pipeline's metadata (name, description, tags, status) and its soft delete, the same on
every surface."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from services import runs, schedules
from store import pipelines as pipeline_store
from store.errors import Conflict
from store.models import Pipeline

PAUSED = "PAUSED"


async def apply(
    session: AsyncSession,
    client: Client,
    pipeline: Pipeline,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    status: str | None = None,
) -> None:
    """Set what is given; pausing a pipeline pauses its schedules, un-pausing resumes them.

    Nothing is committed: the caller commits together with its other changes.
    """
    if name is not None and name != pipeline.name:
        if await pipeline_store.name_taken(session, pipeline.tenant_id, name, exclude=pipeline.id):
            raise Conflict(f"a pipeline named {name!r} already exists", code="PIPELINE_EXISTS")
        pipeline.name = name
    if description is not None:
        pipeline.description = description
    if tags is not None:
        pipeline.tags = tags
    if status is not None and status != pipeline.status:
        if PAUSED in (status, pipeline.status):
            await schedules.pause_pipeline_schedules(
                client, session, pipeline.tenant_id, pipeline.id, status == PAUSED
            )
        pipeline.status = status


async def delete(session: AsyncSession, client: Client, pipeline: Pipeline) -> None:
    """Soft delete: the pipeline leaves every list and cannot run (its runs stay readable), and
    its schedules are removed. Refused while a run is in progress."""
    active = await runs.active_run(session, client, pipeline.id)
    if active is not None:
        raise Conflict(
            f"pipeline {pipeline.name!r} has a run in progress ({active.id}); cancel it first",
            code="PIPELINE_RUNNING",
        )
    await schedules.delete_pipeline_schedules(client, session, pipeline.tenant_id, pipeline.id)
    await pipeline_store.soft_delete(session, pipeline)
