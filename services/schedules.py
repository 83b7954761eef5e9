"""Pipeline schedules as Temporal Schedules: cron + IANA time zone, pause, trigger, delete.

The store keeps one row per schedule (for listing and tenancy); the schedule itself, its
timing and its pause state live in Temporal. Each action starts a ``ScheduledRunWorkflow``,
which starts the run the same way the API does (``services.runs.submit``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from core.settings import Settings
from store import pipelines as pipeline_store
from store import schedules as schedule_store
from store.errors import NotFound
from store.models import Pipeline, utcnow
from store.models.lifecycle import PipelineSchedule
from workflows.lifecycle_payloads import ScheduledRunInput

SCHEDULED_RUN_WORKFLOW = "ScheduledRunWorkflow"
# Every schedule's policies, set explicitly rather than left to Temporal's defaults:
# - overlap SKIP: a time whose action (the short ScheduledRunWorkflow) is still running is
#   skipped; a pipeline run still in progress is refused by the action itself, which raises a
#   SCHEDULE_MISSED alert (one run per pipeline at a time, as on the API).
# - catchup window 10 min: times missed while the Temporal server was down are started late
#   when it is back within this window, else skipped (counted in the schedule's description).
# - pause on failure off: one failed scheduled run must not stop the next ones.
OVERLAP_POLICY = ScheduleOverlapPolicy.SKIP
CATCHUP_WINDOW = timedelta(minutes=10)
SCHEDULE_POLICY = SchedulePolicy(
    overlap=OVERLAP_POLICY, catchup_window=CATCHUP_WINDOW, pause_on_failure=False
)


class InvalidSchedule(ValueError):
    """A cron expression or time zone that Temporal cannot schedule."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def temporal_id(tenant_id: str, schedule_id: str) -> str:
    return temporal.workflow_id("schedule", tenant_id, schedule_id)


def check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule(
            f"unknown time zone {timezone!r}: use an IANA name such as 'America/New_York'",
            "timezone",
        ) from None


def check_cron(cron: str) -> None:
    text = cron.strip()
    if not text:
        raise InvalidSchedule("the cron expression is empty", "cronExpression")
    if not text.startswith("@") and len(text.split()) not in (5, 6, 7):
        raise InvalidSchedule(
            f"invalid cron expression {cron!r}: expected 5 fields (minute hour day month "
            "weekday) or a shorthand such as @daily",
            "cronExpression",
        )


def _spec(row: PipelineSchedule) -> ScheduleSpec:
    return ScheduleSpec(cron_expressions=[row.cron], time_zone_name=row.timezone)


def _schedule(row: PipelineSchedule, pipeline: Pipeline, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            SCHEDULED_RUN_WORKFLOW,
            ScheduledRunInput(
                row.tenant_id, row.pipeline_id, row.id, dict(row.parameters), row.pipeline_version
            ),
            # Temporal appends the scheduled time, so every action has its own id.
            id=temporal.workflow_id("scheduled", row.tenant_id, row.id),
            task_queue=task_queue,
            typed_search_attributes=_attributes(pipeline, "scheduled"),
            static_summary=f"scheduled run of {pipeline.name}",
        ),
        spec=_spec(row),
        policy=SCHEDULE_POLICY,
        state=ScheduleState(paused=not row.enabled, note=f"{pipeline.name}: {row.cron}"),
    )


def _attributes(pipeline: Pipeline, kind: str) -> TypedSearchAttributes:
    return temporal.search_attributes(pipeline.tenant_id, kind, pipeline.id, pipeline.name)


def _invalid(exc: RPCError) -> InvalidSchedule:
    return InvalidSchedule(f"Temporal refused the schedule: {exc.message}", "cronExpression")


