"""Pipelines and their immutable versions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, or_
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.db import get_now
from store.errors import Conflict, NotFound
from store.models import Pipeline, PipelineConnection, PipelineVersion, utcnow


async def name_taken(
    session: AsyncSession, tenant_id: str, name: str, *, exclude: str = ""
) -> bool:
    result = await session.exec(
        select(Pipeline.id).where(
            Pipeline.tenant_id == tenant_id,
            Pipeline.name == name,
            col(Pipeline.deleted_at).is_(None),
            Pipeline.id != exclude,
        )
    )
    return result.first() is not None


async def create(
    session: AsyncSession,
    pipeline: Pipeline,
    version: PipelineVersion,
    connection_ids: set[str],
) -> Pipeline:
    if await name_taken(session, pipeline.tenant_id, pipeline.name):
        raise Conflict(f"a pipeline named {pipeline.name!r} already exists", code="PIPELINE_EXISTS")
    session.add(pipeline)
    await session.flush()
    session.add(version)
    _link(session, pipeline.id, connection_ids)
    await session.commit()
    return pipeline


async def get(session: AsyncSession, tenant_id: str, pipeline_id: str) -> Pipeline:
    row = await get_now(session, Pipeline, pipeline_id)
    if row is None or row.tenant_id != tenant_id or row.deleted_at is not None:
        raise NotFound(f"pipeline {pipeline_id!r} not found", code="PIPELINE_NOT_FOUND")
    return row


async def get_version(session: AsyncSession, pipeline_id: str, number: int) -> PipelineVersion:
    result = await session.exec(
        select(PipelineVersion).where(
            PipelineVersion.pipeline_id == pipeline_id, PipelineVersion.number == number
        )
    )
    row = result.first()
    if row is None:
        raise NotFound(f"version {number} of pipeline {pipeline_id!r} not found", code="NOT_FOUND")
    return row


async def versions(session: AsyncSession, pipeline_id: str) -> list[PipelineVersion]:
    """Every version of the pipeline, newest first."""
    result = await session.exec(
        select(PipelineVersion)
        .where(PipelineVersion.pipeline_id == pipeline_id)
        .order_by(col(PipelineVersion.number).desc())
    )
    return list(result)


async def current_versions(
    session: AsyncSession, pipelines: list[Pipeline]
) -> dict[str, PipelineVersion]:
    """Each pipeline's current version, in one query (for lists)."""
    if not pipelines:
        return {}
    result = await session.exec(
        select(PipelineVersion).where(
            or_(
                *(
                    and_(
                        col(PipelineVersion.pipeline_id) == p.id,
                        col(PipelineVersion.number) == p.current_version,
                    )
                    for p in pipelines
                )
            )
        )
    )
    return {v.pipeline_id: v for v in result.all()}


async def page(
    session: AsyncSession,
    tenant_id: str,
    *,
    tags: list[str],
    keep: Callable[[Pipeline], bool] | None = None,
    offset: int,
    limit: int,
) -> tuple[list[Pipeline], int]:
    """One page of the tenant's live pipelines (oldest first) that carry every one of ``tags``
    and pass ``keep`` (a surface's filter by what it shows), and how many pass in all."""
    query = select(Pipeline).where(
        Pipeline.tenant_id == tenant_id, col(Pipeline.deleted_at).is_(None)
    )
    rows = list(await session.exec(query.order_by(col(Pipeline.created_at), col(Pipeline.id))))
    if tags:
        # Tags are a JSON list; filtering here keeps one query shape for SQLite and PostgreSQL.
        wanted = set(tags)
        rows = [r for r in rows if isinstance(r.tags, list) and wanted <= set(map(str, r.tags))]
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    return rows[offset : offset + limit], len(rows)


async def add_version(
    session: AsyncSession,
    pipeline: Pipeline,
    version: PipelineVersion,
    connection_ids: set[str],
) -> None:
    session.add(version)
    pipeline.current_version = version.number
    await session.exec(
        delete(PipelineConnection).where(col(PipelineConnection.pipeline_id) == pipeline.id)
    )
    _link(session, pipeline.id, connection_ids)


async def soft_delete(session: AsyncSession, pipeline: Pipeline) -> None:
    pipeline.deleted_at = utcnow()
    pipeline.updated_at = pipeline.deleted_at
    session.add(pipeline)
    await session.exec(
        delete(PipelineConnection).where(col(PipelineConnection.pipeline_id) == pipeline.id)
    )
    await session.commit()


def _link(session: AsyncSession, pipeline_id: str, connection_ids: set[str]) -> None:
    for connection_id in sorted(connection_ids):
        session.add(PipelineConnection(pipeline_id=pipeline_id, connection_id=connection_id))


def next_label(previous: str, requested: str | None) -> str:
    """The label of a new version: the one asked for, else the previous one's patch bumped."""
    if requested and requested != previous:
        return requested
    parts = previous.split(".")
    if all(p.isdigit() for p in parts):
        parts[-1] = str(int(parts[-1]) + 1)
        return ".".join(parts)
    return f"{previous}.1"
