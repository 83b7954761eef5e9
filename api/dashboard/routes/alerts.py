"""Alerts: the list (open first by default) and acknowledging one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.dashboard.rendering import render
from api.dashboard.session import CheckedForm, safe_next
from api.deps import Editor, SessionDep, Viewer
from store import alerts as alert_store
from store import monitoring as monitoring_store

router = APIRouter(prefix="/ui/alerts", include_in_schema=False)

LIST_LIMIT = 200


@router.get("")
async def alert_list(
    request: Request,
    session: SessionDep,
    principal: Viewer,
    status: Annotated[alert_store.AlertStatus | None, Query()] = alert_store.AlertStatus.OPEN,
    severity: Annotated[alert_store.Severity | None, Query()] = None,
) -> Response:
    rows, total = await alert_store.page(
        session,
        principal.tenant_id,
        severity=severity.value if severity else None,
        status=status.value if status else None,
        pipeline_id=None,
        offset=0,
        limit=LIST_LIMIT,
    )
    return render(
        request,
        "alerts.html",
        {
            "alerts": rows,
            "total": total,
            "names": await monitoring_store.pipeline_names(session, principal.tenant_id),
            "filters": {
                "status": status.value if status else "",
                "severity": severity.value if severity else "",
            },
            "statuses": [s.value for s in alert_store.AlertStatus],
            "severities": [s.value for s in alert_store.Severity],
        },
        principal=principal,
        section="alerts",
    )


@router.post("/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: str, principal: Editor, form: CheckedForm, session: SessionDep
) -> Response:
    """Acknowledge an OPEN alert as the caller (409 when someone already did)."""
    await alert_store.acknowledge(session, principal.tenant_id, alert_id, principal.subject)
    return RedirectResponse(safe_next(form.get("next"), "/ui/alerts"), status_code=303)
