"""The pipeline service API schedules: Temporal Schedules of pipelines, under
/v1/pipelines/schedules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from temporalio.client import Client

from api.deps import ClientDep, Editor, PageDep, SessionDep, SettingsDep, Viewer
from api.errors import invalid, missing_parameters
from api.pagination import paged
from api.schemas.lifecycle import ScheduleCreate, ScheduleOut, ScheduleTriggered, ScheduleUpdateBody
from services import runs, schedules
from store import pipelines as pipeline_store
from store import schedules as schedule_store
from store.models import utcnow
from store.models.lifecycle import PipelineSchedule

router = APIRouter(prefix="/v1/pipelines/schedules", tags=["schedules"])


def _refused(exc: schedules.InvalidSchedule):  # type: ignore[no-untyped-def]
    return invalid(str(exc), [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}])


async def _out(client: Client, row: PipelineSchedule) -> ScheduleOut:
    upcoming, recent = await schedules.next_runs(client, row)
    return ScheduleOut(
        schedule_id=row.id,
        pipeline_id=row.pipeline_id,
        cron_expression=row.cron,
        timezone=row.timezone,
        parameters=row.parameters,
        enabled=row.enabled,
        origin=row.origin,
        next_run_times=upcoming,
        recent_run_times=recent,
        temporal_schedule_id=row.temporal_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _check_parameters(session, pipeline, parameters: dict) -> None:  # type: ignore[no-untyped-def]
    """``services.runs.check_parameters``, done before a schedule's runs are due, as a 422."""
    try:
        await runs.check_parameters(session, pipeline, parameters)
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "body", "parameters") from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScheduleOut)
async def create_schedule(
    body: ScheduleCreate,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> ScheduleOut:
    pipeline = await pipeline_store.get(session, principal.tenant_id, body.pipeline_id)
    await _check_parameters(session, pipeline, body.parameters)
    try:
        row = await schedules.create(
            client,
            session,
            settings,
            pipeline,
            cron=body.cron_expression,
            timezone=body.timezone,
            parameters=body.parameters,
            enabled=body.enabled,
            created_by=principal.subject,
        )
    except schedules.InvalidSchedule as exc:
        raise _refused(exc) from None
    return await _out(client, row)


@router.get("", response_model=None)
async def list_schedules(
    request: Request,
    response: Response,
    session: SessionDep,
    client: ClientDep,
    principal: Viewer,
    page: PageDep,
    pipeline_id: Annotated[str | None, Query(alias="pipelineId")] = None,
) -> dict:
    rows = await schedule_store.listed(session, principal.tenant_id, pipeline_id=pipeline_id)
    chosen = rows[page.offset : page.offset + page.size]
    items = [(await _out(client, r)).model_dump(by_alias=True, mode="json") for r in chosen]
    return paged(request, response, items, len(rows), page)


@router.get("/{schedule_id}", response_model=ScheduleOut)
async def get_schedule(
    schedule_id: str, session: SessionDep, client: ClientDep, principal: Viewer
) -> ScheduleOut:
    return await _out(client, await schedule_store.get(session, principal.tenant_id, schedule_id))


@router.put("/{schedule_id}", response_model=ScheduleOut)
async def update_schedule(
    schedule_id: str,
    body: ScheduleUpdateBody,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> ScheduleOut:
    row = await schedule_store.get(session, principal.tenant_id, schedule_id)
    if body.parameters is not None:
        pipeline = await pipeline_store.get(session, principal.tenant_id, row.pipeline_id)
        await _check_parameters(session, pipeline, body.parameters)
    try:
        row = await schedules.update(
            client,
            session,
            settings,
            row,
            cron=body.cron_expression,
            timezone=body.timezone,
            parameters=body.parameters,
            enabled=body.enabled,
        )
    except schedules.InvalidSchedule as exc:
        raise _refused(exc) from None
    return await _out(client, row)


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(
    schedule_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> Response:
    row = await schedule_store.get(session, principal.tenant_id, schedule_id)
    await schedules.delete(client, session, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{schedule_id}/trigger",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ScheduleTriggered,
)
async def trigger_schedule(
    schedule_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> ScheduleTriggered:
    row = await schedule_store.get(session, principal.tenant_id, schedule_id)
    await schedules.trigger(client, row)
    return ScheduleTriggered(schedule_id=row.id, triggered_at=utcnow())
