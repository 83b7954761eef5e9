"""``GET /metrics``: Prometheus text for the operator's scrape job, or a tenant's admin.

Three parts, one document:

- the API's own request metrics (``ductwork_api_requests_total``,
  ``ductwork_api_request_duration_seconds``), counted by ``CountRequests``;
- Ductwork's figures, read from the store at scrape time, so every API and worker process
  adds to the same numbers: ``ductwork_runs`` by status, ``ductwork_steps_total``,
  ``ductwork_step_rows_total``, ``ductwork_step_bytes_total`` and
  ``ductwork_step_duration_seconds_total`` by step kind and final status, and
  ``ductwork_approvals_waiting``;
- the Temporal SDK's metrics of this process (``temporal_*``: workflow starts, RPC latencies),
  fetched from the endpoint ``core.telemetry.temporal_runtime`` serves.

The scrape token (``DUCTWORK_TELEMETRY__METRICS_TOKEN``, checked by ``api.security``) reads
every tenant; an admin's credential reads its own tenant's figures and no SDK metrics (they are
the process's, shared by every tenant).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.deps import Principal, get_principal
from api.errors import ApiError
from core import telemetry
from core.logging import get_logger
from store import metrics as store_metrics

log = get_logger("ductwork.api")
router = APIRouter(tags=["operations"])

REQUESTS = CollectorRegistry()
_REQUESTS_TOTAL = Counter(
    "ductwork_api_requests",
    "API requests by method, route and status code",
    ["method", "route", "status"],
    registry=REQUESTS,
)
_REQUEST_SECONDS = Histogram(
    "ductwork_api_request_duration_seconds",
    "API request latency by method and route",
    ["method", "route"],
    registry=REQUESTS,
)


class CountRequests(HttpMiddleware):
    """The middleware behind the request metrics; it also names the request's tenant on its
    trace span once ``api.security`` has found it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # While the request's span is open: it ends with the answer's last byte.
                principal = scope.get("state", {}).get("principal")
                if principal is not None:
                    telemetry.tag_current_span(tenant=principal.tenant_id)
            await send(message)

        await self.app(scope, receive, counted)
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"  # never the raw path: ids explode
        _REQUESTS_TOTAL.labels(scope["method"], template, str(status)).inc()
        _REQUEST_SECONDS.labels(scope["method"], template).observe(time.perf_counter() - started)


def metrics_reader(request: Request) -> str | None:
    """Admits the scrape job (every tenant: None) or an admin (their tenant), else 401/403."""
    if getattr(request.state, "scraper", False):
        return None
    principal: Principal = get_principal(request)
    if not principal.has_role("admin"):
        raise ApiError(403, "PERMISSION_DENIED", "reading /metrics needs the admin role")
    return principal.tenant_id


metrics_reader.required_role = "admin"  # type: ignore[attr-defined]  # the authorization matrix


@router.get("/metrics", response_class=Response, summary="Prometheus metrics")
async def metrics(
    request: Request, tenant_id: Annotated[str | None, Depends(metrics_reader)]
) -> Response:
    async with request.app.state.db.session() as session:
        figures = list(await _store_figures(session, tenant_id))
    registry = CollectorRegistry()
    registry.register(_Fixed(figures))
    parts = [generate_latest(REQUESTS), generate_latest(registry)]
    if tenant_id is None:
        parts.append(await _temporal_sdk_metrics(request))
    return Response(b"".join(parts), media_type=CONTENT_TYPE_LATEST)


class _Fixed:
    """A collector of metric families read once for this scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def _store_figures(session: AsyncSession, tenant_id: str | None) -> Iterable[Metric]:
    runs = GaugeMetricFamily(
        "ductwork_runs", "Runs in the store by status", labels=["tenant", "status"]
    )
    for tenant, status, count in await store_metrics.runs_by_status(session, tenant_id):
        runs.add_metric([tenant, status], count)
    labels = ["tenant", "kind", "status"]
    steps = CounterMetricFamily("ductwork_steps", "Finished steps", labels=labels)
    rows = CounterMetricFamily("ductwork_step_rows", "Rows moved by finished steps", labels=labels)
    moved = CounterMetricFamily(
        "ductwork_step_bytes", "Bytes moved by finished steps", labels=labels
    )
    seconds = CounterMetricFamily(
        "ductwork_step_duration_seconds", "Time spent in finished steps", labels=labels
    )
    for total in await store_metrics.step_totals(session, tenant_id):
        key = [total.tenant_id, total.kind, total.status]
        steps.add_metric(key, total.count)
        rows.add_metric(key, total.rows)
        moved.add_metric(key, total.bytes)
        seconds.add_metric(key, total.seconds)
    waiting = GaugeMetricFamily(
        "ductwork_approvals_waiting", "Approvals not decided yet", labels=["tenant"]
    )
    for tenant, count in await store_metrics.approvals_waiting(session, tenant_id):
        waiting.add_metric([tenant], count)
    return [runs, steps, rows, moved, seconds, waiting]


async def _temporal_sdk_metrics(request: Request) -> bytes:
    address = telemetry.temporal_metrics_address()
    if address is None:
        return b""
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            response = await http.get(f"http://{address}/metrics")
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("the Temporal SDK's metrics are not readable", error=str(exc))
        return b""
    return response.content
