"""Liveness and readiness: open to everyone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    checks = {"store": "ok", "temporal": "ok"}
    try:
        async with request.app.state.db.session() as session:
            await session.exec(text("SELECT 1"))
    except Exception as exc:
        checks["store"] = f"unavailable: {type(exc).__name__}"
    try:
        await request.app.state.temporal.service_client.check_health()
    except Exception as exc:
        checks["temporal"] = f"unavailable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, 200 if ok else 503
    )
