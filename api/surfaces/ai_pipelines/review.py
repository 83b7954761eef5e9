"""``:run`` and ``:deploy`` of a generated version that needs review ask for ``confirm``."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import ApiError
from services.generation_review import unreviewed
from store.models import Pipeline


async def require_confirmation(
    session: AsyncSession, tenant_id: str, pipeline: Pipeline, confirmed: bool, action: str
) -> None:
    """409 unless the current version was understood in full or the caller confirmed it."""
    if confirmed:
        return
    parts = await unreviewed(session, tenant_id, pipeline.id, pipeline.current_version)
    if parts is None:
        return
    listed = "; ".join(parts[:5]) or "see the version's interpretation"
    raise ApiError(
        409,
        "NEEDS_REVIEW",
        f"version {pipeline.current_version} of this pipeline was generated with parts of the "
        f"request not understood ({listed}): review its interpretation and SQL, then {action} "
        f'it again with "confirm": true in the body or ?confirm=true',
        [{"msg": p, "type": "unresolved"} for p in parts],
    )
