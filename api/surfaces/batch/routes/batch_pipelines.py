"""/api/pipeline (named batch pipelines API): trigger a pipeline by name with a batch, its status,
runs, cancel.

A pipeline here is an asset pipeline (the built-in credit-scoring ones, or the tenant's own:
routes/asset_definitions.py), or else a Ductwork pipeline addressed by its name. An asset
pipeline's run shows each asset with its status, times and output; a Ductwork run shows each
step as one of the ``assets``, its parameters being the batch id and the config.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.deps import ClientDep, Editor, OnePage, SessionDep, SettingsDep, Viewer
from api.errors import invalid, missing_parameters
from api.pagination import paged_per_page
from api.surfaces.batch import views
from api.surfaces.batch.routes import asset_definitions
from api.surfaces.batch.schemas.batch_pipelines import (
    CancelRequested,
    RunList,
    RunOut,
    RunSummary,
    Triggered,
    TriggerRequest,
)
from api.surfaces.batch.words import RUN_WORDS, from_word, run_word
from domain.status import RunStatus
from services import asset_pipelines, runs, syncs
from store import asset_runs
from store import runs as run_store
from store import syncs as sync_store
from store.asset_runs import seconds_between
from store.errors import Conflict, NotFound
from store.models import Execution

router = APIRouter(prefix="/api/pipeline", tags=["batch pipelines (named batch pipelines API)"])
router.include_router(asset_definitions.router)


def _not_found(name: str) -> dict[str, str]:
    return {"code": "PIPELINE_NOT_FOUND", "message": f"Pipeline {name!r} not found"}


def _run_not_found(run_id: str) -> NotFound:
    return NotFound(f"Pipeline run {run_id!r} not found", code="RUN_NOT_FOUND")


async def _run(session: SessionDep, tenant_id: str, run_id: str) -> Execution:
    try:
        return await run_store.get(session, tenant_id, run_id)
    except NotFound:
        raise _run_not_found(run_id) from None


@router.post("/trigger/{pipeline}", response_model=Triggered)
async def trigger(
    pipeline: str,
    body: TriggerRequest,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> Triggered:
    assets = await asset_pipelines.find(session, principal.tenant_id, pipeline)
    if assets is not None:
        try:
            run = await asset_pipelines.trigger(
                session, client, settings, principal.tenant_id, assets, body.batch_id, body.config
            )
        except ValueError as exc:
            raise invalid(
                str(exc), [{"loc": ["body", "config"], "msg": str(exc), "type": "value_error"}]
            ) from None
        return Triggered(
            run_id=run.id,
            pipeline=run.pipeline,
            status=run_word(run.status),
            batch_id=run.batch_id,
            started_at=run.submitted_at,
        )
    found = await syncs.pipeline_named(
        session, principal.tenant_id, pipeline, **_not_found(pipeline)
    )
    parameters = {**body.config, "batch_id": body.batch_id}
    try:
        execution = await runs.submit(session, client, settings, found, parameters)
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "body", "config") from None
    return Triggered(
        run_id=execution.id,
        pipeline=found.name,
        status=run_word(execution.status),
        batch_id=body.batch_id,
        started_at=execution.submitted_at,
    )


@router.get("/status/{run_id}", response_model=RunOut)
async def run_status(
    run_id: str, session: SessionDep, client: ClientDep, principal: Viewer
) -> RunOut:
    if asset_pipelines.is_asset_run(run_id):
        view = await asset_pipelines.view(session, client, principal.tenant_id, run_id)
        return views.asset_run_out(view)
    run = await runs.snapshot_of(session, client, await _run(session, principal.tenant_id, run_id))
    row, status = run.execution, run.status
    pipeline = await sync_store.pipeline_name(session, row.pipeline_id)
    parameters = dict(row.parameters)
    batch_id = views.batch_of(parameters)
    parameters.pop("batch_id", None)
    return RunOut(
        run_id=row.id,
        pipeline=pipeline,
        status=RUN_WORDS[status],
        batch_id=batch_id,
        config=parameters,
        started_at=row.started_at or row.submitted_at,
        ended_at=row.finished_at if status.finished else None,
        duration_seconds=seconds_between(row.started_at or row.submitted_at, row.finished_at),
        assets={s.name: views.step_out(s) for s in run.steps},
        error=views.run_failure(row, run.steps),
    )


@router.get("/runs", response_model=RunList)
async def list_runs(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    pipeline: Annotated[str | None, Query(description="filter by pipeline name")] = None,
    status: Annotated[str | None, Query(description="QUEUED, STARTED, SUCCESS, FAILURE…")] = None,
    batch_id: Annotated[str | None, Query(description="filter by batch")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="max results")] = 20,
    page: OnePage = 1,
) -> RunList:
    """Asset runs and Ductwork runs together, newest first."""
    statuses = None
    if status is not None:
        wanted = from_word(status)
        if wanted is None:
            words = ", ".join(RUN_WORDS.values())
            raise invalid(
                f"unknown status {status!r}: use one of {words}",
                [{"loc": ["query", "status"], "msg": f"one of {words}", "type": "enum"}],
            )
        statuses = [wanted.value]
    tenant = principal.tenant_id
    wanted_rows = page * limit  # the newest of each kind, merged below
    filters: dict[str, Any] = {"statuses": statuses, "batch_id": batch_id, "limit": wanted_rows}
    asset_rows: list = []
    asset_total = 0
    execution_rows: list = []
    execution_total = 0
    assets = None
    if pipeline is not None:
        assets = await asset_pipelines.find(session, tenant, pipeline)
    if pipeline is None or assets is not None:
        asset_rows, asset_total = await asset_runs.page_runs(
            session, tenant, pipeline=pipeline, **filters
        )
    if assets is None:
        pipeline_id = None
        if pipeline is not None:
            found = await syncs.pipeline_named(session, tenant, pipeline, **_not_found(pipeline))
            pipeline_id = found.id
        execution_rows, execution_total = await sync_store.runs(
            session, tenant, pipeline_id=pipeline_id, offset=0, **filters
        )
    summaries: list[tuple] = [(r.submitted_at, views.asset_run_summary(r)) for r in asset_rows]
    summaries += [(row.submitted_at, views.run_summary(row, name)) for row, name in execution_rows]
    summaries.sort(key=lambda pair: pair[0], reverse=True)
    total = asset_total + execution_total
    chosen: list[RunSummary] = [s for _, s in summaries[(page - 1) * limit : wanted_rows]]
    paged_per_page(request, response, total, page, limit, size_param="limit")
    return RunList(runs=chosen, total=total, page=page, per_page=limit)


@router.post("/cancel/{run_id}", response_model=CancelRequested)
async def cancel(
    run_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> CancelRequested:
    if asset_pipelines.is_asset_run(run_id):
        run = await asset_runs.get_run(session, principal.tenant_id, run_id)
        finished = f"Pipeline run {run_id!r} has already finished ({run_word(run.status)})"
        if RunStatus(run.status).finished or not await asset_pipelines.cancel(client, run):
            raise Conflict(finished, code="RUN_ALREADY_FINISHED")
        return CancelRequested(
            run_id=run.id, status="CANCELING", message="Pipeline cancellation requested"
        )
    row = await _run(session, principal.tenant_id, run_id)
    finished = f"Pipeline run {run_id!r} has already finished ({run_word(row.status)})"
    if RunStatus(row.status).finished:
        raise Conflict(finished, code="RUN_ALREADY_FINISHED")
    requested = await runs.cancel(client, row, session)
    if not requested:
        raise Conflict(finished, code="RUN_ALREADY_FINISHED")
    # The documented answer says CANCELING; its message tells the outcome once it is known
    # (a cancel that came after the load had committed is too late: the run completes).
    message = "Pipeline cancellation requested"
    row = await runs.outcome_after_cancel(session, client, row)
    if RunStatus(row.status).finished:
        message = f"{message}; {runs.cancel_message(row)}"
    return CancelRequested(run_id=row.id, status="CANCELING", message=message)
