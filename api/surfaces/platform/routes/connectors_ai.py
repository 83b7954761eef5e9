"""The AI-ETL platform API's ``POST /api/v1/connectors-ai/configure``: description + hints → a
connection,
saved and tested with the connector's real connection test (``test_status``)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from ai.connection_proposal import ConfigureError, propose
from api.deps import CipherDep, Editor, SessionDep, SettingsDep
from api.errors import ApiError
from connectors.base import ConnectionTestResult, ConnectorError
from core.connections import admit, connector_config
from core.secrets import SecretReferenceError
from store import connections as connection_store
from store.models import Connection, utcnow

router = APIRouter(prefix="/api/v1/connectors-ai", tags=["connectors"])


class ConfigureIn(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    type: Literal["source", "target"] = "source"
    hints: dict[str, Any] = Field(default_factory=dict)
    name: str | None = Field(default=None, min_length=1, max_length=200)


@router.post("/configure", status_code=status.HTTP_201_CREATED, summary="Configure with AI")
async def configure(
    body: ConfigureIn,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict[str, Any]:
    try:
        proposal = propose(body.description, body.type, body.hints)
    except ConfigureError as exc:
        loc = ["body", *exc.field.split(".")]
        raise ApiError(
            422, "VALIDATION_ERROR", str(exc), [{"loc": loc, "msg": str(exc), "type": "configure"}]
        ) from None
    cfg = proposal.configuration
    name = (
        body.name
        or body.hints.get("name")
        or (f"{proposal.type}-{cfg.get('database', 'db')}-{uuid.uuid4().hex[:6]}")
    )
    properties = {"ssl_mode": cfg["ssl_mode"]} if "ssl_mode" in cfg else {}
    if "schema" in cfg:
        properties["schema"] = cfg["schema"]
    now = utcnow()
    row = Connection(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        name=str(name),
        type=proposal.type,
        host=cfg.get("host", ""),
        port=cfg.get("port", 0),
        database=cfg["database"],
        username=cfg.get("username"),
        password_encrypted=cipher.encrypt(proposal.password) if proposal.password else None,
        properties=properties,
        created_at=now,
        updated_at=now,
    )
    await admit(row, cipher, settings)
    await connection_store.create(session, row)
    try:
        connector, config = await connector_config(row, cipher, settings)
        result = await connector.test_connection(config)
    except (SecretReferenceError, ConnectorError) as exc:
        result = ConnectionTestResult(connected=False, latency_ms=0, error=str(exc))
    return {
        "connector_id": row.id,
        "name": row.name,
        "type": proposal.type,
        "role": body.type,
        "configuration": {**cfg, "has_password": proposal.password is not None},
        "derived_from": proposal.sources,
        "warnings": proposal.warnings,
        "test_status": "success" if result.connected else "failed",
        "test": {
            "latency_ms": result.latency_ms,
            "version": result.version,
            "error": result.error,
        },
    }
