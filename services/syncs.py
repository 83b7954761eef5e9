"""What the named-pipeline surfaces share: a pipeline by name, its sync description, a run's
outcome as a sync result and waiting for a run (each surface's status words live in its
package under api/surfaces).

The named batch pipelines API's "pipeline" and the connection syncs API's "connection" are both a
Ductwork pipeline addressed by
its name; runs start through ``services.runs.submit`` like on every other surface.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError

from core.logging import get_logger
from domain.definition import PipelineDefinition
from domain.status import RunStatus
from store import connections as connection_store
from store import pipelines as pipeline_store
from store import syncs as sync_store
from store.errors import NotFound
from store.models import Execution, Pipeline, RunStep
from store.runs import elapsed_ms

log = get_logger("ductwork.syncs")


async def pipeline_named(
    session: AsyncSession, tenant_id: str, name: str, *, code: str, message: str
) -> Pipeline:
    """The tenant's live pipeline called ``name``; NotFound(code, message) otherwise."""
    pipeline = await sync_store.by_name(session, tenant_id, name)
    if pipeline is None:
        raise NotFound(message, code=code)
    return pipeline


@dataclass
class SyncDescription:
    name: str
    type: str
    enabled: bool
    schema_name: str
    problem: str | None = None  # why the stored definition cannot run (a list still shows it)


async def describe(session: AsyncSession, pipeline: Pipeline) -> SyncDescription:
    """The connection syncs API's view of a pipeline: its source's connection type and its target
    schema.

    ``enabled`` is false for a paused pipeline (run_selected skips it). A stored definition that
    no longer validates (written by an older release or by hand) is described from what it
    holds, with the ``problem``, and logged: one bad row never breaks a list.
    """
    version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    stored = version.definition if isinstance(version.definition, dict) else {}
    problem = None
    try:
        PipelineDefinition.model_validate(stored)
    except ValidationError as exc:
        problem = (
            f"the stored definition is not valid ({exc.error_count()} problem(s), first at "
            f"{_where(exc)}): save a corrected one with PUT /v1/pipelines/{pipeline.id}"
        )
        log.warning("stored definition not valid", pipeline_id=pipeline.id, problem=problem)
    source, sink = _first(stored, "sources"), _first(stored, "sinks")
    reference = source.get("connection")
    connection = (
        await connection_store.find(session, pipeline.tenant_id, reference)
        if isinstance(reference, str)
        else None
    )
    table = sink.get("table")
    schema = "unknown"
    if isinstance(table, str) and table:
        schema = table.rsplit(".", 1)[0] if "." in table else "public"
    return SyncDescription(
        name=pipeline.name,
        type=connection.type if connection else "unknown",
        enabled=pipeline.status.upper() != "PAUSED",
        schema_name=schema,
        problem=problem,
    )


def _first(definition: dict[str, Any], section: str) -> dict[str, Any]:
    """The first entry of a definition's ``sources`` or ``sinks``; {} when there is none."""
    entries = definition.get(section)
    first = next(iter(entries.values()), None) if isinstance(entries, dict) else None
    return first if isinstance(first, dict) else {}


def _where(exc: ValidationError) -> str:
    return ".".join(map(str, exc.errors()[0]["loc"])) or "the top level"


def sync_result(row: Execution, steps: list[RunStep], *, include_report: bool) -> dict[str, Any]:
    """A finished (or current) run in the connection syncs API's words: the body of
    ``/connections/{name}/run``."""
    status = RunStatus(row.status)
    attempts = max((s.attempt for s in steps), default=None)
    result: dict[str, Any] = {
        "success": status is RunStatus.COMPLETED,
        "duration_ms": elapsed_ms(row.started_at or row.submitted_at, row.finished_at) or 0,
        "rows_inserted": sum(s.rows for s in steps if s.kind == "load"),
        "error": row.error or ("cancelled" if status is RunStatus.CANCELLED else None),
        "attempts": attempts,
        "records_reported": sum(s.rows for s in steps if s.kind == "extract"),
        "progress_counts": {s.name: s.rows for s in steps} or None,
        "run_id": row.id,
    }
    if include_report:
        result["report"] = report(row, steps)
    return result


def report(row: Execution, steps: list[RunStep]) -> str:
    """A short plain-text account of a run, one line per step."""
    lines = [f"run {row.id}: {row.status}"]
    for s in steps:
        line = f"{s.kind} {s.name}: {s.status}, {s.rows} rows, attempt {s.attempt}"
        lines.append(f"{line}, error: {s.error}" if s.error else line)
    if row.error:
        lines.append(f"error: {row.error}")
    return "\n".join(lines)


async def wait_closed(client: Client, execution: Execution) -> None:
    """Wait until the run's workflow has closed, however it ended."""
    handle = client.get_workflow_handle(execution.workflow_id)
    # Failed, cancelled or gone: the store has (or settles) the outcome.
    with contextlib.suppress(WorkflowFailureError, RPCError):
        await handle.result()
