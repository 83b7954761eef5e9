"""Activities of approvals, deployments and scheduled runs: the store, files, git, Temporal."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.runtime import ActivityDeps, queue_settings
from domain.airflow_dag import dag_file_name, dag_id, render_dag
from domain.definition import PipelineDefinition
from services import runs
from services import schedules as schedule_core
from services.definition_validation import check_definition
from store import approvals as approval_store
from store import deployments as deployment_store
from store import pipelines as pipeline_store
from store.alerts import AlertKind, Severity, raise_alert
from store.errors import Conflict, NotFound
from store.models import Pipeline, utcnow
from store.models.lifecycle import Approval, Deployment
from workflows.lifecycle_payloads import (
    ApplySchedule,
    ApprovalRecord,
    ApprovalStatus,
    DeployInput,
    DeployPlan,
    FinishDeployment,
    PublishDag,
    ScheduledRunInput,
    ScheduledRunResult,
    ScheduleMiss,
)

GIT_TIMEOUT_S = 30


def _terminal(message: str, type_: str) -> ApplicationError:
    return ApplicationError(message, type=type_, non_retryable=True)


class LifecycleActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps
        self.db = deps.db

    # --- approvals -------------------------------------------------------------------------

    @activity.defn(name="record_approval_request")
    async def record_approval_request(self, record: ApprovalRecord) -> None:
        request, state = record.request, record.state
        async with self.db.session() as session:
            if await approval_store.get(session, state.request_id) is not None:
                return  # a retry of a write that landed
            await approval_store.save(
                session,
                Approval(
                    id=state.request_id,
                    tenant_id=request.tenant_id,
                    workflow_id=state.workflow_id,
                    kind=request.kind,
                    subject=request.subject,
                    pipeline_id=request.pipeline_id,
                    execution_id=request.execution_id,
                    status=state.status.value,
                    requested_by=request.requested_by,
                    requested_at=state.requested_at,
                    expires_at=state.expires_at,
                ),
            )

    @activity.defn(name="record_approval_decision")
    async def record_approval_decision(self, record: ApprovalRecord) -> None:
        request, state = record.request, record.state
        async with self.db.session() as session:
            row = await approval_store.get(session, state.request_id)
            if row is None:
                raise ApplicationError(
                    f"approval request {state.request_id} is not recorded",
                    type="APPROVAL_NOT_FOUND",
                )
            if row.status != ApprovalStatus.PENDING.value:
                return  # a retry of a write that landed
            if state.status == ApprovalStatus.EXPIRED:
                # Before the row changes, and keyed: a retry after either write raises it once.
                await raise_alert(
                    session,
                    tenant_id=request.tenant_id,
                    kind=AlertKind.APPROVAL_EXPIRED,
                    severity=Severity.HIGH,
                    message=f"approval request expired without a decision: {request.subject}",
                    pipeline_id=request.pipeline_id,
                    execution_id=request.execution_id,
                    details={"requestId": state.request_id, "workflowId": state.workflow_id},
                    key=state.request_id,
                )
            row.status = state.status.value
            row.decided_by = state.decided_by
            row.reason = state.reason
            row.actor = record.actor
            row.decided_at = state.decided_at
            await approval_store.save(session, row)

    # --- deployments -----------------------------------------------------------------------

    @activity.defn(name="validate_deployment")
    async def validate_deployment(self, deploy: DeployInput) -> DeployPlan:
        async with self.db.session() as session:
            recorded = await session.get(Deployment, deploy.deployment_id)
            if recorded is None or recorded.status != "PENDING":
                # Given up (or settled) before Temporal took its start: nothing is published.
                raise _terminal(
                    f"deployment {deploy.deployment_id} is no longer pending "
                    f"({recorded.status if recorded else 'discarded'}); nothing is deployed",
                    "DEPLOYMENT_SETTLED",
                )
            try:
                pipeline = await pipeline_store.get(session, deploy.tenant_id, deploy.pipeline_id)
                version = await pipeline_store.get_version(session, pipeline.id, deploy.version)
            except NotFound as exc:
                raise _terminal(exc.message, "PIPELINE_NOT_FOUND") from exc
            try:
                definition = PipelineDefinition.model_validate(version.definition)
            except ValidationError as exc:
                raise _terminal(
                    f"version {version.label} is invalid: {exc}", "INVALID_DEFINITION"
                ) from exc
            problems, _ = await check_definition(
                session, self.deps.cipher, self.deps.service_settings, deploy.tenant_id, definition
            )
            held = await schedule_core.environment_schedule(
                session, deploy.tenant_id, pipeline.id, deploy.environment
            )
        if problems:
            text = "; ".join(p.msg for p in problems)
            raise _terminal(
                f"version {version.label} cannot be deployed: {text}", "INVALID_DEFINITION"
            )
        schedule = deploy.schedule or definition.orchestration.schedule
        timezone = deploy.timezone or definition.orchestration.timezone
        if not schedule and held is not None and held.environment == deploy.environment:
            # The environment keeps its schedule, which moves to the version deployed now.
            schedule, timezone = held.cron, deploy.timezone or held.timezone
        if schedule:
            try:
                schedule_core.check_cron(schedule)
                schedule_core.check_timezone(timezone)
            except schedule_core.InvalidSchedule as exc:
                raise _terminal(str(exc), "INVALID_SCHEDULE") from exc
        the_dag_id = dag_id(deploy.tenant_id, pipeline.id, deploy.version)
        return DeployPlan(pipeline.name, version.label, the_dag_id, schedule, timezone)

    @activity.defn(name="publish_dag")
    async def publish_dag(self, publish: PublishDag) -> str | None:
        """Write the DAG file (watch_folder) or commit it (git_sync); the path, or None (api)."""
        deploy = publish.deploy
        if deploy.mode == "api":
            return None
        async with self.db.session() as session:
            pipeline = await session.get(Pipeline, deploy.pipeline_id)
            version = await pipeline_store.get_version(session, deploy.pipeline_id, deploy.version)
        name = pipeline.name if pipeline else publish.dag_id
        try:
            file_name = dag_file_name(publish.dag_id)
        except ValueError as exc:
            raise _terminal(str(exc), "INVALID_DAG_ID") from exc
        source = render_dag(name, version.definition, publish.schedule, dag_id=publish.dag_id)
        folder = Path((deploy.git_repo if deploy.mode == "git_sync" else deploy.dag_folder) or ".")
        fresh_repo = deploy.mode == "git_sync" and not (folder / ".git").exists()
        path = await asyncio.to_thread(_write_atomically, folder / file_name, source)
        if fresh_repo:
            await _git(folder, "init", "--quiet")
        if deploy.mode == "git_sync":
            await _git(folder, "add", path.name)
            staged = await _git(folder, "diff", "--cached", "--name-only")
            if staged.strip():
                await _git(
                    folder,
                    "-c",
                    "user.name=Ductwork",
                    "-c",
                    "user.email=ductwork@localhost",
                    "commit",
                    "--quiet",
                    "-m",
                    f"Deploy {publish.dag_id} (version {deploy.version}) by {deploy.requested_by}",
                )
        return str(path.resolve())

    @activity.defn(name="apply_schedule")
    async def apply_schedule(self, apply: ApplySchedule) -> None:
        async with self.db.session() as session:
            try:
                await schedule_core.set_pipeline_schedule(
                    activity.client(),
                    session,
                    queue_settings(),
                    apply.tenant_id,
                    apply.pipeline_id,
                    apply.schedule,
                    apply.timezone,
                    environment=apply.environment,
                    version=apply.version,
                )
            except schedule_core.InvalidSchedule as exc:
                raise _terminal(str(exc), "INVALID_SCHEDULE") from exc

    @activity.defn(name="finish_deployment")
    async def finish_deployment(self, finish: FinishDeployment) -> None:
        async with self.db.session() as session:
            row = await session.get(Deployment, finish.deployment_id)
            if row is None or row.status != "PENDING":
                return  # a retry of a write that landed, or an end recorded first: it stands
            now = utcnow()
            row.status, row.message = finish.status, finish.message
            row.dag_path = finish.dag_path or row.dag_path
            row.schedule = finish.schedule or row.schedule
            row.timezone = finish.timezone or row.timezone
            if finish.status == "DEPLOYED":
                row.deployed_at = row.deployed_at or now
                earlier = await deployment_store.for_pipeline(
                    session,
                    row.tenant_id,
                    row.pipeline_id,
                    statuses=("DEPLOYED",),
                    environment=row.environment,
                )
                for other in earlier:
                    if other.id != row.id:
                        other.status = "SUPERSEDED"
                        session.add(other)
                pipeline = await session.get(Pipeline, row.pipeline_id)
                if pipeline is not None and pipeline.status == "CREATED":
                    pipeline.status = "ACTIVE"
                    pipeline.updated_at = now
                    session.add(pipeline)
            session.add(row)
            await session.commit()

    # --- scheduled runs --------------------------------------------------------------------

    @activity.defn(name="start_scheduled_run")
    async def start_scheduled_run(self, scheduled: ScheduledRunInput) -> ScheduledRunResult:
        """Start the run a schedule asks for, the way the API does; a skip raises an alert."""
        workflow_id = activity.info().workflow_id
        if workflow_id is None:  # only a standalone activity has none; this one runs in a workflow
            raise ApplicationError(
                "start_scheduled_run runs inside the scheduled-run workflow only",
                type="NoWorkflow",
                non_retryable=True,
            )
        async with self.db.session() as session:
            try:
                pipeline = await pipeline_store.get(
                    session, scheduled.tenant_id, scheduled.pipeline_id
                )
            except NotFound:
                reason = (
                    f"pipeline {scheduled.pipeline_id} no longer exists (deleted); "
                    f"delete schedule {scheduled.schedule_id} if it is still there"
                )
                return await self._missed(session, scheduled, reason)
            if pipeline.status == "PAUSED":
                # Pausing pauses the schedules too: this fire raced the pause, or was triggered.
                reason = (
                    f"pipeline {pipeline.name!r} is paused; resume it (status active) "
                    "to let its schedule run it"
                )
                return await self._missed(session, scheduled, reason)
            try:
                execution = await runs.submit(
                    session,
                    activity.client(),
                    queue_settings(),
                    pipeline,
                    dict(scheduled.parameters),
                    version=scheduled.version,  # a deployment's schedule runs what it deployed
                    # A retry after a crash between the row and the start finds its own run.
                    execution_id=runs.execution_id_for(workflow_id),
                )
            except (NotFound, Conflict, runs.MissingParameters) as exc:
                reason = getattr(exc, "message", None) or str(exc)
                return await self._missed(session, scheduled, reason)
            return ScheduledRunResult(execution.id)

    @activity.defn(name="record_schedule_miss")
    async def record_schedule_miss(self, miss: ScheduleMiss) -> None:
        """The run could not be started at all (e.g. Temporal refused it, retries ran out)."""
        async with self.db.session() as session:
            await self._missed(session, miss.scheduled, miss.reason)

    async def _missed(
        self, session: AsyncSession, scheduled: ScheduledRunInput, reason: str
    ) -> ScheduledRunResult:
        # Keyed by this fire's workflow (Temporal appends the scheduled time to its id), so a
        # retried activity raises the alert once.
        fire = activity.info().workflow_id
        await raise_alert(
            session,
            tenant_id=scheduled.tenant_id,
            kind=AlertKind.SCHEDULE_MISSED,
            severity=Severity.MEDIUM,
            message=f"scheduled run skipped: {reason}",
            pipeline_id=scheduled.pipeline_id,
            details={"scheduleId": scheduled.schedule_id, "workflowId": fire},
            key=fire,
        )
        return ScheduledRunResult(None, reason)


def _write_atomically(path: Path, text: str) -> Path:
    """Write then rename, so a DAG processor never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".py.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


async def _git(repo: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=repo,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), GIT_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        raise ApplicationError(f"git {_verb(args)} timed out", type="GIT_FAILED") from None
    if process.returncode != 0:
        raise _terminal(f"git {_verb(args)} failed: {err.decode().strip()}", "GIT_FAILED")
    return out.decode()


def _verb(args: tuple[str, ...]) -> str:
    return next((a for a in args if not a.startswith("-") and "=" not in a), "")
