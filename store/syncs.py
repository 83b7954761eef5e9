"""Pipelines by name and their runs, as the named-pipeline surfaces (named batch pipelines API,
connection syncs API) read them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import Execution, Pipeline


async def by_name(session: AsyncSession, tenant_id: str, name: str) -> Pipeline | None:
    result = await session.exec(
        select(Pipeline).where(
            Pipeline.tenant_id == tenant_id,
            Pipeline.name == name,
            col(Pipeline.deleted_at).is_(None),
        )
    )
    return result.first()


async def pipelines(session: AsyncSession, tenant_id: str) -> list[Pipeline]:
    """Every live pipeline of the tenant, in the order they were created."""
    result = await session.exec(
        select(Pipeline)
        .where(Pipeline.tenant_id == tenant_id, col(Pipeline.deleted_at).is_(None))
        .order_by(col(Pipeline.created_at), col(Pipeline.id))
    )
    return list(result)


async def runs(
    session: AsyncSession,
    tenant_id: str,
    *,
    pipeline_id: str | None = None,
    statuses: list[str] | None = None,
    batch_id: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[tuple[Execution, str]], int]:
    """Runs, newest first, each with its pipeline's name, and how many match in all."""
    where: list[ColumnElement[bool]] = [col(Execution.tenant_id) == tenant_id]
    if pipeline_id is not None:
        where.append(col(Execution.pipeline_id) == pipeline_id)
    if statuses:
        where.append(col(Execution.status).in_(statuses))
    if batch_id is not None:
        # The JSON path operator of SQLAlchemy's JSON type works on SQLite and PostgreSQL alike.
        # A run's batch is its batch_id parameter, else its batchId (the pipeline service API's
        # camelCase), as the named batch pipelines API shows it.
        snake = col(Execution.parameters)["batch_id"].as_string()
        camel = col(Execution.parameters)["batchId"].as_string()
        where.append(or_(snake == batch_id, and_(snake.is_(None), camel == batch_id)))
    total = (await session.exec(select(func.count()).select_from(Execution).where(*where))).one()
    result = await session.exec(
        select(Execution, Pipeline.name)
        .join(Pipeline, col(Pipeline.id) == col(Execution.pipeline_id))
        .where(*where)
        .order_by(col(Execution.submitted_at).desc(), col(Execution.id))
        .offset(offset)
        .limit(limit)
    )
    return [(row, name) for row, name in result], total


async def last_runs(session: AsyncSession, pipeline_ids: list[str]) -> dict[str, Execution]:
    """Each pipeline's most recently submitted run, in one query."""
    if not pipeline_ids:
        return {}
    newest = (
        select(Execution.pipeline_id, func.max(Execution.submitted_at).label("at"))
        .where(col(Execution.pipeline_id).in_(pipeline_ids))
        .group_by(col(Execution.pipeline_id))
        .subquery()
    )
    result = await session.exec(
        select(Execution).join(
            newest,
            (col(Execution.pipeline_id) == newest.c.pipeline_id)
            & (col(Execution.submitted_at) == newest.c.at),
        )
    )
    return {row.pipeline_id: row for row in result}


async def pipeline_name(session: AsyncSession, pipeline_id: str) -> str:
    pipeline = await session.get(Pipeline, pipeline_id)
    return pipeline.name if pipeline else pipeline_id
