"""/v1/pipelines/monitoring (pipeline service API): metrics of real runs, alerts and their
acknowledgement."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import Editor, PageDep, SessionDep, SettingsDep, Viewer
from api.errors import invalid
from api.pagination import paged
from api.surfaces.pipeline_service.schemas.monitoring import AlertOut, MetricsBody, PipelineMetrics
from services import monitoring
from store import alerts as alert_store
from store import monitoring as monitoring_store
from store import pipelines as pipeline_store
from store.models import utcnow
from store.models.monitoring import Alert

router = APIRouter(prefix="/v1/pipelines/monitoring", tags=["monitoring"])


def period_of(text: str, name: str = "period") -> timedelta:
    try:
        return monitoring.parse_period(text)
    except ValueError as exc:
        detail = [{"loc": ["query", name], "msg": str(exc), "type": "value_error"}]
        raise invalid(str(exc), detail) from None


def _choice(value: str | None, allowed: type[StrEnum], name: str) -> str | None:
    if value is None:
        return None
    choices = [m.value for m in allowed]
    if value.upper() not in choices:
        message = f"{name} {value!r} is not one of {', '.join(choices)}"
        raise invalid(message, [{"loc": ["query", name], "msg": message, "type": "enum"}])
    return value.upper()


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        alert_id=alert.id,
        pipeline_id=alert.pipeline_id,
        execution_id=alert.execution_id,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        message=alert.message,
        details=alert.details,
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )


@router.get("/metrics", response_model=PipelineMetrics)
async def pipeline_metrics(
    session: SessionDep,
    settings: SettingsDep,
    principal: Viewer,
    pipeline_id: Annotated[str | None, Query(alias="pipelineId")] = None,
    period: Annotated[str, Query(description="e.g. 24h, 7d, 30d")] = "7d",
) -> PipelineMetrics:
    """Executions, success rate, durations, rows, bytes and estimated cost over the period."""
    since = utcnow() - period_of(period)
    if pipeline_id is not None:
        await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    runs = await monitoring_store.runs_between(
        session, principal.tenant_id, since, pipeline_id=pipeline_id
    )
    summary = monitoring.summarize(runs, settings.cost)
    return PipelineMetrics(
        pipeline_id=pipeline_id,
        period=period,
        since=since,
        metrics=MetricsBody(
            execution_count=summary.execution_count,
            success_rate=summary.success_rate,
            avg_duration_ms=summary.avg_duration_ms,
            total_rows_processed=summary.rows_processed,
            total_rows_loaded=summary.rows_loaded,
            total_bytes_processed=summary.bytes_processed,
            total_cost_usd=summary.cost_usd,
            succeeded=summary.succeeded,
            failed=summary.failed,
        ),
        history=monitoring.daily_history(runs, settings.cost),
    )


@router.get("/alerts", response_model=None)
async def list_alerts(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PageDep,
    severity: Annotated[str | None, Query(description="CRITICAL, HIGH, MEDIUM or LOW")] = None,
    status: Annotated[str | None, Query(description="OPEN or ACKNOWLEDGED")] = None,
    pipeline_id: Annotated[str | None, Query(alias="pipelineId")] = None,
) -> dict:
    rows, total = await alert_store.page(
        session,
        principal.tenant_id,
        severity=_choice(severity, alert_store.Severity, "severity"),
        status=_choice(status, alert_store.AlertStatus, "status"),
        pipeline_id=pipeline_id,
        offset=page.offset,
        limit=page.size,
    )
    items = [alert_out(r).model_dump(by_alias=True, mode="json") for r in rows]
    body = paged(request, response, items, total, page)
    body["alerts"] = items
    return body


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
async def acknowledge_alert(alert_id: str, session: SessionDep, principal: Editor) -> AlertOut:
    """Acknowledge an OPEN alert as the caller; 409 when it was already acknowledged."""
    alert = await alert_store.acknowledge(session, principal.tenant_id, alert_id, principal.subject)
    return alert_out(alert)
