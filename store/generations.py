"""Reads of stored AI generations (the rows GenerationWorkflow writes)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models.generation import Generation


async def requests_of(
    session: AsyncSession, tenant_id: str, pipeline_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The generate requests that made each pipeline's versions, newest first."""
    if not pipeline_ids:
        return {}
    rows = await session.exec(
        select(Generation.pipeline_id, Generation.request)
        .where(
            Generation.tenant_id == tenant_id,
            col(Generation.pipeline_id).in_(pipeline_ids),
            col(Generation.status).in_(("generated", "needs_review")),
        )
        .order_by(col(Generation.created_at).desc())
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for pipeline_id, request in rows:
        out.setdefault(str(pipeline_id), []).append(dict(request or {}))
    return out


async def artifacts_by_version(
    session: AsyncSession, tenant_id: str, pipeline_id: str
) -> dict[int, dict[str, Any]]:
    """The artifacts each generated version of the pipeline was stored with."""
    rows = await session.exec(
        select(Generation.version_number, Generation.artifacts)
        .where(
            Generation.tenant_id == tenant_id,
            Generation.pipeline_id == pipeline_id,
            col(Generation.version_number).is_not(None),
        )
        .order_by(col(Generation.created_at))
    )
    return {int(number): dict(artifacts or {}) for number, artifacts in rows if number is not None}
