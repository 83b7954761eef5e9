"""/api/pipeline (named batch pipelines API): trigger a pipeline by name with a batch, its status,
runs, cancel.

A the named batch pipelines API "pipeline" is a Ductwork pipeline addressed by its name; a trigger
is a run started
through ``services.runs.submit`` whose parameters are the batch id and the config. Each step of the
run is one of the status's ``assets``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import ClientDep, Editor, OnePage, SessionDep, SettingsDep, Viewer
from api.errors import invalid, missing_parameters
from api.pagination import paged_per_page
from api.surfaces.batch.schemas.batch_pipelines import (
    AssetOut,
    CancelRequested,
    RunList,
    RunOut,
    RunSummary,
    Triggered,
    TriggerRequest,
)
from api.surfaces.batch.words import RUN_WORDS, from_word, run_word
from domain.status import RunStatus
from services import runs, syncs
from store import runs as run_store
from store import syncs as sync_store
from store.errors import Conflict, NotFound
from store.models import Execution, RunStep

router = APIRouter(prefix="/api/pipeline", tags=["batch pipelines (named batch pipelines API)"])


def _not_found(name: str) -> dict[str, str]:
    return {"code": "PIPELINE_NOT_FOUND", "message": f"Pipeline {name!r} not found"}


async def _run(session: SessionDep, tenant_id: str, run_id: str) -> Execution:
    try:
        return await run_store.get(session, tenant_id, run_id)
    except NotFound:
        raise NotFound(f"Pipeline run {run_id!r} not found", code="RUN_NOT_FOUND") from None


def _seconds(row: Execution) -> int | None:
    ms = run_store.elapsed_ms(row.started_at, row.finished_at)
    return None if ms is None else round(ms / 1000)


@router.post("/trigger/{pipeline}", response_model=Triggered)
async def trigger(
    pipeline: str,
    body: TriggerRequest,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> Triggered:
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
    run = await runs.snapshot_of(session, client, await _run(session, principal.tenant_id, run_id))
    row, status = run.execution, run.status
    pipeline = await sync_store.pipeline_name(session, row.pipeline_id)
    parameters = dict(row.parameters)
    batch_id = parameters.pop("batch_id", None)
    return RunOut(
        run_id=row.id,
        pipeline=pipeline,
        status=RUN_WORDS[status],
        batch_id=batch_id,
        config=parameters,
        started_at=row.started_at or row.submitted_at,
        ended_at=row.finished_at if status.finished else None,
        duration_seconds=_seconds(row),
        assets={s.name: _asset(s) for s in run.steps},
        error=row.error,
    )


def _asset(step: RunStep) -> AssetOut:
    word = from_word(step.status)
    return AssetOut(
        status=RUN_WORDS[word] if word else step.status,
        started_at=step.started_at,
        ended_at=step.finished_at,
        output={"kind": step.kind, "rows": step.rows, "bytes": step.bytes},
        error=step.error,
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
    pipeline_id = None
    if pipeline is not None:
        found = await syncs.pipeline_named(
            session, principal.tenant_id, pipeline, **_not_found(pipeline)
        )
        pipeline_id = found.id
    rows, total = await sync_store.runs(
        session,
        principal.tenant_id,
        pipeline_id=pipeline_id,
        statuses=statuses,
        batch_id=batch_id,
        offset=(page - 1) * limit,
        limit=limit,
    )
    paged_per_page(request, response, total, page, limit, size_param="limit")
    return RunList(
        runs=[
            RunSummary(
                run_id=row.id,
                pipeline=name,
                status=run_word(row.status),
                batch_id=row.parameters.get("batch_id"),
                started_at=row.started_at or row.submitted_at,
                duration_seconds=_seconds(row),
                error=row.error,
            )
            for row, name in rows
        ],
        total=total,
        page=page,
        per_page=limit,
    )


@router.post("/cancel/{run_id}", response_model=CancelRequested)
async def cancel(
    run_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> CancelRequested:
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
