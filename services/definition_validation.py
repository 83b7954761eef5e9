"""Check a pipeline definition against the tenant's real connections and databases."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import ConnectionSettings, ConnectorError, PolicyDenied, TransientError
from connectors.postgres.sql import Relation
from connectors.registry import connector_for, is_source, source_schema, target_problem
from core.connections import connection_settings
from core.secrets import Cipher, SecretReferenceError
from core.settings import Settings
from domain.definition import PipelineDefinition
from domain.streams import stream_problems
from store import connections as connection_store
from store.models import Connection

# Source tables are looked up where the source answers within this time; an unreachable
# source does not block saving a pipeline (the run reports it instead).
REACHABILITY_TIMEOUT_S = 5.0


@dataclass
class Problem:
    loc: list[Any]
    msg: str
    type: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": self.loc, "msg": self.msg, "type": self.type}


def problems_code(problems: list[Problem]) -> str:
    """The error code of a refused definition: POLICY_DENIED when the policy is what refuses."""
    if any(p.type == "policy_denied" for p in problems):
        return "POLICY_DENIED"
    return "INVALID_DEFINITION"


async def check_definition(
    session: AsyncSession,
    cipher: Cipher,
    settings: Settings,
    tenant_id: str,
    definition: PipelineDefinition,
) -> tuple[list[Problem], dict[str, str]]:
    """Problems found, and each connection reference resolved to its connection id."""
    problems: list[Problem] = []
    resolved: dict[str, Connection] = {}
    loc = ["body", "definition"]
    for ref in sorted(definition.connection_refs()):
        row = await connection_store.find(session, tenant_id, ref)
        if row is not None:
            resolved[ref] = row
    for kind, items in (("sources", definition.sources), ("sinks", definition.sinks)):
        for name, item in items.items():
            if item.connection not in resolved:
                problems.append(
                    Problem(
                        [*loc, kind, name, "connection"],
                        f"unknown connection {item.connection!r}: create it with "
                        "POST /v1/pipelines/connections or use an existing id or name",
                        "unknown_connection",
                    )
                )
    opened: dict[str, ConnectionSettings] = {}  # each connection opened once, for every check
    for ref, row in sorted(resolved.items()):
        try:
            opened[ref] = await connection_settings(row, cipher, settings)
        except PolicyDenied as exc:
            where = [*loc, "connections", ref]
            problems.append(
                Problem(where, f"connection {row.name!r}: {exc.message}", "policy_denied")
            )
        except (ConnectorError, SecretReferenceError, ValueError):
            pass  # credentials or config problems show in the connection test
    for name, sink in definition.sinks.items():
        row = resolved.get(sink.connection)
        if row is None:
            continue
        problem = target_problem(
            row.type, sink.mode.value, sink.keys, sink.deduplicate, sink.options or {}
        )
        if problem is not None:
            field, text = problem
            problems.append(
                Problem(
                    [*loc, "sinks", name, field],
                    f"connection {row.name!r} ({row.type}): {text}",
                    "unsupported_target",
                )
            )
    for name, src in definition.sources.items():
        row = resolved.get(src.connection)
        if row is not None and not is_source(row.type):
            problems.append(
                Problem(
                    [*loc, "sources", name, "connection"],
                    f"connection {row.name!r} ({row.type}) can be loaded into, not read from",
                    "unsupported_source",
                )
            )
    types = {ref: row.type for ref, row in resolved.items()}
    for where, text in stream_problems(definition, types):
        problems.append(Problem([*loc, *where], text, "stream"))
    tables = [
        (name, src.table, resolved[src.connection], opened[src.connection])
        for name, src in definition.sources.items()
        if src.table and src.connection in opened
    ]
    missing = await asyncio.gather(*(_missing_table(t, row, conn) for _, t, row, conn in tables))
    for (name, table, row, _), gone in zip(tables, missing, strict=True):
        if gone:
            problems.append(
                Problem(
                    [*loc, "sources", name, "table"],
                    f"table {table!r} does not exist in connection {row.name!r}",
                    "missing_table",
                )
            )
    return problems, {ref: row.id for ref, row in resolved.items()}


async def _missing_table(table: str, row: Connection, opened: ConnectionSettings) -> bool:
    """True only when the source answered and has no such table."""
    try:
        relation = Relation.parse(table)
        connector = connector_for(row.type)
        config = connector.config(opened)
        exists = await asyncio.wait_for(
            connector.table_exists(
                config, source_schema(connector, relation.schema), relation.name
            ),
            REACHABILITY_TIMEOUT_S,
        )
    except (TimeoutError, TransientError):
        return False
    except (ConnectorError, SecretReferenceError, ValueError):
        return False  # credentials or config problems show in the connection test
    return not exists
