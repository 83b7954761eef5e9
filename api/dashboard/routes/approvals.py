"""Approvals: the requests waiting for a decision, approving or rejecting one with a reason
(admins, as on the API), and who decided the others."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.dashboard.errors import is_htmx
from api.dashboard.rendering import render
from api.dashboard.session import CheckedForm, safe_next
from api.deps import Admin, ClientDep, SessionDep, Viewer
from api.errors import ApiError, invalid
from services import approvals
from store import approvals as approval_store
from store.errors import NotFound
from workflows.lifecycle_payloads import ApprovalDecision

router = APIRouter(prefix="/ui/approvals", include_in_schema=False)

DECIDED_SHOWN = 50


@router.get("")
async def approval_list(request: Request, session: SessionDep, principal: Viewer) -> Response:
    return render(
        request,
        "approvals.html",
        {
            "waiting": await approval_store.listed(session, principal.tenant_id, pending=True),
            "decided": await approval_store.listed(
                session, principal.tenant_id, pending=False, limit=DECIDED_SHOWN
            ),
        },
        principal=principal,
        section="approvals",
    )


@router.post("/{request_id}/decide")
async def decide(
    request_id: str,
    request: Request,
    principal: Admin,
    form: CheckedForm,
    session: SessionDep,
    client: ClientDep,
) -> Response:
    """Approve or reject (``decision``) with a ``reason``; the caller is who decided."""
    row = await approval_store.get(session, request_id)
    if row is None or row.tenant_id != principal.tenant_id:
        raise NotFound(f"approval request {request_id!r} not found", code="APPROVAL_NOT_FOUND")
    decision, reason = form.get("decision"), form.get("reason", "").strip()
    if decision not in ("approve", "reject"):
        loc = ["form", "decision"]
        raise invalid(
            "choose approve or reject", [{"loc": loc, "msg": "required", "type": "missing"}]
        )
    if not reason:
        loc = ["form", "reason"]
        raise invalid(
            "give the reason for your decision: it is recorded with it",
            [{"loc": loc, "msg": "required", "type": "missing"}],
        )
    choice = ApprovalDecision(decision == "approve", principal.subject, reason, principal.subject)
    try:
        await approvals.decide(client, session, principal.tenant_id, row.workflow_id, choice)
    except approvals.ApprovalInvalid as exc:
        raise invalid(
            str(exc), [{"loc": ["form"], "msg": str(exc), "type": "value_error"}]
        ) from None
    except approvals.ApprovalConflict as exc:
        raise ApiError(409, exc.code, exc.message) from None
    if is_htmx(request):  # the run page swaps the decided panel in place
        await session.refresh(row)
        run = {"id": row.execution_id, "finished": True}
        return render(request, "_approval.html", {"approval": row, "run": run}, principal=principal)
    default = f"/ui/runs/{row.execution_id}" if row.execution_id else "/ui/approvals"
    return RedirectResponse(safe_next(form.get("next"), default), status_code=303)
