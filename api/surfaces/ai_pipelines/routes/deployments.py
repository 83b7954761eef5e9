"""The AI-ETL pipelines API: ``POST /api/v1/pipelines/{id}:deploy`` and ``POST
/api/v1/pipelines/{id}:rollback``."""

from __future__ import annotations

import contextlib
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Response, status
from sqlmodel import col, select
from temporalio.service import RPCError

from api.deps import CipherDep, ClientDep, Editor, SessionDep, SettingsDep
from api.errors import ApiError, invalid
from api.schemas.lifecycle import DeployRequest, DeployResponse, RollbackRequest, RollbackResponse
from api.surfaces.ai_pipelines.review import require_confirmation
from core.settings import Settings
from core.temporal import workflow_ui_url
from domain.definition import PipelineDefinition
from services import deployments, schedules
from services.definition_validation import check_definition, problems_code
from services.runs import TemporalUnavailable
from store import deployments as deployment_store
from store import pipelines as pipeline_store
from store.errors import Conflict, NotFound
from store.models import PipelineVersion, utcnow
from store.models.lifecycle import Deployment

router = APIRouter(prefix="/api/v1/pipelines", tags=["deployments"])


def _details(settings: Settings, row: Deployment, **extra: object) -> dict:
    return {
        "deployment_id": row.id,
        "dag_id": row.dag_id,
        "dag_path": row.dag_path,
        "deployed_at": row.deployed_at.isoformat() if row.deployed_at else None,
        "airflow_url": f"{settings.api.base_url}/v1/airflow/dags/{row.dag_id}",
        "environment": row.environment,
        "mode": row.mode,
        "version": row.version,
        "schedule": row.schedule,
        "workflow_id": row.workflow_id,
        "temporal_ui_url": workflow_ui_url(settings, row.workflow_id),
        **extra,
    }


ENVIRONMENT_MODES = ("development", "staging", "production")
"""Environments ``?mode=`` may name (the document deploys to staging before production)."""


def _mode_and_body(mode: str, body: DeployRequest, settings: Settings) -> tuple[str, DeployRequest]:
    """``?mode=staging`` deploys to the staging environment the watch_folder way."""
    if mode in deployments.MODES:
        return mode, body
    try:
        environment = deployments.environment_name(mode)
    except ValueError:
        environment = ""
    known = (*ENVIRONMENT_MODES, *settings.lifecycle.approval_environments)
    if environment not in {deployments.environment_name(e) for e in known}:
        message = (
            f"unknown mode {mode!r}: use a deployment mode ({', '.join(deployments.MODES)}) "
            f"or an environment ({', '.join(dict.fromkeys(known))})"
        )
        raise invalid(message, [{"loc": ["query", "mode"], "msg": message, "type": "enum"}])
    if "environment" in body.model_fields_set and body.environment != environment:
        message = (
            f"mode {mode!r} names environment {environment!r} but the body names "
            f"{body.environment!r}: give one of them"
        )
        raise invalid(
            message, [{"loc": ["body", "environment"], "msg": message, "type": "value_error"}]
        )
    return "watch_folder", body.model_copy(update={"environment": environment})


async def _deploy(
    session,
    client,
    settings: Settings,
    pipeline,
    *,
    version: int,
    environment: str,
    mode: str,
    requested_by: str,
    schedule: str | None,
    timezone: str | None,
) -> tuple[str, Deployment]:
    """Start a deployment and wait for it unless it waits for approval; (status, row)."""
    try:
        started = await deployments.start(
            client,
            session,
            settings,
            pipeline,
            version=version,
            environment=environment,
            mode=mode,
            requested_by=requested_by,
            schedule=schedule,
            timezone=timezone,
        )
    except RPCError as exc:
        raise TemporalUnavailable(exc.message) from exc
    row = started.deployment
    if started.needs_approval:
        return "pending_approval", row
    try:
        result = await deployments.wait(client, row, settings.lifecycle.deploy_wait_seconds)
    except deployments.DeploymentFailed as exc:
        raise ApiError(422, "DEPLOYMENT_FAILED", exc.message, [{"type": exc.code}]) from None
    await session.refresh(row)
    return ("deployed" if result is not None else "deploying"), row


