"""GET /v1/pipelines/{pipelineId}/lineage (pipeline service API): tables in and out, steps, column
lineage."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from api.deps import CipherDep, SessionDep, SettingsDep, Viewer
from connectors.postgres.sql import Relation
from core.connections import connector_config
from core.logging import get_logger
from core.secrets import Cipher
from core.settings import Settings
from domain import lineage
from domain.definition import PipelineDefinition
from services.stored_definitions import definition_of
from store import connections as connection_store
from store import monitoring as monitoring_store
from store import pipelines as pipeline_store
from store.models import Connection

router = APIRouter(prefix="/v1/pipelines", tags=["lineage"])
log = get_logger("ductwork.api.lineage")

INTROSPECT_TIMEOUT_SECONDS = 5.0


@router.get("/{pipeline_id}/lineage")
async def pipeline_lineage(
    pipeline_id: str,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Viewer,
) -> dict[str, Any]:
    """Lineage of the pipeline's current version; source columns are read from the sources
    when they answer within 5 s, so ``SELECT *`` expands to real columns."""
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    definition = definition_of(pipeline, version)
    connections: dict[str, Connection] = {}
    for ref in definition.connection_refs():
        found = await connection_store.find(session, principal.tenant_id, ref)
        if found is not None:
            connections[ref] = found
    columns = await _source_columns(definition, connections, cipher, settings)
    described = lineage.describe(definition, connections, columns)
    return {
        "pipelineId": pipeline.id,
        "pipelineName": pipeline.name,
        "version": version.label,
        **described,
        "lastExecuted": await monitoring_store.last_started(session, pipeline.id),
    }


async def _source_columns(
    definition: PipelineDefinition,
    connections: dict[str, Connection],
    cipher: Cipher,
    settings: Settings,
) -> dict[str, list[str]]:
    """Columns of each table source, from its connection's introspection (best effort)."""
    wanted: dict[str, list[tuple[str, Relation]]] = {}
    for name, source in definition.sources.items():
        if source.table and source.connection in connections:
            wanted.setdefault(source.connection, []).append((name, Relation.parse(source.table)))
    found: dict[str, list[str]] = {}
    for ref, tables in wanted.items():
        row = connections[ref]
        try:
            connector, config = await connector_config(row, cipher, settings)
            infos = await asyncio.wait_for(
                connector.introspect(config), timeout=INTROSPECT_TIMEOUT_SECONDS
            )
        except Exception as exc:  # lineage still answers from the SQL alone
            log.info("lineage without source columns", connection=row.name, error=str(exc))
            continue
        for name, relation in tables:
            for info in infos:
                # "public" stands for the default schema of non-PostgreSQL sources.
                same_schema = info.schema == relation.schema or (
                    relation.schema == "public" and row.type != "postgresql"
                )
                if info.name == relation.name and same_schema:
                    found[name] = [c.name for c in info.columns]
                    break
    return found
