"""A pipeline's ``project_id`` and ``configuration`` in the AI-ETL pipelines API's shape.

``configuration.sources`` and ``configuration.targets`` are arrays of ``{type, connection_id,
options}`` made from the current version's definition (its sources and sinks), ``constraints``
are the ones the generate request gave, and ``definition`` is Ductwork's own definition, whole.
``project_id`` is the one the generate request sent (pipelines belong to tenants; a project is
only a label kept from generation), else null.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from store import connections as connection_store
from store import generations as generation_store

_NOT_OPTIONS = ("connection", "type")


async def generation_requests(
    session: AsyncSession, tenant_id: str, pipeline_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    return await generation_store.requests_of(session, tenant_id, pipeline_ids)


def project_of(requests: list[dict[str, Any]]) -> str | None:
    return next((str(r["project_id"]) for r in requests if r.get("project_id")), None)


async def configuration(
    session: AsyncSession,
    tenant_id: str,
    definition: dict[str, Any],
    requests: list[dict[str, Any]],
) -> dict[str, Any]:
    types: dict[str, tuple[str, str]] = {}

    async def endpoint(name: str, raw: dict[str, Any]) -> dict[str, Any]:
        ref = str(raw.get("connection") or "")
        if ref and ref not in types:
            row = await connection_store.find(session, tenant_id, ref)
            types[ref] = (row.id, row.type) if row else (ref, "")
        connection_id, kind = types.get(ref, (None, ""))
        return {
            "name": name,
            "type": kind or raw.get("type"),
            "connection_id": connection_id,
            "options": {k: v for k, v in raw.items() if k not in _NOT_OPTIONS},
        }

    sources = [await endpoint(n, s) for n, s in _entries(definition, "sources")]
    targets = [await endpoint(n, s) for n, s in _entries(definition, "sinks")]
    constraints: dict[str, Any] = next(
        (r["constraints"] for r in requests if r.get("constraints")), {}
    )
    return {
        "sources": sources,
        "targets": targets,
        "constraints": constraints,
        "definition": definition,
    }


def _entries(definition: Any, section: str) -> list[tuple[str, dict[str, Any]]]:
    """The named entries of ``sources`` or ``sinks``; a definition stored by hand may hold
    anything there, and what is not an entry is left out rather than breaking the answer."""
    found = definition.get(section) if isinstance(definition, dict) else None
    if not isinstance(found, dict):
        return []
    return [(str(name), entry) for name, entry in found.items() if isinstance(entry, dict)]
