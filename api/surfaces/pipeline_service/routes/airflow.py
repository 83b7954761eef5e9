"""Airflow views over Ductwork: DAG = deployed pipeline version, DAG run = run,
task instance = step, pause = pause the pipeline's schedules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import ClientDep, Editor, SessionDep, SettingsDep, Viewer
from api.errors import missing_parameters
from api.schemas.lifecycle import TriggerDag
from api.surfaces.pipeline_service.words import (
    AIRFLOW_RUN_STATES,
    AIRFLOW_TASK_STATES,
    airflow_state,
)
from services import runs, schedules
from store import deployments as deployment_store
from store import pipelines as pipeline_store
from store import runs as run_store
from store import schedules as schedule_store
from store.errors import NotFound
from store.models import Execution, Pipeline
from store.models.lifecycle import Deployment

router = APIRouter(prefix="/v1/airflow", tags=["airflow"])


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _dag(session: AsyncSession, tenant_id: str, dag_id: str) -> tuple[Deployment, Pipeline]:
    deployment = await deployment_store.by_dag_id(session, tenant_id, dag_id)
    try:
        pipeline = await pipeline_store.get(session, tenant_id, deployment.pipeline_id)
    except NotFound:
        raise NotFound(f"DAG {dag_id!r} not found", code="DAG_NOT_FOUND") from None
    return deployment, pipeline


async def _dag_out(session: AsyncSession, deployment: Deployment, pipeline: Pipeline) -> dict:
    rows = await schedule_store.listed(session, pipeline.tenant_id, pipeline_id=pipeline.id)
    paused = pipeline.status == "PAUSED" or (bool(rows) and not any(r.enabled for r in rows))
    return {
        "dagId": deployment.dag_id,
        "pipelineId": pipeline.id,
        "description": pipeline.description,
        "isPaused": paused,
        "isActive": True,
        "scheduleInterval": rows[0].cron if rows else None,
        "timezone": rows[0].timezone if rows else None,
        "tags": pipeline.tags,
        "version": deployment.version,
        "environment": deployment.environment,
        "fileloc": deployment.dag_path,
        "deployedAt": _iso(deployment.deployed_at),
    }


def _run_out(dag_id: str, row: Execution) -> dict:
    return {
        "dagRunId": row.id,
        "dagId": dag_id,
        "state": airflow_state(AIRFLOW_RUN_STATES, row.status),
        "status": row.status,
        "logicalDate": _iso(row.submitted_at),
        "startDate": _iso(row.started_at),
        "endDate": _iso(row.finished_at),
        "conf": row.parameters,
        "workflowId": row.workflow_id,
    }


@router.get("/dags")
async def list_dags(session: SessionDep, principal: Viewer) -> dict:
    dags, seen = [], set()
    for deployment in await deployment_store.deployed(session, principal.tenant_id):
        if deployment.pipeline_id in seen:
            continue  # the newest live deployment stands for the pipeline
        seen.add(deployment.pipeline_id)
        try:
            pipeline = await pipeline_store.get(
                session, principal.tenant_id, deployment.pipeline_id
            )
        except NotFound:
            continue  # deleted since
        dags.append(await _dag_out(session, deployment, pipeline))
    return {"dags": dags, "totalEntries": len(dags)}


@router.get("/dags/{dag_id}")
async def get_dag(dag_id: str, session: SessionDep, principal: Viewer) -> dict:
    deployment, pipeline = await _dag(session, principal.tenant_id, dag_id)
    return await _dag_out(session, deployment, pipeline)


@router.get("/dags/{dag_id}/runs")
async def dag_runs(
    dag_id: str,
    session: SessionDep,
    principal: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 25,
    offset: Annotated[int, Query(ge=0, le=500_000_000)] = 0,  # past 64 bits: a 500
) -> dict:
    _, pipeline = await _dag(session, principal.tenant_id, dag_id)
    rows, total = await run_store.page(
        session,
        principal.tenant_id,
        pipeline_id=pipeline.id,
        status=None,
        offset=offset,
        limit=limit,
    )
    return {"dagRuns": [_run_out(dag_id, r) for r in rows], "totalEntries": total}


async def _run(session: AsyncSession, tenant_id: str, dag_id: str, run_id: str) -> Execution:
    _, pipeline = await _dag(session, tenant_id, dag_id)
    row = await run_store.get(session, tenant_id, run_id)
    if row.pipeline_id != pipeline.id:
        raise NotFound(f"DAG run {run_id!r} not found in {dag_id!r}", code="DAG_RUN_NOT_FOUND")
    return row


@router.get("/dags/{dag_id}/runs/{run_id}/tasks")
async def task_instances(dag_id: str, run_id: str, session: SessionDep, principal: Viewer) -> dict:
    row = await _run(session, principal.tenant_id, dag_id, run_id)
    steps = await run_store.steps(session, row.id)
    tasks = [
        {
            "taskId": s.name,
            "dagId": dag_id,
            "dagRunId": row.id,
            "state": airflow_state(AIRFLOW_TASK_STATES, s.status),
            "status": s.status,
            "operator": s.kind,
            "tryNumber": s.attempt,
            "startDate": _iso(s.started_at),
            "endDate": _iso(s.finished_at),
            "rows": s.rows,
            "bytes": s.bytes,
            "error": s.error,
        }
        for s in steps
    ]
    return {"taskInstances": tasks, "totalEntries": len(tasks)}


@router.get("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/logs")
async def task_logs(
    dag_id: str,
    run_id: str,
    task_id: str,
    session: SessionDep,
    principal: Viewer,
    lines: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict:
    row = await _run(session, principal.tenant_id, dag_id, run_id)
    steps = {s.name for s in await run_store.steps(session, row.id)}
    if task_id not in steps and task_id != "run":
        raise NotFound(f"task {task_id!r} not found in run {run_id!r}", code="TASK_NOT_FOUND")
    found = await run_store.logs(session, row.id, task=task_id, lines=lines)
    text = "\n".join(f"[{x.ts.isoformat()}] {x.level} - {x.message}" for x in found)
    return {"dagId": dag_id, "dagRunId": row.id, "taskId": task_id, "content": text}


@router.post("/dags/{dag_id}/trigger")
async def trigger_dag(
    dag_id: str,
    body: TriggerDag,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict:
    deployment, pipeline = await _dag(session, principal.tenant_id, dag_id)
    try:
        # A DAG is one deployed version: its run executes that version, not a later edit.
        execution = await runs.submit(
            session, client, settings, pipeline, dict(body.conf), version=deployment.version
        )
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "body", "conf") from None
    return _run_out(dag_id, execution)


async def _pause(session: AsyncSession, client, tenant_id: str, dag_id: str, paused: bool) -> dict:  # type: ignore[no-untyped-def]
    deployment, pipeline = await _dag(session, tenant_id, dag_id)
    await schedules.pause_pipeline_schedules(client, session, tenant_id, pipeline.id, paused)
    return await _dag_out(session, deployment, pipeline)


@router.post("/dags/{dag_id}/pause")
async def pause_dag(dag_id: str, session: SessionDep, client: ClientDep, principal: Editor) -> dict:
    return await _pause(session, client, principal.tenant_id, dag_id, True)


@router.post("/dags/{dag_id}/unpause")
async def unpause_dag(
    dag_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> dict:
    return await _pause(session, client, principal.tenant_id, dag_id, False)
