"""/api/v1/connectors (AI-ETL platform API): the connection types this build can read and write."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Viewer
from connectors.registry import catalog

router = APIRouter(prefix="/api/v1", tags=["connectors"])


@router.get("/connectors", summary="List available connectors")
async def list_connectors(_principal: Viewer) -> dict:
    connectors = catalog()
    return {"connectors": connectors, "total": len(connectors)}
