"""The FastAPI application: ``create_app()`` builds it, the lifespan owns its clients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from temporalio.client import Client

from api.errors import install_error_handlers
from api.routes import connections, connectors, executions, health, pipelines, schemas
from core import temporal
from core.logging import configure_logging, get_logger
from core.secrets import Cipher
from core.settings import Settings, get_settings
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
        app.state.temporal = client or await temporal.connect(settings)
        await temporal.ensure_search_attributes(app.state.temporal)
        log.info("api started", store=settings.store_url, temporal=settings.temporal.address)
        yield
        await app.state.db.dispose()

    app = FastAPI(
        title="Ductwork",
        version="0.1.0",
        description="Data pipelines as durable Temporal workflows.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.middleware("http")(_request_id)
    app.include_router(health.router)
    app.include_router(schemas.router)
    app.include_router(connectors.router)
    # Fixed paths under /v1/pipelines come before /v1/pipelines/{pipelineId}.
    app.include_router(connections.router)
    app.include_router(executions.router)
    app.include_router(pipelines.router)
    return app


async def _request_id(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
    request.state.request_id = request_id
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        response = await call_next(request)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    response.headers["X-Request-ID"] = request_id
    return response
