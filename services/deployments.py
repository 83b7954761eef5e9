"""Starting a DeploymentWorkflow and reading its outcome (deploy and rollback share this)."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from core.settings import Settings
from domain.airflow_dag import dag_id
from services.runs import START_TIMEOUT, START_WINDOW, TemporalUnavailable
from store import deployments as deployment_store
from store.errors import Conflict
from store.models import Pipeline, utcnow
from store.models.lifecycle import Deployment
from workflows.deployment import DeploymentWorkflow
from workflows.lifecycle_payloads import DeployInput, DeployResult

MODES = ("watch_folder", "api", "git_sync")
_ENVIRONMENT = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class DeploymentFailed(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Started:
    deployment: Deployment
    needs_approval: bool


def environment_name(text: str) -> str:
    """An environment's one spelling: NFKC, surrounding whitespace stripped, case-folded.

    Every comparison and every stored deployment uses it. Raises ValueError for a name that is
    empty or holds anything but letters, digits, ``.``, ``_`` and ``-`` (an invisible or
    look-alike character would otherwise name a second "production" that needs no approval).
    """
    name = _folded(text)
    if not _ENVIRONMENT.fullmatch(name):
        raise ValueError(
            f"invalid environment {text!r}: use 1-64 letters, digits, '.', '_' or '-' "
            "(e.g. production, staging)"
        )
    return name


def needs_approval(settings: Settings, environment: str) -> bool:
    """Whether deploying to ``environment`` waits for an approval (``approval_environments``)."""
    return _folded(environment) in {_folded(e) for e in settings.lifecycle.approval_environments}


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


async def start(
    client: Client,
    session: AsyncSession,
    settings: Settings,
    pipeline: Pipeline,
    *,
    version: int,
    environment: str,
    mode: str,
    requested_by: str,
    schedule: str | None = None,
    timezone: str | None = None,
) -> Started:
    """Record a PENDING deployment and start its workflow; Conflict when one is live.

    The deployment pins ``version``: its DAG file and its schedule run that version only.
    """
    environment = environment_name(environment)
    live = await deployment_store.for_pipeline(
        session, pipeline.tenant_id, pipeline.id, environment=environment
    )
    for row in live:
        if row.status == "PENDING" and await settle(client, session, row):
            continue  # its workflow never started, or ended without recording it
        if row.status == "PENDING":
            raise Conflict(
                f"a deployment of pipeline {pipeline.name!r} to {environment} is in progress "
                f"(version {row.version}, workflow {row.workflow_id}); "
                "approve, reject or cancel it",
                code="DEPLOYMENT_IN_PROGRESS",
            )
        if row.version == version:
            raise Conflict(
                f"version {version} of pipeline {pipeline.name!r} is already deployed to "
                f"{environment} (since {row.deployed_at.isoformat() if row.deployed_at else '?'})",
                code="PIPELINE_ALREADY_DEPLOYED",
            )
    deployment_id = f"dep-{uuid.uuid4().hex}"
    approval = needs_approval(settings, environment)
    row = Deployment(
        id=deployment_id,
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        version=version,
        environment=environment,
        mode=mode,
        status="PENDING",
        dag_id=dag_id(pipeline.tenant_id, pipeline.id, version),
        schedule=schedule,
        timezone=timezone or "UTC",
        workflow_id=temporal.workflow_id(
            "deploy", pipeline.tenant_id, f"{pipeline.id}/{version}/{deployment_id}"
        ),
        requested_by=requested_by,
        created_at=utcnow(),
    )
    session.add(row)
    await session.commit()
    lifecycle = settings.lifecycle
    try:
        start = client.start_workflow(
            DeploymentWorkflow.run,
            DeployInput(
                deployment_id=deployment_id,
                tenant_id=pipeline.tenant_id,
                pipeline_id=pipeline.id,
                version=version,
                environment=environment,
                mode=mode,
                requested_by=requested_by,
                needs_approval=approval,
                approval_timeout_seconds=lifecycle.approval_timeout_seconds,
                schedule=schedule,
                timezone=timezone,
                dag_folder=str(lifecycle.dag_folder or settings.data_dir / "dags"),
                git_repo=str(lifecycle.git_repo or settings.data_dir / "dags-repo"),
            ),
            id=row.workflow_id,
            task_queue=settings.temporal.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=temporal.search_attributes(
                pipeline.tenant_id, "deploy", pipeline.id, pipeline.name
            ),
            static_summary=f"deploy {pipeline.name} v{version} to {environment}",
            rpc_timeout=START_TIMEOUT,
        )
        await asyncio.wait_for(start, START_TIMEOUT.total_seconds())
    except (RPCError, TimeoutError) as exc:
        # Not accepted, or not in time. Should the start land after all, its workflow finds no
        # PENDING deployment and stops before publishing anything (validate_deployment).
        await session.delete(row)
        await session.commit()
        if isinstance(exc, TimeoutError):
            raise TemporalUnavailable(
                f"Temporal did not accept the deployment within {START_TIMEOUT.seconds} s"
            ) from exc
        raise
    return Started(row, approval)


async def settle(client: Client, session: AsyncSession, row: Deployment) -> bool:
    """End a PENDING deployment whose workflow will never record its end: one Temporal does not
    know once no start can still be under way (the API died while it waited), or one that
    closed without recording (terminated from outside). True when it was settled."""
    try:
        described = await client.get_workflow_handle(row.workflow_id).describe()
    except RPCError as exc:
        if exc.status is not RPCStatusCode.NOT_FOUND or utcnow() - row.created_at < START_WINDOW:
            return False
        status = "FAILED"
        message = "never started: the API stopped before Temporal accepted the deployment"
    else:
        closed = described.status
        if closed in (None, WorkflowExecutionStatus.RUNNING):
            return False
        status = "CANCELLED" if closed is WorkflowExecutionStatus.CANCELED else "FAILED"
        message = f"workflow ended as {closed.name} without recording its outcome"
    return await deployment_store.settle(session, row, status, message)


async def wait(client: Client, row: Deployment, seconds: float) -> DeployResult | None:
    """The outcome within ``seconds``, else None; DeploymentFailed when it failed."""
    handle = client.get_workflow_handle(row.workflow_id, result_type=DeployResult)
    try:
        return await asyncio.wait_for(
            handle.result(rpc_timeout=timedelta(seconds=seconds)), seconds
        )
    except TimeoutError:
        return None
    except WorkflowFailureError as exc:
        cause: BaseException | None = exc.cause
        while not isinstance(cause, ApplicationError) and cause is not None:
            cause = cause.__cause__
        message = cause.message if isinstance(cause, ApplicationError) else str(exc)
        code = (cause.type if isinstance(cause, ApplicationError) else None) or "DEPLOYMENT_FAILED"
        raise DeploymentFailed(message, code) from None
