"""Pipelines: the list with filters, one pipeline (versions, definition, lineage, deployments,
schedules, recent runs) and starting a run of it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.rendering import render
from api.dashboard.session import CheckedForm
from api.deps import ClientDep, Editor, SessionDep, SettingsDep, Viewer
from api.errors import invalid, missing_parameters
from domain import lineage
from domain.definition import PipelineDefinition
from services import runs
from store import connections as connection_store
from store import deployments as deployment_store
from store import monitoring as monitoring_store
from store import pipelines as pipeline_store
from store import runs as run_store
from store import schedules as schedule_store
from store.models import Connection, Pipeline

router = APIRouter(prefix="/ui/pipelines", include_in_schema=False)

LIST_LIMIT = 500
RECENT_RUNS = 10
EVERY_DEPLOYMENT = ("PENDING", "DEPLOYED", "SUPERSEDED", "REJECTED", "EXPIRED", "FAILED")


@router.get("")
async def pipeline_list(
    request: Request,
    session: SessionDep,
    principal: Viewer,
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    wanted = q.strip().lower()
    there: set[str] = set()  # the statuses there are, to filter by

    def shown(row: Pipeline) -> bool:
        there.add(row.status)
        return (not status or row.status == status) and (
            wanted in row.name.lower() or wanted in (row.description or "").lower()
        )

    # Filtered before the list is cut at LIST_LIMIT: a match among many pipelines still shows.
    rows, _ = await pipeline_store.page(
        session,
        principal.tenant_id,
        tags=[tag.strip()] if tag.strip() else [],
        keep=shown,
        offset=0,
        limit=LIST_LIMIT,
    )
    statuses = sorted(there)
    items = []
    for row in rows:
        last = await monitoring_store.last_run(session, row.id)
        items.append({"pipeline": row, "last_run": last})
    return render(
        request,
        "pipelines.html",
        {
            "items": items,
            "filters": {"q": q, "tag": tag, "status": status},
            "statuses": statuses,
        },
        principal=principal,
        section="pipelines",
    )


async def _lineage(
    session: AsyncSession, tenant_id: str, definition: PipelineDefinition
) -> dict[str, Any]:
    """Lineage from the definition and its connections alone (no source is contacted)."""
    connections: dict[str, Connection] = {}
    for ref in definition.connection_refs():
        found = await connection_store.find(session, tenant_id, ref)
        if found is not None:
            connections[ref] = found
    try:
        return lineage.describe(definition, connections)
    except Exception as exc:  # a definition sqlglot cannot trace still shows the rest of the page
        return {"error": f"lineage could not be traced: {type(exc).__name__}"}


@router.get("/{pipeline_id}")
async def pipeline_page(
    pipeline_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Viewer,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    versions = await pipeline_store.versions(session, pipeline.id)
    shown = await pipeline_store.get_version(
        session, pipeline.id, version or pipeline.current_version
    )
    definition = PipelineDefinition.model_validate(shown.definition)
    recent, _ = await run_store.page(
        session,
        principal.tenant_id,
        pipeline_id=pipeline.id,
        status=None,
        offset=0,
        limit=RECENT_RUNS,
    )
    return render(
        request,
        "pipeline.html",
        {
            "pipeline": pipeline,
            "versions": versions,
            "shown": shown,
            "definition_json": json.dumps(shown.definition, indent=2, sort_keys=False),
            "lineage": await _lineage(session, principal.tenant_id, definition),
            "parameters": definition.orchestration.parameters,
            "deployments": await deployment_store.for_pipeline(
                session, principal.tenant_id, pipeline.id, statuses=EVERY_DEPLOYMENT
            ),
            "schedules": await schedule_store.listed(
                session, principal.tenant_id, pipeline_id=pipeline.id
            ),
            "runs": recent,
        },
        principal=principal,
        section="pipelines",
    )


def _parameters(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid(
            f"the parameters are not JSON ({exc.msg} at character {exc.pos}): "
            'write an object such as {"start_date": "2026-01-01"}',
            [{"loc": ["form", "parameters"], "msg": "invalid JSON", "type": "value_error"}],
        ) from None
    if not isinstance(value, dict):
        raise invalid(
            'the parameters must be a JSON object, such as {"start_date": "2026-01-01"}',
            [{"loc": ["form", "parameters"], "msg": "not an object", "type": "value_error"}],
        )
    return value


@router.post("/{pipeline_id}/run")
async def run_pipeline(
    pipeline_id: str,
    principal: Editor,
    form: CheckedForm,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
) -> Response:
    """Start a run of the current version and open its page."""
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    parameters = _parameters(form.get("parameters", ""))
    try:
        execution = await runs.submit(session, client, settings, pipeline, parameters)
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "form", "parameters") from None
    return RedirectResponse(f"/ui/runs/{execution.id}", status_code=303)
