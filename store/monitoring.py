"""Reads for monitoring, cost and lineage: a tenant's runs over a time window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store import runs as run_store
from store.models import Execution, Pipeline, RunStep
from store.models.generation import Generation


async def runs_between(
    session: AsyncSession,
    tenant_id: str,
    since: datetime,
    until: datetime | None = None,
    *,
    pipeline_id: str | None = None,
) -> list[tuple[Execution, list[RunStep]]]:
    """Runs submitted in ``[since, until)``, oldest first, each with its steps."""
    where: list[ColumnElement[bool]] = [
        col(Execution.tenant_id) == tenant_id,
        col(Execution.submitted_at) >= since,
    ]
    if until is not None:
        where.append(col(Execution.submitted_at) < until)
    if pipeline_id is not None:
        where.append(col(Execution.pipeline_id) == pipeline_id)
    rows = list(
        await session.exec(select(Execution).where(*where).order_by(col(Execution.submitted_at)))
    )
    steps = await run_store.steps_of(session, [r.id for r in rows])
    return [(r, steps[r.id]) for r in rows]


async def last_run(session: AsyncSession, pipeline_id: str) -> Execution | None:
    """The pipeline's most recently submitted run."""
    result = await session.exec(
        select(Execution)
        .where(Execution.pipeline_id == pipeline_id)
        .order_by(col(Execution.submitted_at).desc())
        .limit(1)
    )
    return result.first()


async def last_started(session: AsyncSession, pipeline_id: str) -> datetime | None:
    """When the pipeline's latest run that actually started began."""
    result = await session.exec(
        select(Execution.started_at)
        .where(Execution.pipeline_id == pipeline_id, col(Execution.started_at).is_not(None))
        .order_by(col(Execution.started_at).desc())
        .limit(1)
    )
    return result.first()


async def pipeline_names(session: AsyncSession, tenant_id: str) -> dict[str, str]:
    """Every pipeline's name by id, deleted ones included (their runs still count)."""
    result = await session.exec(
        select(Pipeline.id, Pipeline.name).where(Pipeline.tenant_id == tenant_id)
    )
    return dict(result.all())


async def llm_usage(
    session: AsyncSession, tenant_id: str, pipeline_id: str, since: datetime
) -> tuple[int, float]:
    """Tokens of the pipeline's AI generations since ``since``, and the cost they reported."""
    result = await session.exec(
        select(
            func.coalesce(func.sum(Generation.prompt_tokens + Generation.completion_tokens), 0),
            func.coalesce(func.sum(Generation.cost_usd), 0.0),
        ).where(
            Generation.tenant_id == tenant_id,
            Generation.pipeline_id == pipeline_id,
            col(Generation.created_at) >= since,
        )
    )
    tokens, cost_usd = result.one()
    return int(tokens), float(cost_usd)
