"""A template's connections, when the request names none: the pipeline service API documents a
create request with only its own parameters, so the tenant's connections are chosen (and the
answer says which), as API.md decides for requests that name less than a pipeline needs."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import ConnectorError, PolicyDenied
from connectors.registry import TARGET_TYPES, canonical_type
from core.connections import connector_config
from core.secrets import Cipher, SecretReferenceError
from core.settings import Settings
from domain.templates import Template, TemplateError
from store.models import Connection

SOURCE, TARGET = "SOURCE_CONNECTION", "TARGET_CONNECTION"
PROBE_SECONDS = 5.0  # how long one connection may take to say whether it holds a table


async def choose_connections(
    session: AsyncSession,
    cipher: Cipher,
    settings: Settings,
    tenant_id: str,
    template: Template,
    values: dict[str, Any],
) -> dict[str, str]:
    """Fill the template's SOURCE_CONNECTION / TARGET_CONNECTION when not given; returns what
    was chosen (parameter → connection name). The source is a connection that holds the
    template's tables in SOURCE_SCHEMA; the target the oldest connection that can be loaded and
    is not the source (else the source itself). TemplateError when there is nothing to choose."""
    wanted = {p.name for p in template.parameters} & {SOURCE, TARGET}
    missing = sorted(name for name in wanted if values.get(name) in (None, ""))
    if not missing:
        return {}
    result = await session.exec(
        select(Connection)
        .where(Connection.tenant_id == tenant_id)
        .order_by(col(Connection.created_at), col(Connection.id))
    )
    rows = list(result)
    chosen: dict[str, str] = {}
    source = values.get(SOURCE) or None
    if SOURCE in missing:
        found = await _holding(rows, cipher, settings, template, _schema(template, values))
        if not found:
            raise _nothing(SOURCE, template, rows)
        source = found.name
        chosen[SOURCE] = found.name
    if TARGET in missing:
        loadable = [r for r in rows if canonical_type(r.type) in TARGET_TYPES]
        others = [r for r in loadable if source not in (r.name, r.id)]
        targets = others or loadable
        if not targets:
            raise _nothing(TARGET, template, rows)
        chosen[TARGET] = targets[0].name
    values.update(chosen)
    return chosen


def _schema(template: Template, values: dict[str, Any]) -> str | None:
    given = values.get("SOURCE_SCHEMA")
    default = next((p.default for p in template.parameters if p.name == "SOURCE_SCHEMA"), None)
    return str(given or default) if (given or default) else None


async def _holding(
    rows: list[Connection],
    cipher: Cipher,
    settings: Settings,
    template: Template,
    schema: str | None,
) -> Connection | None:
    """The oldest connection that holds every sample table of the template."""

    async def holds(row: Connection) -> bool:
        try:
            connector, config = await connector_config(row, cipher, settings)
            checks = [connector.table_exists(config, schema, t) for t in template.sample_tables]
            return all(await asyncio.wait_for(asyncio.gather(*checks), PROBE_SECONDS))
        except (ConnectorError, PolicyDenied, SecretReferenceError, TimeoutError, ValueError):
            return False

    candidates = [r for r in rows if canonical_type(r.type) not in (None, "http", "files")]
    answers = await asyncio.gather(*(holds(r) for r in candidates))
    return next((r for r, ok in zip(candidates, answers, strict=True) if ok), None)


def _nothing(parameter: str, template: Template, rows: list[Connection]) -> TemplateError:
    if parameter == SOURCE:
        where = ", ".join(template.sample_tables)
        reason = f"none of the tenant's {len(rows)} connection(s) holds the tables {where}"
    else:
        reason = "the tenant has no connection that can be loaded"
    return TemplateError(
        f"parameter {parameter} is required: {reason}; name a connection (id or name), or "
        "register one with POST /v1/pipelines/connections",
        ["body", "parameters", parameter],
    )
