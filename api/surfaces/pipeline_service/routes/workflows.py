"""The pipeline service API workflow management: status, signal and cancel on any Ductwork workflow.

``{workflowId}`` is a Temporal workflow id such as ``default/run/exec-…`` (slashes allowed,
encoded or not). A workflow is visible only when its DuctworkTenant search attribute is the
caller's tenant; otherwise, as for an unknown id, the answer is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ClientDep, Editor, Principal, SessionDep, SettingsDep, Viewer
from api.errors import ApiError, invalid
from api.schemas.lifecycle import ApprovalData, SignalRequest
from core import temporal
from core.temporal import workflow_ui_url
from services import approvals
from services.runs import TemporalUnavailable
from store import approvals as approval_store
from store import runs as run_store
from store.errors import NotFound
from workflows.lifecycle_payloads import APPROVAL_UPDATE, ApprovalDecision

router = APIRouter(prefix="/v1/pipelines/workflows", tags=["workflows"])

APPROVAL_EXAMPLE = (
    '{"approved": true|false, "approvedBy": "steward@acme.com", "reason": "why (optional)"}'
)


async def _owned(
    client: Client, principal: Principal, workflow_id: str, session: AsyncSession
) -> tuple[WorkflowHandle, WorkflowExecutionDescription]:
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise await _expired_or_not_found(session, principal, workflow_id) from None
    if described.typed_search_attributes.get(temporal.TENANT) != principal.tenant_id:
        raise _not_found(workflow_id)
    return handle, described


async def _expired_or_not_found(
    session: AsyncSession, principal: Principal, workflow_id: str
) -> Exception:
    """A run the store remembers but Temporal does not: its history outlived the namespace's
    retention (410, saying where the run's record is); anything else: 404."""
    run_prefix = temporal.workflow_id("run", principal.tenant_id, "")
    if workflow_id.startswith(run_prefix):
        try:
            execution = await run_store.get(
                session, principal.tenant_id, workflow_id.removeprefix(run_prefix)
            )
        except NotFound:
            return _not_found(workflow_id)
        if execution.finished_at is not None:
            return ApiError(
                410,
                "WORKFLOW_HISTORY_EXPIRED",
                f"the history of workflow {workflow_id!r} is no longer kept: Temporal deletes "
                "a closed workflow after the namespace's retention "
                "(DUCTWORK_TEMPORAL__RETENTION_DAYS with `ductwork up`); the run's record "
                f"stays, with its steps and logs: GET /v1/pipelines/executions/{execution.id}",
            )
    return _not_found(workflow_id)


def _not_found(workflow_id: str) -> NotFound:
    return NotFound(f"workflow {workflow_id!r} not found", code="WORKFLOW_NOT_FOUND")


def _closed(workflow_id: str, described: WorkflowExecutionDescription) -> ApiError:
    name = described.status.name if described.status else "CLOSED"
    return ApiError(409, "WORKFLOW_CLOSED", f"workflow {workflow_id!r} has already ended ({name})")


@router.get("/{workflow_id:path}/status")
async def workflow_status(
    workflow_id: str,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> dict[str, Any]:
    _, described = await _owned(client, principal, workflow_id, session)
    attributes = described.typed_search_attributes
    approval = await approval_store.latest_for_workflow(session, principal.tenant_id, workflow_id)
    if approval is not None and described.close_time is not None:
        await approvals.settle_closed(session, approval, described.status)
    return {
        "workflowId": described.id,
        "runId": described.run_id,
        "workflowType": described.workflow_type,
        "status": described.status.name if described.status else None,
        "kind": attributes.get(temporal.KIND),
        "pipelineId": attributes.get(temporal.PIPELINE_ID),
        "pipelineName": attributes.get(temporal.PIPELINE_NAME),
        "taskQueue": described.task_queue,
        "startTime": described.start_time.isoformat(),
        "closeTime": described.close_time.isoformat() if described.close_time else None,
        "historyLength": described.history_length,
        "approval": approvals.state_of(approval) if approval else None,
        "temporalUiUrl": workflow_ui_url(settings, described.id),
    }


@router.post("/{workflow_id:path}/signal")
async def signal_workflow(
    workflow_id: str,
    body: SignalRequest,
    session: SessionDep,
    client: ClientDep,
    principal: Editor,
) -> dict[str, Any]:
    handle, described = await _owned(client, principal, workflow_id, session)
    if body.signal_name != APPROVAL_UPDATE:
        if described.close_time is not None:
            raise _closed(workflow_id, described)
        try:
            await handle.signal(body.signal_name, body.data)
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise _closed(workflow_id, described) from None
            raise
        return {"workflowId": workflow_id, "signalName": body.signal_name, "accepted": True}
    if not principal.has_role("admin"):
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            "approval decisions need the admin role: ask an admin of tenant "
            f"{principal.tenant_id!r} to decide, or call with an admin's credential",
        )
    try:
        data = ApprovalData.model_validate(body.data)
    except ValidationError as exc:
        raise invalid(
            f"invalid approval decision: send data {APPROVAL_EXAMPLE}",
            [
                {"loc": ["body", "data", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from None
    if not (data.approved_by or "").strip():
        # Checked here too, so the answer does not depend on the workflow's state.
        message = f"approvedBy is required: who takes this decision, e.g. {APPROVAL_EXAMPLE}"
        raise invalid(
            message,
            [{"loc": ["body", "data", "approvedBy"], "msg": "required", "type": "missing"}],
        )
    decision = ApprovalDecision(data.approved, data.approved_by, data.reason, principal.subject)
    try:
        state = await approvals.decide(client, session, principal.tenant_id, workflow_id, decision)
    except approvals.ApprovalInvalid as exc:
        raise invalid(
            str(exc),
            [{"loc": ["body", "data", "approvedBy"], "msg": str(exc), "type": "missing"}],
            code="VALIDATION_ERROR",
        ) from None
    except approvals.ApprovalConflict as exc:
        raise ApiError(409, exc.code, exc.message) from None
    return {
        "workflowId": workflow_id,
        "signalName": body.signal_name,
        "accepted": True,
        "approval": {
            "requestId": state.request_id,
            "status": state.status.value,
            "approvedBy": state.decided_by,
            "reason": state.reason,
            "decidedAt": state.decided_at.isoformat() if state.decided_at else None,
        },
    }


@router.post("/{workflow_id:path}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel_workflow(
    workflow_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> dict:
    handle, described = await _owned(client, principal, workflow_id, session)
    if described.close_time is not None:
        raise _closed(workflow_id, described)
    try:
        await handle.cancel()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise _closed(workflow_id, described) from None
        raise
    return {"workflowId": workflow_id, "cancelRequested": True}
