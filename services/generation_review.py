"""Generated versions saved for review: a version whose generation left part of the intent
unresolved runs or deploys only when someone confirms it."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models.generation import Generation


async def unreviewed(
    session: AsyncSession, tenant_id: str, pipeline_id: str, version_number: int
) -> list[str] | None:
    """What the generation of this version did not understand, when it was saved as
    ``needs_review``; None for any other version."""
    rows = await session.exec(
        select(Generation)
        .where(
            Generation.tenant_id == tenant_id,
            Generation.pipeline_id == pipeline_id,
            Generation.version_number == version_number,
            Generation.status == "needs_review",
        )
        .order_by(col(Generation.created_at).desc())
    )
    found = rows.first()
    if found is None:
        return None
    return [str(u) for u in (found.artifacts or {}).get("unresolved") or []]