async def create(
    client: Client,
    session: AsyncSession,
    settings: Settings,
    pipeline: Pipeline,
    *,
    cron: str,
    timezone: str = "UTC",
    parameters: dict[str, Any] | None = None,
    enabled: bool = True,
    origin: str = "api",
    created_by: str = "system",
    environment: str | None = None,
    pipeline_version: int | None = None,
) -> PipelineSchedule:
    """Create the Temporal Schedule, then its row (a refused schedule leaves no row).

    A deployment's schedule gives its ``environment`` and the ``pipeline_version`` it runs.
    """
    check_cron(cron)
    check_timezone(timezone)
    now = utcnow()
    schedule_id = f"sched-{uuid.uuid4().hex}"
    row = PipelineSchedule(
        id=schedule_id,
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        origin=origin,
        cron=cron.strip(),
        timezone=timezone,
        parameters=parameters or {},
        enabled=enabled,
        environment=environment,
        pipeline_version=pipeline_version,
        temporal_id=temporal_id(pipeline.tenant_id, schedule_id),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    try:
        await client.create_schedule(
            row.temporal_id,
            _schedule(row, pipeline, settings.temporal.task_queue),
            search_attributes=_attributes(pipeline, "schedule"),
        )
    except RPCError as exc:
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid(exc) from exc
        raise
    session.add(row)
    try:
        await session.commit()
    except Exception:
        await client.get_schedule_handle(row.temporal_id).delete()
        raise
    return row


async def update(
    client: Client,
    session: AsyncSession,
    settings: Settings,
    row: PipelineSchedule,
    *,
    cron: str | None = None,
    timezone: str | None = None,
    parameters: dict[str, Any] | None = None,
    enabled: bool | None = None,
    environment: str | None = None,
    pipeline_version: int | None = None,
) -> PipelineSchedule:
    """Change what was given; Temporal first, so a refused change leaves the row as it was.

    The pinned version changes only when given (by a deployment): editing the timing or the
    parameters of a deployment's schedule never makes it run another version.
    """
    if cron is not None:
        check_cron(cron)
    if timezone is not None:
        check_timezone(timezone)
    pipeline = await session.get(Pipeline, row.pipeline_id)
    if pipeline is None:  # the foreign key keeps it; a clear error rather than a crash on None
        raise NotFound(f"pipeline {row.pipeline_id!r} not found", code="PIPELINE_NOT_FOUND")
    changed = PipelineSchedule.model_validate(row.model_dump())
    changed.cron = cron.strip() if cron is not None else row.cron
    changed.timezone = timezone or row.timezone
    changed.parameters = parameters if parameters is not None else row.parameters
    changed.enabled = row.enabled if enabled is None else enabled
    changed.environment = environment or row.environment
    changed.pipeline_version = pipeline_version or row.pipeline_version
    new = _schedule(changed, pipeline, settings.temporal.task_queue)

    def updater(_: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(schedule=new)

    try:
        await client.get_schedule_handle(row.temporal_id).update(updater)
    except RPCError as exc:
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid(exc) from exc
        raise
    row.cron, row.timezone = changed.cron, changed.timezone
    row.parameters, row.enabled = changed.parameters, changed.enabled
    row.environment, row.pipeline_version = changed.environment, changed.pipeline_version
    row.updated_at = utcnow()
    session.add(row)
    await session.commit()
    return row


async def delete(client: Client, session: AsyncSession, row: PipelineSchedule) -> None:
    try:
        await client.get_schedule_handle(row.temporal_id).delete()
    except RPCError as exc:
        if exc.status is not RPCStatusCode.NOT_FOUND:
            raise
    await session.delete(row)
    await session.commit()


async def set_paused(
    client: Client, session: AsyncSession, row: PipelineSchedule, paused: bool
) -> None:
    handle: ScheduleHandle = client.get_schedule_handle(row.temporal_id)
    if paused:
        await handle.pause(note="paused through Ductwork")
    else:
        await handle.unpause(note="resumed through Ductwork")
    row.enabled = not paused
    row.updated_at = utcnow()
    session.add(row)
    await session.commit()


async def trigger(client: Client, row: PipelineSchedule) -> None:
    """Run the schedule's action now, whatever its pause state."""
    await client.get_schedule_handle(row.temporal_id).trigger(
        overlap=ScheduleOverlapPolicy.ALLOW_ALL
    )


async def next_runs(client: Client, row: PipelineSchedule) -> tuple[list, list]:
    """(next action times, recent action times) as Temporal computes them."""
    try:
        described = await client.get_schedule_handle(row.temporal_id).describe()
    except RPCError:
        return [], []
    info = described.info
    return list(info.next_action_times[:5]), [a.scheduled_at for a in info.recent_actions[-5:]]


# --- for the pipeline endpoints: the pipeline's own schedule and all of its schedules --------


async def pause_pipeline_schedules(
    client: Client, session: AsyncSession, tenant_id: str, pipeline_id: str, paused: bool
) -> None:
    """Pause (or resume) every schedule of the pipeline."""
    for row in await schedule_store.listed(session, tenant_id, pipeline_id=pipeline_id):
        if row.enabled == paused:
            await set_paused(client, session, row, paused)


async def delete_pipeline_schedules(
    client: Client, session: AsyncSession, tenant_id: str, pipeline_id: str
) -> None:
    """Remove every schedule of the pipeline, in Temporal and in the store."""
    for row in await schedule_store.listed(session, tenant_id, pipeline_id=pipeline_id):
        await delete(client, session, row)


async def set_pipeline_schedule(
    client: Client,
    session: AsyncSession,
    settings: Settings,
    tenant_id: str,
    pipeline_id: str,
    cron: str | None,
    timezone: str = "UTC",
    *,
    environment: str | None = None,
    version: int | None = None,
) -> None:
    """Create, change or (cron None) remove the pipeline's own schedule.

    A deployment gives its ``environment`` and ``version``: it sets that environment's schedule
    (taking over the pipeline's unpinned one, if any) and pins it to the version, so a later
    version runs on that schedule only once it is deployed there (and approved, where needed).
    Raises InvalidSchedule for a cron expression or time zone Temporal cannot use.
    """
    pipeline = await pipeline_store.get(session, tenant_id, pipeline_id)
    if environment is None:
        own = await schedule_store.pipeline_own(session, tenant_id, pipeline_id)
    else:
        own = await environment_schedule(session, tenant_id, pipeline_id, environment)
    if cron is None:
        if own is not None:
            await delete(client, session, own)
        return
    if own is None:
        await create(
            client,
            session,
            settings,
            pipeline,
            cron=cron,
            timezone=timezone,
            enabled=pipeline.status != "PAUSED",
            origin="pipeline",
            environment=environment,
            pipeline_version=version,
        )
    elif (own.cron, own.timezone, own.environment, own.pipeline_version) != (
        cron.strip(),
        timezone,
        environment or own.environment,
        version or own.pipeline_version,
    ):
        await update(
            client,
            session,
            settings,
            own,
            cron=cron,
            timezone=timezone,
            environment=environment,
            pipeline_version=version,
        )


async def environment_schedule(
    session: AsyncSession, tenant_id: str, pipeline_id: str, environment: str
) -> PipelineSchedule | None:
    """The schedule of the pipeline's deployments to ``environment``, else its unpinned own one.

    Never another environment's: deploying to staging leaves production's schedule (and the
    version it runs) alone.
    """
    rows = await schedule_store.listed(session, tenant_id, pipeline_id=pipeline_id)
    own = [r for r in rows if r.origin == "pipeline"]
    return next((r for r in own if r.environment == environment), None) or next(
        (r for r in own if r.environment is None), None
    )