@router.post("/{pipeline_id}:deploy", response_model=DeployResponse)
async def deploy_pipeline(
    pipeline_id: str,
    response: Response,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
    mode: Annotated[
        str,
        Query(
            description="how to deploy (watch_folder, api, git_sync), or the environment to "
            "deploy to (development, staging, production) with watch_folder"
        ),
    ] = "watch_folder",
    body: Annotated[DeployRequest | None, Body()] = None,
    confirm: Annotated[
        bool, Query(description="deploy a generated version needing review")
    ] = False,
) -> DeployResponse:
    body = body or DeployRequest()
    mode, body = _mode_and_body(mode, body, settings)
    if deployments.needs_approval(settings, body.environment) and not principal.has_role("admin"):
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            f"deploying to {body.environment} needs the admin role: ask an admin of the tenant",
        )
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    await require_confirmation(
        session, principal.tenant_id, pipeline, confirm or body.confirm, "deploy"
    )
    try:
        if body.schedule is not None:
            schedules.check_cron(body.schedule)
        if body.timezone is not None:
            schedules.check_timezone(body.timezone)
    except schedules.InvalidSchedule as exc:
        loc = "schedule" if exc.field == "cronExpression" else "timezone"
        raise invalid(
            str(exc), [{"loc": ["body", loc], "msg": str(exc), "type": "value_error"}]
        ) from None
    state, row = await _deploy(
        session,
        client,
        settings,
        pipeline,
        version=pipeline.current_version,
        environment=body.environment,
        mode=mode,
        requested_by=principal.subject,
        schedule=body.schedule,
        timezone=body.timezone,
    )
    if state != "deployed":
        response.status_code = status.HTTP_202_ACCEPTED
    extra = {"approval": _approval_links(settings, row)} if state == "pending_approval" else {}
    return DeployResponse(status=state, details=_details(settings, row, **extra))


def _approval_links(settings: Settings, row: Deployment) -> dict:
    """Where the decision a deployment waits for is taken: the AI-ETL platform API's approvals
    (by the deployment's id), or the pipeline service API's ``approval`` signal."""
    base = settings.api.base_url
    return {
        "approve_url": f"{base}/api/v1/approvals/{row.id}:approve",
        "reject_url": f"{base}/api/v1/approvals/{row.id}:reject",
        "approvals_url": f"{base}/api/v1/approvals?workflow_id={quote(row.workflow_id, safe='')}",
        "signal_url": f"{base}/v1/pipelines/workflows/{row.workflow_id}/signal",
        "role": "admin",
    }


@router.post("/{pipeline_id}:rollback", response_model=RollbackResponse)
async def rollback_pipeline(
    pipeline_id: str,
    body: RollbackRequest,
    session: SessionDep,
    cipher: CipherDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> RollbackResponse:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    current = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    target = await _version(session, pipeline.id, body.version)
    if target.number == current.number:
        raise Conflict(
            f"version {target.number} ({target.label}) is already the current version",
            code="ALREADY_AT_VERSION",
        )
    definition = PipelineDefinition.model_validate(target.definition)
    problems, ids = await check_definition(
        session, cipher, settings, principal.tenant_id, definition
    )
    if problems:
        raise invalid(
            f"version {target.number} cannot be restored: " + "; ".join(p.msg for p in problems),
            [p.as_dict() for p in problems],
            code=problems_code(problems),
        )
    restored = PipelineVersion(
        pipeline_id=pipeline.id,
        number=current.number + 1,
        label=pipeline_store.next_label(current.label, None),
        definition=target.definition,
        created_by=principal.subject,
        description=f"rollback to version {target.number} ({target.label})",
        created_at=utcnow(),
    )
    await pipeline_store.add_version(session, pipeline, restored, set(ids.values()))
    pipeline.updated_at = utcnow()
    session.add(pipeline)
    await session.commit()
    details: dict = {
        "previous_version": current.number,
        "rolled_back_to": target.number,
        "new_version": restored.number,
        "new_version_label": restored.label,
        "redeployed": False,
    }
    live = await deployment_store.for_pipeline(
        session, principal.tenant_id, pipeline.id, statuses=("DEPLOYED",)
    )
    if live:
        last = live[0]
        if deployments.needs_approval(settings, last.environment) and not principal.has_role(
            "admin"
        ):
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                f"redeploying to {last.environment} needs the admin role: ask a tenant admin",
            )
        state, row = await _deploy(
            session,
            client,
            settings,
            pipeline,
            version=restored.number,
            environment=last.environment,
            mode=last.mode,
            requested_by=principal.subject,
            schedule=last.schedule,
            timezone=last.timezone,
        )
        details["redeployed"] = state == "deployed"
        details["deployment"] = {"status": state, **_details(settings, row)}
    return RollbackResponse(status="rolled_back", version=target.number, details=details)


async def _version(session, pipeline_id: str, wanted: int | str) -> PipelineVersion:
    text = str(wanted)
    if isinstance(wanted, int) or (text.isascii() and text.isdigit()):
        # Past the column's 32 bits no version matches (and the driver would raise: a 500).
        row = None
        if abs(int(text)) < 2**31:
            with contextlib.suppress(NotFound):
                row = await pipeline_store.get_version(session, pipeline_id, int(text))
    else:
        result = await session.exec(
            select(PipelineVersion)
            .where(PipelineVersion.pipeline_id == pipeline_id, PipelineVersion.label == wanted)
            .order_by(col(PipelineVersion.number))
        )
        row = result.first()
    if row is None:
        raise NotFound(
            f"version {wanted!r} of pipeline {pipeline_id!r} not found", code="VERSION_NOT_FOUND"
        )
    return row
