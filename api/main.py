"""The FastAPI application: ``create_app()`` builds it, the lifespan owns its clients."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send
from temporalio.client import Client

from api import health, metrics
from api.asgi import HttpMiddleware
from api.dashboard import install as install_dashboard
from api.errors import document_validation_status, install_error_handlers
from api.security import GuardRequests, document_security
from api.surfaces.ai_pipelines.routes import (
    deployments,
    generation,
    pipeline_ai,
    pipelines_api,
    runs_api,
)
from api.surfaces.batch.routes import batch_pipelines
from api.surfaces.pipeline_service.routes import (
    airflow,
    connections,
    cost,
    executions,
    lineage,
    monitoring,
    pipelines,
    schedules,
    schemas,
    workflows,
)
from api.surfaces.pipeline_service.routes import templates as template_routes
from api.surfaces.platform.routes import (
    api_keys,
    auth,
    connectors,
    connectors_ai,
    data,
    nl_query,
    observability,
    storage,
    tenants,
    users,
)
from api.surfaces.platform.routes import approvals as approval_routes
from api.surfaces.platform.routes import webhooks as webhook_routes
from api.surfaces.syncs.routes import syncs
from core import telemetry, temporal
from core.auth.bootstrap import ensure_identity
from core.logging import configure_logging, get_logger
from core.secrets import Cipher
from core.settings import Settings, get_settings
from services import asset_pipelines, housekeeping, runs
from store.db import Database
from store.migrate import upgrade_async

log = get_logger("ductwork.api")


def create_app(settings: Settings | None = None, *, client: Client | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        await upgrade_async(settings.store_url)
        app.state.settings = settings
        app.state.db = Database(settings.store_url, echo=settings.store.echo)
        app.state.cipher = Cipher.from_settings(settings)
        await ensure_identity(app.state.db, settings, generate_password=False)
        app.state.temporal = client or await temporal.connect(settings)
        await temporal.ensure_search_attributes(app.state.temporal)
        log.info("api started", store=settings.store_url, temporal=settings.temporal.address)
        background = [
            asyncio.create_task(_reconcile_runs(app.state.db, app.state.temporal)),
            asyncio.create_task(_keep_retention(app.state.db, settings)),
        ]
        yield
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.db.dispose()

    app = FastAPI(
        title="Ductwork",
        version="0.1.0",
        description="Data pipelines as durable Temporal workflows.",
        lifespan=lifespan,
        # One span per request, named by its route, from FastAPI's own telemetry: it knows the
        # route as it routes, where an outside instrumentation matched every request against
        # every route a second time (a quarter of a status read's CPU). The request metrics
        # are api.metrics', and no span per dependency or serialization.
        telemetry={
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "exclude": _untraced,
        },
    )
    telemetry.configure_tracing(settings.telemetry, "api")
    install_error_handlers(app)
    document_security(app)
    document_validation_status(app)
    # Added first, so it runs inside RequestId: its 401/403/429 bodies carry the request id.
    app.add_middleware(GuardRequests)
    app.add_middleware(RequestId)
    # After the middleware above, so the dashboard's error pages wrap their answers too.
    install_dashboard(app)
    app.add_middleware(metrics.CountRequests)
    # First: clients poll a run's status. A request is matched against the routers in this
    # order, and again by the trace middleware to name its span. No path of the routers below
    # is one of these (/v1/pipelines/executions…, POST /v1/pipelines/{id}/execute).
    app.include_router(executions.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(api_keys.router)
    app.include_router(tenants.router)
    app.include_router(schemas.router)
    app.include_router(connectors.router)
    app.include_router(webhook_routes.v1_router)
    app.include_router(webhook_routes.pipeline_router)
    app.include_router(batch_pipelines.router)
    # The connection syncs API at the root: /connections, /pipelines, … (none of the prefixed
    # surfaces' paths).
    app.include_router(syncs.router)
    # Before any other /api/v1/pipelines router: /{id}:describe and /{id}:analyze.
    app.include_router(generation.router)
    app.include_router(pipeline_ai.router)
    app.include_router(nl_query.router)
    app.include_router(data.router)
    app.include_router(storage.router)
    app.include_router(connectors_ai.router)
    app.include_router(deployments.router)
    app.include_router(pipelines_api.router)
    app.include_router(runs_api.router)
    app.include_router(observability.router)
    app.include_router(approval_routes.router)
    # Fixed paths under /v1/pipelines come before /v1/pipelines/{pipelineId}.
    app.include_router(connections.router)
    app.include_router(monitoring.router)
    app.include_router(template_routes.router)
    app.include_router(cost.router)
    app.include_router(lineage.router)
    app.include_router(schedules.router)
    app.include_router(workflows.router)
    app.include_router(airflow.router)
    app.include_router(pipelines.router)
    return app


RECONCILE_EVERY_SECONDS = 60.0


async def _reconcile_runs(db: Database, client: Client) -> None:
    """Now and then, settle the runs that can never end by themselves (``settle_stale_runs``)."""
    await asyncio.sleep(runs.START_WINDOW.total_seconds())
    while True:
        await settle_stale_runs(db, client)
        await asyncio.sleep(RECONCILE_EVERY_SECONDS)


async def settle_stale_runs(db: Database, client: Client) -> int:
    """One sweep: settle the runs and the asset runs whose workflow closed without recording
    their end (services.runs, services.asset_pipelines) that nobody reads, which the
    active-run check and the status reads would settle otherwise; how many were settled."""
    try:
        settled = await runs.reconcile_active(db, client)
        settled += await asset_pipelines.reconcile_active(db, client)
    except Exception:
        log.warning("settling runs that cannot end failed", exc_info=True)
        return 0
    if settled:
        log.warning("settled runs that could never end by themselves", runs=settled)
    return settled


async def _keep_retention(db: Database, settings: Settings) -> None:
    """Delete run log lines and webhook deliveries past their retention (services.housekeeping)."""
    while True:
        try:
            swept = await housekeeping.sweep(db, settings.retention)
        except Exception:
            log.warning("the retention sweep failed", exc_info=True)
        else:
            if swept.run_logs or swept.deliveries:
                log.info("retention sweep", run_logs=swept.run_logs, deliveries=swept.deliveries)
        await asyncio.sleep(settings.retention.sweep_every_seconds)


_UNTRACED_PATHS = frozenset({"/health", "/ready", "/metrics"})


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    """Probes and scrapes make no span."""
    return scope["path"] in _UNTRACED_PATHS


class RequestId(HttpMiddleware):
    """Names every request by its X-Request-ID (made up when the client sends none): on the
    request's state, its log lines and its answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = Headers(scope=scope).get("X-Request-ID") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, named)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
