"""Gather what describe and analyze know about a stored pipeline: its current definition, its
connections, its measured runs and (best effort, bounded in time) its source tables' columns."""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from ai.analysis.facts import ConnectionFacts, PipelineFacts
from ai.analysis.measure import measure_runs
from connectors.base import ColumnInfo, ConnectorError
from connectors.postgres.sql import Relation
from connectors.registry import source_schema
from core.connections import connector_config
from core.logging import get_logger
from core.secrets import Cipher, SecretReferenceError
from core.settings import Settings
from domain.definition import PipelineDefinition
from store import connections as connection_store
from store import pipelines as pipeline_store
from store.models import Connection

log = get_logger("ductwork.analysis")

INTROSPECTION_SECONDS = 5.0
DATABASE_SCHEMAS = ("mysql", "clickhouse")
"""Dialects whose introspection names each table's database as its schema."""


async def pipeline_context(
    session: AsyncSession, cipher: Cipher, settings: Settings, tenant_id: str, pipeline_id: str
) -> tuple[PipelineDefinition, PipelineFacts, int]:
    """The definition of the pipeline's current version, its facts, and the version number."""
    pipeline = await pipeline_store.get(session, tenant_id, pipeline_id)
    version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    definition = PipelineDefinition.model_validate(version.definition)
    rows: dict[str, Connection] = {}
    for ref in sorted(definition.connection_refs()):
        row = await connection_store.find(session, tenant_id, ref)
        if row is not None:
            rows[ref] = row
    facts = PipelineFacts(
        name=pipeline.name,
        description=pipeline.description,
        connections={ref: ConnectionFacts(r.name, r.type) for ref, r in rows.items()},
        measured=await measure_runs(session, tenant_id, pipeline.id),
    )
    try:
        facts.columns = await asyncio.wait_for(
            _source_columns(definition, rows, cipher, settings), INTROSPECTION_SECONDS
        )
    except TimeoutError:
        log.info("source introspection timed out; analysis without column facts")
    return definition, facts, version.number


async def _source_columns(
    definition: PipelineDefinition, rows: dict[str, Connection], cipher: Cipher, settings: Settings
) -> dict[str, list[ColumnInfo]]:
    """Columns of every table source whose connection answers; the others are left out."""
    found: dict[str, list[ColumnInfo]] = {}
    tables_by_ref: dict[str, list] = {}
    for ref, row in rows.items():
        wanted = [(n, s) for n, s in definition.sources.items() if s.connection == ref and s.table]
        if not wanted:
            continue
        try:
            connector, config = await connector_config(row, cipher, settings)
            tables_by_ref[ref] = await connector.introspect(config)
        except (ConnectorError, SecretReferenceError, OSError) as exc:
            log.info("source introspection failed", connection=row.name, error=str(exc))
            continue
        # Where schemas are databases (MySQL, ClickHouse), an unqualified table is in the
        # connection's database: never a same-named table of another database on the server.
        home = row.database if connector.dialect in DATABASE_SCHEMAS else None
        for name, source in wanted:
            relation = Relation.parse(source.table or "")
            schema = source_schema(connector, relation.schema) or home
            for table in tables_by_ref[ref]:
                same_schema = schema is None or table.schema == schema
                if same_schema and table.name == relation.name:
                    found[name] = table.columns
                    break
    return found
