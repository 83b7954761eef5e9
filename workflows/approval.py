"""The approval gate: one mechanism for every workflow that waits for a human decision.

A workflow class inherits ``ApprovalGate`` and calls ``await self.await_approval(request)``.
The decision arrives as the ``approval`` Update, whose validator refuses a decision when none
is pending, a second decision, one after expiry and one without ``approved_by`` — so refused
decisions never enter the history, and accepted ones do, with the approver and the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import policies
    from workflows.lifecycle_payloads import (
        APPROVAL_UPDATE,
        ApprovalDecision,
        ApprovalRecord,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
    )

# Error types of refused decisions; the API answers 409 (or 422 for a missing approver).
ASK_AGAIN = "deploy again (or run the pipeline again) to request a new decision"
NO_APPROVAL_PENDING = "NO_APPROVAL_PENDING"
APPROVAL_ALREADY_DECIDED = "APPROVAL_ALREADY_DECIDED"
APPROVAL_EXPIRED = "APPROVAL_EXPIRED"
APPROVER_REQUIRED = "APPROVER_REQUIRED"
# Activities by name: activities.lifecycle imports the run machinery, which imports this gate.
RECORD_REQUEST = "record_approval_request"
RECORD_DECISION = "record_approval_decision"
APPROVAL_REQUIRED = "APPROVAL_REQUIRED"  # what an activity raises to ask for a decision


class ApprovalRefused(Exception):
    """A request was rejected or expired; the message says which, by whom and why."""


def needs_approval(err: BaseException) -> bool:
    """An activity failed only to ask for a decision (e.g. an ``approve`` quality check)."""
    cause = getattr(err, "cause", None)
    return isinstance(cause, ApplicationError) and cause.type == APPROVAL_REQUIRED


class ApprovalGate:
    def __init__(self) -> None:
        self._approval: ApprovalState | None = None
        self._decision: ApprovalDecision | None = None

    @workflow.query(name="approval_state")
    def approval_state(self) -> ApprovalState | None:
        return self._approval

    @workflow.update(name=APPROVAL_UPDATE)
    async def approval(self, decision: ApprovalDecision) -> ApprovalState:
        self._decision = decision
        # Answer once the outcome is recorded, so the caller can read it back at once.
        await workflow.wait_condition(self._decided)
        approval = self._approval
        if approval is None:  # unreachable: _decided means the outcome is recorded
            raise RuntimeError("approval decided but not recorded")
        return approval

    def _decided(self) -> bool:
        return self._approval is not None and self._approval.status != ApprovalStatus.PENDING

    @approval.validator
    def _validate_approval(self, decision: ApprovalDecision) -> None:
        state = self._approval
        if state is None:
            raise ApplicationError(
                "no approval is pending on this workflow: it has not asked for a decision; "
                "its status (GET /v1/pipelines/workflows/{workflowId}/status) shows an "
                "approval with status PENDING once it does",
                type=NO_APPROVAL_PENDING,
            )
        if state.status == ApprovalStatus.EXPIRED:
            raise ApplicationError(
                f"approval request {state.request_id} expired at {state.expires_at.isoformat()}; "
                f"no decision can be taken any more: {ASK_AGAIN}",
                type=APPROVAL_EXPIRED,
            )
        if state.status != ApprovalStatus.PENDING or self._decision is not None:
            who = state.decided_by or (self._decision.approved_by if self._decision else None)
            if state.status != ApprovalStatus.PENDING:
                verdict = state.status.value.lower()
            else:
                verdict = "approved" if self._decision and self._decision.approved else "rejected"
            raise ApplicationError(
                f"approval request {state.request_id} was already {verdict} by {who}; "
                f"a request takes one decision: {ASK_AGAIN}",
                type=APPROVAL_ALREADY_DECIDED,
            )
        if not (decision.approved_by or "").strip():
            raise ApplicationError(
                "approvedBy is required: the name or email of who takes this decision",
                type=APPROVER_REQUIRED,
            )

    async def await_approval(self, request: ApprovalRequest) -> ApprovalState:
        """Record the request, wait for a decision or the timeout, record the outcome."""
        now = workflow.now()
        self._decision = None
        pending = ApprovalState(
            request_id=f"appr-{workflow.uuid4().hex}",
            workflow_id=workflow.info().workflow_id,
            status=ApprovalStatus.PENDING,
            subject=request.subject,
            requested_at=now,
            expires_at=now + timedelta(seconds=request.timeout_seconds),
        )
        await self._record_approval(RECORD_REQUEST, request, pending)
        self._approval = pending
        try:
            await workflow.wait_condition(
                lambda: self._decision is not None,
                timeout=timedelta(seconds=request.timeout_seconds),
                timeout_summary="approval timeout",
            )
        except asyncio.CancelledError:
            cancelled = dataclasses.replace(
                pending, status=ApprovalStatus.CANCELLED, decided_at=workflow.now()
            )
            await self._record_approval(RECORD_DECISION, request, cancelled)
            self._approval = cancelled
            raise
        except TimeoutError:
            outcome = dataclasses.replace(
                pending, status=ApprovalStatus.EXPIRED, decided_at=workflow.now()
            )
            actor = None
        else:
            decision: ApprovalDecision = self._decision  # type: ignore[assignment]
            outcome = dataclasses.replace(
                pending,
                status=ApprovalStatus.APPROVED if decision.approved else ApprovalStatus.REJECTED,
                decided_by=decision.approved_by,
                reason=decision.reason,
                decided_at=workflow.now(),
            )
            actor = decision.actor
        await self._record_approval(RECORD_DECISION, request, outcome, actor)
        self._approval = outcome
        return outcome

    async def _record_approval(
        self,
        activity: str,
        request: ApprovalRequest,
        state: ApprovalState,
        actor: str | None = None,
    ) -> None:
        await workflow.execute_activity(
            activity,
            ApprovalRecord(request, state, actor),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
