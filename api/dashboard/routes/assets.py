"""Asset pipelines (the built-in credit-scoring ones and the tenant's own): the list with their
assets and recent runs, one pipeline (assets, dependencies, config keys, runs), starting a run
with a batch id and config, and one run live (per asset: status, start, end, output), cancel.

Roles are those of the named batch pipelines API under /api/pipeline: reading needs a viewer,
triggering and cancelling an editor.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.asset_runs import asset_run_events, read_asset_run
from api.dashboard.live import event_stream
from api.dashboard.rendering import fragment_context, render
from api.dashboard.session import CheckedForm
from api.deps import ClientDep, Editor, SessionDep, SettingsDep, Viewer
from api.errors import ApiError, invalid
from core.settings import Settings
from core.temporal import workflow_ui_url
from domain.definition.base import Scalar
from domain.status import RunStatus
from services import asset_pipelines
from store import asset_runs
from store import runs as run_store
from store.errors import Conflict, NotFound
from store.models.assets import AssetRun

router = APIRouter(include_in_schema=False)

RECENT_RUNS = 25
BATCH_ID_LIMIT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


async def _pipeline(
    session: AsyncSession, tenant_id: str, name: str
) -> asset_pipelines.AssetPipeline:
    found = await asset_pipelines.find(session, tenant_id, name)
    if found is None:
        raise NotFound(f"Pipeline {name!r} not found", code="PIPELINE_NOT_FOUND")
    return found


def _run_id(run_id: str) -> str:
    if not asset_pipelines.is_asset_run(run_id):
        raise NotFound(f"Pipeline run {run_id!r} not found", code="RUN_NOT_FOUND")
    return run_id


def _run_rows(rows: list[AssetRun], settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            "run": row,
            "active": row.status in asset_runs.ACTIVE,
            "elapsed_ms": run_store.elapsed_ms(row.started_at, row.finished_at),
            "temporal_url": workflow_ui_url(settings, row.workflow_id),
        }
        for row in rows
    ]


@router.get("/ui/assets")
async def asset_pipeline_list(
    request: Request, session: SessionDep, settings: SettingsDep, principal: Viewer
) -> Response:
    pipelines = await asset_pipelines.every(session, principal.tenant_id)
    rows, total = await asset_runs.page_runs(session, principal.tenant_id, limit=RECENT_RUNS)
    runs = _run_rows(rows, settings)
    return render(
        request,
        "assets.html",
        {
            "pipelines": pipelines,
            "runs": runs,
            "total": total,
            "any_active": any(r["active"] for r in runs),
        },
        principal=principal,
        section="assets",
    )


@router.get("/ui/assets/{name}")
async def asset_pipeline_page(
    name: str, request: Request, session: SessionDep, settings: SettingsDep, principal: Viewer
) -> Response:
    pipeline = await _pipeline(session, principal.tenant_id, name)
    rows, total = await asset_runs.page_runs(
        session, principal.tenant_id, pipeline=pipeline.name, limit=RECENT_RUNS
    )
    runs = _run_rows(rows, settings)
    return render(
        request,
        "asset_pipeline.html",
        {
            "pipeline": pipeline,
            "definition": pipeline.definition,
            "runs": runs,
            "total": total,
            "any_active": any(r["active"] for r in runs),
        },
        principal=principal,
        section="assets",
    )


def _refused(field: str, message: str) -> ApiError:
    return invalid(message, [{"loc": ["form", field], "msg": message, "type": "value_error"}])


def _value(key: str, default: Scalar, text: str) -> Scalar:
    """A config field's text as the key's kind (that of its default)."""
    field = f"config.{key}"
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise _refused(field, f"config.{key} must be true or false, not {text!r}")
        return text.lower() == "true"
    if isinstance(default, int | float):
        try:
            number: float = int(text) if isinstance(default, int) else float(text)
        except ValueError:
            kind = "an integer" if isinstance(default, int) else "a number"
            raise _refused(field, f"config.{key} must be {kind}, not {text!r}") from None
        if not math.isfinite(number):
            raise _refused(field, f"config.{key} must be a finite number, not {text!r}")
        return number
    return text


def _trigger_fields(
    pipeline: asset_pipelines.AssetPipeline, form: dict[str, str]
) -> tuple[str, dict[str, Scalar]]:
    """The form's batch id and the config keys it sets (an empty field keeps the default)."""
    batch_id = form.get("batch_id", "").strip()
    if not batch_id:
        raise _refused("batch_id", "enter a batch id, such as BATCH_001")
    if len(batch_id) > BATCH_ID_LIMIT or _CONTROL.search(batch_id):
        raise _refused(
            "batch_id", f"a batch id has at most {BATCH_ID_LIMIT} characters and no control ones"
        )
    config: dict[str, Scalar] = {}
    for key, spec in pipeline.definition.config.items():
        text = form.get(f"config.{key}", "").strip()
        if text:
            config[key] = _value(key, spec.default, text)
    return batch_id, config


@router.post("/ui/assets/{name}/run")
async def run_asset_pipeline(
    name: str,
    principal: Editor,
    form: CheckedForm,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
) -> Response:
    """Start a run with the form's batch id and config, and open its page."""
    pipeline = await _pipeline(session, principal.tenant_id, name)
    batch_id, config = _trigger_fields(pipeline, form)
    try:
        run = await asset_pipelines.trigger(
            session, client, settings, principal.tenant_id, pipeline, batch_id, config
        )
    except ValueError as exc:
        raise _refused("config", str(exc)) from None
    return RedirectResponse(f"/ui/asset-runs/{run.id}", status_code=303)


@router.get("/ui/asset-runs/{run_id}")
async def asset_run_page(
    run_id: str, request: Request, client: ClientDep, settings: SettingsDep, principal: Viewer
) -> Response:
    run = await read_asset_run(
        request.app.state.db, client, settings, principal.tenant_id, _run_id(run_id)
    )
    return render(request, "asset_run.html", {"run": run}, principal=principal, section="assets")


@router.get("/ui/asset-runs/{run_id}/events")
async def asset_run_event_stream(
    run_id: str,
    request: Request,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> Response:
    """Server-sent events of the asset run's page (see ``api.dashboard.live``)."""
    await asset_runs.get_run(session, principal.tenant_id, _run_id(run_id))  # 404 first
    stream = asset_run_events(
        request,
        request.app.state.db,
        client,
        settings,
        principal.tenant_id,
        run_id,
        fragment_context(request, principal),
    )
    return event_stream(stream)


@router.post("/ui/asset-runs/{run_id}/cancel")
async def cancel_asset_run(
    run_id: str, principal: Editor, form: CheckedForm, session: SessionDep, client: ClientDep
) -> Response:
    run = await asset_runs.get_run(session, principal.tenant_id, _run_id(run_id))
    if RunStatus(run.status).finished or not await asset_pipelines.cancel(client, run):
        raise Conflict(
            f"Pipeline run {run_id!r} has already finished ({run.status}); nothing to cancel",
            code="RUN_ALREADY_FINISHED",
        )
    return RedirectResponse(f"/ui/asset-runs/{run_id}", status_code=303)
