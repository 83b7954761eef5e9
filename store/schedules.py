"""Pipeline schedules: the store's record of each Temporal Schedule."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.errors import NotFound
from store.models.lifecycle import PipelineSchedule


async def get(session: AsyncSession, tenant_id: str, schedule_id: str) -> PipelineSchedule:
    row = await session.get(PipelineSchedule, schedule_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"schedule {schedule_id!r} not found", code="SCHEDULE_NOT_FOUND")
    return row


async def listed(
    session: AsyncSession, tenant_id: str, *, pipeline_id: str | None = None
) -> list[PipelineSchedule]:
    query = select(PipelineSchedule).where(PipelineSchedule.tenant_id == tenant_id)
    if pipeline_id:
        query = query.where(PipelineSchedule.pipeline_id == pipeline_id)
    return list(
        await session.exec(
            query.order_by(col(PipelineSchedule.created_at), col(PipelineSchedule.id))
        )
    )


async def pipeline_own(
    session: AsyncSession, tenant_id: str, pipeline_id: str
) -> PipelineSchedule | None:
    """The schedule a deployment or the pipeline's own ``schedule`` field made, if any."""
    rows = await listed(session, tenant_id, pipeline_id=pipeline_id)
    return next((r for r in rows if r.origin == "pipeline"), None)
