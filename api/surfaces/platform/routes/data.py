"""The AI-ETL platform API's data operations: ``POST /api/v1/data/profile`` and ``GET
/api/v1/data/preview``.

A profile is read in the worker (DataProfileWorkflow: real SQL on the database, in a read-only
transaction) and only its aggregates come back through Temporal. A preview returns rows, which
never travel through workflow history, so the API reads them itself, read-only and bounded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AliasChoices, BaseModel, Field

from api.assistant import execute
from api.deps import CipherDep, ClientDep, SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from connectors.base import ConnectorError
from connectors.profiling import PROFILED_TYPES, preview_table
from connectors.registry import canonical_type
from core.connections import connector_config
from core.secrets import SecretReferenceError
from store import connections as connection_store
from store.models import Connection
from workflows.data_payloads import ProfileInput, ProfileResult
from workflows.data_profile import DataProfileWorkflow

router = APIRouter(prefix="/api/v1/data", tags=["data"])


class ProfileIn(BaseModel):
    source: str = Field(
        validation_alias=AliasChoices("source", "connection_id"),
        description="connection id or name",
    )
    table: str = Field(min_length=1, max_length=300, description="'table' or 'schema.table'")
    sample_size: int = Field(default=1000, ge=1, le=100_000)


async def _connection(session, tenant_id: str, ref: str) -> Connection:
    row = await connection_store.find(session, tenant_id, ref)
    if row is None:
        raise ApiError(404, "CONNECTION_NOT_FOUND", f"connection {ref!r} not found")
    if canonical_type(row.type) not in PROFILED_TYPES:
        raise ApiError(
            422,
            "UNSUPPORTED_CONNECTION_TYPE",
            f"profiling and preview read PostgreSQL and MySQL/MariaDB tables, not {row.type}",
        )
    return row


def _refused(code: str, message: str, table: str) -> ApiError:
    if code == "TABLE_NOT_FOUND":
        details = [{"loc": ["body", "table"], "msg": message, "type": "unknown_table"}]
        return ApiError(422, code, message, details)
    return ApiError(422, code, message)


@router.post("/profile", summary="Profile a table")
async def profile(
    body: ProfileIn,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> dict[str, Any]:
    row = await _connection(session, principal.tenant_id, body.source)
    result: ProfileResult = await execute(
        client,
        settings,
        DataProfileWorkflow.run,
        ProfileInput(principal.tenant_id, row.id, body.table, body.sample_size),
        kind="profile",
        tenant_id=principal.tenant_id,
    )
    if result.profile is None:
        raise _refused(result.error_code or "PROFILE_FAILED", result.error or "", body.table)
    return {"source": row.id, **result.profile}


@router.get("/preview", summary="Preview a table's first rows")
async def preview(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Viewer,
    source: Annotated[str, Query(description="connection id or name")],
    table: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    row = await _connection(session, principal.tenant_id, source)
    try:
        _, config = await connector_config(row, cipher, settings)
        found = await preview_table(canonical_type(row.type) or "", config, table, limit)
    except SecretReferenceError as exc:
        raise ApiError(422, "SECRET_UNRESOLVED", str(exc)) from None
    except ConnectorError as exc:
        if exc.retryable:
            raise ApiError(503, exc.error_type, exc.message) from None
        raise _refused(exc.error_type, exc.message, table) from None
    except ValueError as exc:  # not a table name
        raise _refused("TABLE_NOT_FOUND", str(exc), table) from None
    return {
        "source": row.id,
        "table": table,
        "limit": limit,
        "row_count": len(found["rows"]),
        **found,
    }
