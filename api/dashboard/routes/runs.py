"""Runs: the list, one run live (progress, metrics, step timeline, logs), its events, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.dashboard.live import event_stream, read_run, run_events
from api.dashboard.rendering import fragment_context, render
from api.dashboard.session import CheckedForm
from api.deps import ClientDep, Editor, SessionDep, SettingsDep, Viewer
from core.temporal import workflow_ui_url
from domain.status import RunStatus
from services import runs
from store import monitoring as monitoring_store
from store import runs as run_store
from store.errors import Conflict

router = APIRouter(prefix="/ui/runs", include_in_schema=False)

PAGE_SIZE = 25
LOG_LINES = 200


@router.get("")
async def run_list(
    request: Request,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
    pipeline: str | None = None,
    status: Annotated[RunStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    rows, total = await run_store.page(
        session,
        principal.tenant_id,
        pipeline_id=pipeline or None,
        status=status.value if status else None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    names = await monitoring_store.pipeline_names(session, principal.tenant_id)
    steps = await run_store.steps_of(session, [row.id for row in rows])
    items = []
    for row in rows:
        snapshot = await runs.snapshot_of(session, client, row, steps[row.id], live=False)
        items.append(
            {
                "id": row.id,
                "pipeline_id": row.pipeline_id,
                "pipeline_name": names.get(row.pipeline_id, row.pipeline_id),
                "version": row.pipeline_version,
                "status": snapshot.status.value,
                "active": not snapshot.status.finished,
                "percentage": snapshot.progress.percentage,
                "rows": snapshot.rows_processed,
                "submitted_at": row.submitted_at,
                "elapsed_ms": run_store.elapsed_ms(row.started_at, row.finished_at),
                "temporal_url": workflow_ui_url(settings, row.workflow_id),
            }
        )
    return render(
        request,
        "runs.html",
        {
            "runs": items,
            "any_active": any(item["active"] for item in items),
            "refresh_url": f"{request.url.path}?{request.url.query}",
            "total": total,
            "page": page,
            "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            "pipelines": sorted(names.items(), key=lambda item: item[1]),
            "statuses": [s.value for s in RunStatus],
            "filters": {"pipeline": pipeline or "", "status": status.value if status else ""},
        },
        principal=principal,
        section="runs",
    )


@router.get("/{execution_id}")
async def run_page(
    execution_id: str,
    request: Request,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> Response:
    run, approval, _ = await read_run(
        request.app.state.db, client, settings, principal.tenant_id, execution_id
    )
    return render(
        request,
        "run.html",
        {"run": run, "approval": approval},
        principal=principal,
        section="runs",
    )


@router.get("/{execution_id}/events")
async def run_event_stream(
    execution_id: str,
    request: Request,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> Response:
    """Server-sent events of the run's page (see ``api.dashboard.live``)."""
    await run_store.get(session, principal.tenant_id, execution_id)  # 404 before streaming
    stream = run_events(
        request,
        request.app.state.db,
        client,
        settings,
        principal.tenant_id,
        execution_id,
        fragment_context(request, principal),
    )
    return event_stream(stream)


@router.get("/{execution_id}/logs")
async def run_logs(
    execution_id: str,
    request: Request,
    session: SessionDep,
    principal: Viewer,
    task: str | None = None,
) -> Response:
    row = await run_store.get(session, principal.tenant_id, execution_id)
    lines = await run_store.logs(session, row.id, task=task or None, lines=LOG_LINES)
    tasks = list(dict.fromkeys(step.name for step in await run_store.steps(session, row.id)))
    context = {
        "execution_id": row.id,
        "lines": lines,
        "task": task,
        "tasks": tasks,
        "limit": LOG_LINES,
    }
    return render(request, "_logs.html", context, principal=principal)


@router.post("/{execution_id}/cancel")
async def cancel_run(
    execution_id: str,
    principal: Editor,
    form: CheckedForm,
    session: SessionDep,
    client: ClientDep,
) -> Response:
    row = await run_store.get(session, principal.tenant_id, execution_id)
    if RunStatus(row.status).finished or not await runs.cancel(client, row, session):
        raise Conflict(
            f"run {execution_id} has already finished ({row.status}); nothing to cancel",
            code="EXECUTION_FINISHED",
        )
    await runs.outcome_after_cancel(session, client, row)
    return RedirectResponse(f"/ui/runs/{execution_id}", status_code=303)
