"""Approvals on the AI-ETL platform API: a production ``:deploy`` (and a run paused by a failed
``approve`` check) waits for a decision, listed and taken here.

``GET /api/v1/approvals`` lists the tenant's requests (pending by default);
``POST /api/v1/approvals/{id}:approve`` and ``:reject`` decide one. ``{id}`` is the request's id
or the id of the deployment waiting for it (the one the 202 of ``:deploy`` names), so a client
can decide before the request is listed. The same decision is the pipeline service API's
``approval`` signal (``/v1/pipelines/workflows/{workflowId}/signal``): both go to the waiting
workflow, which records it once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from api.deps import Admin, ClientDep, SessionDep, Viewer
from api.errors import ApiError, invalid
from core import temporal
from services import approvals
from services.runs import TemporalUnavailable
from store import approvals as approval_store
from store import deployments as deployment_store
from store.errors import NotFound
from store.models.lifecycle import Approval
from workflows.lifecycle_payloads import ApprovalDecision, ApprovalStatus

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals (AI-ETL platform API)"])

STATUSES = tuple(s.value.lower() for s in ApprovalStatus)


class ApprovalOut(BaseModel):
    request_id: str
    workflow_id: str
    kind: str  # deployment | run
    subject: str
    pipeline_id: str | None
    status: str  # pending, approved, rejected, expired, cancelled
    requested_by: str | None
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    reason: str | None
    decided_at: datetime | None


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]
    total: int


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


def _out(row: Approval) -> ApprovalOut:
    return ApprovalOut(
        request_id=row.id,
        workflow_id=row.workflow_id,
        kind=row.kind,
        subject=row.subject,
        pipeline_id=row.pipeline_id,
        status=row.status.lower(),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        expires_at=row.expires_at,
        decided_by=row.decided_by,
        reason=row.reason,
        decided_at=row.decided_at,
    )


@router.get("", response_model=ApprovalList)
async def list_approvals(
    session: SessionDep,
    principal: Viewer,
    status: Annotated[str, Query(description=", ".join(STATUSES) + " or all")] = "pending",
    workflow_id: str | None = None,
) -> ApprovalList:
    wanted = status.strip().lower()
    if wanted not in (*STATUSES, "all"):
        message = f"unknown status {status!r}: use one of {', '.join(STATUSES)} or all"
        raise invalid(message, [{"loc": ["query", "status"], "msg": message, "type": "enum"}])
    rows = await approval_store.for_tenant(
        session,
        principal.tenant_id,
        status=None if wanted == "all" else wanted.upper(),
        workflow_id=workflow_id,
    )
    return ApprovalList(approvals=[_out(r) for r in rows], total=len(rows))


@router.get("/{ref}", response_model=ApprovalOut)
async def get_approval(ref: str, session: SessionDep, principal: Viewer) -> ApprovalOut:
    workflow_id, row = await _resolve(session, principal.tenant_id, ref)
    if row is None:
        raise NotFound(
            f"no approval request of {ref!r} yet: its workflow {workflow_id} has not asked",
            code="APPROVAL_NOT_FOUND",
        )
    return _out(row)


@router.post("/{ref}:approve", response_model=ApprovalOut)
async def approve(
    ref: str,
    session: SessionDep,
    client: ClientDep,
    principal: Admin,
    body: DecisionBody | None = None,
) -> ApprovalOut:
    return await _decide(ref, True, body or DecisionBody(), session, client, principal)


@router.post("/{ref}:reject", response_model=ApprovalOut)
async def reject(
    ref: str,
    session: SessionDep,
    client: ClientDep,
    principal: Admin,
    body: DecisionBody | None = None,
) -> ApprovalOut:
    return await _decide(ref, False, body or DecisionBody(), session, client, principal)


async def _resolve(session, tenant_id: str, ref: str) -> tuple[str, Approval | None]:
    """(workflow id, its latest approval request) of a request id or a deployment id."""
    row = await approval_store.get(session, ref)
    if row is not None and row.tenant_id == tenant_id:
        return row.workflow_id, row
    try:
        deployment = await deployment_store.get(session, ref)
    except NotFound:
        deployment = None
    if deployment is None or deployment.tenant_id != tenant_id:
        raise NotFound(
            f"approval request {ref!r} not found: give a request id (GET /api/v1/approvals) "
            "or the id of a deployment waiting for approval",
            code="APPROVAL_NOT_FOUND",
        )
    latest = await approval_store.latest_for_workflow(session, tenant_id, deployment.workflow_id)
    return deployment.workflow_id, latest


async def _decide(
    ref: str, approved: bool, body: DecisionBody, session, client, principal
) -> ApprovalOut:
    workflow_id, _ = await _resolve(session, principal.tenant_id, ref)
    decision = ApprovalDecision(approved, principal.subject, body.reason, principal.subject)
    try:
        await approvals.decide(client, session, principal.tenant_id, workflow_id, decision)
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise
    except approvals.ApprovalConflict as exc:
        raise ApiError(409, exc.code, exc.message) from None
    session.expire_all()  # the workflow recorded the decision: read it afresh
    _, row = await _resolve(session, principal.tenant_id, ref)
    assert row is not None  # a decided request is recorded before the update answers
    return _out(row)
