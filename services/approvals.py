"""Deciding an approval request from outside: the ``approval`` Update, errors made clear."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from services.runs import TemporalUnavailable
from store import approvals as approval_store
from store.models.lifecycle import Approval
from workflows.approval import APPROVER_REQUIRED, ASK_AGAIN
from workflows.lifecycle_payloads import (
    APPROVAL_UPDATE,
    ApprovalDecision,
    ApprovalState,
    ApprovalStatus,
)


class ApprovalConflict(Exception):
    """No decision can be taken: none pending, already decided, or expired."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ApprovalInvalid(ValueError):
    """The decision itself is incomplete (e.g. no approvedBy)."""


async def decide(
    client: Client,
    session: AsyncSession,
    tenant_id: str,
    workflow_id: str,
    decision: ApprovalDecision,
) -> ApprovalState:
    """Send the decision to the workflow; it answers once the outcome is recorded.

    Raises ApprovalInvalid, ApprovalConflict, or TemporalUnavailable when Temporal cannot be
    reached."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        state = await handle.execute_update(APPROVAL_UPDATE, decision, result_type=ApprovalState)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            if cause.type == APPROVER_REQUIRED:
                raise ApprovalInvalid(cause.message) from None
            raise ApprovalConflict(cause.message, cause.type or "APPROVAL_CONFLICT") from None
        raise
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        if exc.status is not RPCStatusCode.NOT_FOUND:
            raise
        # The workflow has closed: say what became of its last request.
        row = await approval_store.latest_for_workflow(session, tenant_id, workflow_id)
        if row is not None:
            await settle_closed(session, row, None)
        raise _closed(row) from None
    if state.status == ApprovalStatus.EXPIRED:
        raise ApprovalConflict(
            f"approval request {state.request_id} expired before the decision arrived: {ASK_AGAIN}",
            "APPROVAL_EXPIRED",
        )
    return state


async def settle_closed(
    session: AsyncSession, row: Approval, closed: WorkflowExecutionStatus | None
) -> None:
    """A request still PENDING whose workflow has closed (terminated, say) waits for nothing:
    it is ended CANCELLED, so no record claims a decision is still awaited."""
    if row.status != ApprovalStatus.PENDING.value:
        return
    how = f"as {closed.name} " if closed is not None else ""
    await approval_store.settle(
        session,
        row,
        ApprovalStatus.CANCELLED.value,
        f"its workflow ended {how}without a decision",
    )


def _closed(row: Approval | None) -> ApprovalConflict:
    if row is None:
        return ApprovalConflict(
            "the workflow has finished and never asked for an approval; nothing to decide",
            "NO_APPROVAL_PENDING",
        )
    if row.status == ApprovalStatus.EXPIRED.value:
        return ApprovalConflict(
            f"approval request {row.id} expired at {row.expires_at.isoformat()}; "
            f"no decision can be taken any more: {ASK_AGAIN}",
            "APPROVAL_EXPIRED",
        )
    if row.status in (ApprovalStatus.APPROVED.value, ApprovalStatus.REJECTED.value):
        return ApprovalConflict(
            f"approval request {row.id} was already {row.status.lower()} by {row.decided_by}; "
            f"a request takes one decision: {ASK_AGAIN}",
            "APPROVAL_ALREADY_DECIDED",
        )
    return ApprovalConflict(
        f"the workflow has finished; its approval request {row.id} ended "
        f"{row.status.lower()}, so nothing is waiting for a decision: {ASK_AGAIN}",
        "NO_APPROVAL_PENDING",
    )


def state_of(row: Approval) -> dict:
    """An approval row as the API shows it (camelCase)."""
    return {
        "requestId": row.id,
        "workflowId": row.workflow_id,
        "kind": row.kind,
        "subject": row.subject,
        "status": row.status,
        "requestedBy": row.requested_by,
        "requestedAt": row.requested_at.isoformat(),
        "expiresAt": row.expires_at.isoformat(),
        "approvedBy": row.decided_by,
        "decidedBy": row.actor,
        "reason": row.reason,
        "decidedAt": row.decided_at.isoformat() if row.decided_at else None,
    }
