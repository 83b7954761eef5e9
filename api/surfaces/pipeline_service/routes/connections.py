"""/v1/pipelines/connections: register, list, test and delete database connections."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from api.deps import CipherDep, Editor, PageDep, SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from api.pagination import paged
from api.surfaces.pipeline_service.schemas.connections import (
    ColumnOut,
    ConnectionCreate,
    ConnectionOut,
    ConnectionTablesOut,
    ConnectionTestDetails,
    ConnectionTestOut,
    TableOut,
)
from connectors.base import ConnectorError, PolicyDenied
from core.connections import admit, connector_config
from core.logging import redact
from core.secrets import SecretReferenceError
from services import connections as connection_tests
from store import connections as connection_store
from store.models import Connection, utcnow

router = APIRouter(prefix="/v1/pipelines/connections", tags=["connections"])


def _out(row: Connection) -> ConnectionOut:
    return ConnectionOut(
        connection_id=row.id,
        name=row.name,
        type=row.type,
        host=row.host or None,  # files have neither
        port=row.port or None,
        database=row.database,
        username=row.username,
        credential_secret_ref=row.credential_secret_ref,
        has_password=bool(row.password_encrypted or row.credential_secret_ref),
        properties=redact(row.properties),
        created_at=row.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConnectionOut)
async def create_connection(
    body: ConnectionCreate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> ConnectionOut:
    if body.credential_secret_ref is not None and not principal.has_role("admin"):
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            "a connection that reads its secret from the operator's secret store "
            "(credentialSecretRef) needs the admin role; an editor can give the password",
        )
    now = utcnow()
    row = Connection(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        name=body.name,
        type=body.type,
        host=body.host or "",
        port=body.port or 0,
        database=body.database,
        username=body.username,
        password_encrypted=cipher.encrypt(body.password.get_secret_value())
        if body.password
        else None,
        credential_secret_ref=body.credential_secret_ref,
        properties=body.properties,
        created_at=now,
        updated_at=now,
    )
    await admit(row, cipher, settings)
    return _out(await connection_store.create(session, row))


@router.get("", response_model=None)
async def list_connections(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PageDep,
) -> dict:
    rows, total = await connection_store.page(session, principal.tenant_id, page.offset, page.size)
    items = [_out(r).model_dump(by_alias=True, mode="json") for r in rows]
    return paged(request, response, items, total, page)


@router.get("/{connection_id}", response_model=ConnectionOut)
async def get_connection(
    connection_id: str, session: SessionDep, principal: Viewer
) -> ConnectionOut:
    return _out(await connection_store.get(session, principal.tenant_id, connection_id))


@router.post("/{connection_id}/test", response_model=ConnectionTestOut)
async def test_connection(
    connection_id: str,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> ConnectionTestOut:
    row = await connection_store.get(session, principal.tenant_id, connection_id)
    result = await connection_tests.test(row, cipher, settings)
    return ConnectionTestOut(
        connected=result.connected,
        latency_ms=result.latency_ms,
        version=result.version,
        details=ConnectionTestDetails(schemas=result.schemas, tables=result.tables),
        error=result.error,
    )


@router.get("/{connection_id}/tables", response_model=ConnectionTablesOut)
async def list_tables(
    connection_id: str,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Viewer,
) -> ConnectionTablesOut:
    """Schemas, tables and columns with their types, as the system names them."""
    row = await connection_store.get(session, principal.tenant_id, connection_id)
    try:
        connector, config = await connector_config(row, cipher, settings)
        tables = await connector.introspect(config)
    except SecretReferenceError as exc:
        raise ApiError(422, "SECRET_UNRESOLVED", str(exc)) from None
    except PolicyDenied:
        raise
    except ConnectorError as exc:
        status_code = 503 if exc.retryable else 422
        raise ApiError(status_code, exc.error_type, exc.message) from None
    return ConnectionTablesOut(
        connection_id=row.id,
        tables=[
            TableOut(
                schema_name=t.schema,
                name=t.name,
                columns=[
                    ColumnOut(name=c.name, type=c.type, nullable=c.nullable) for c in t.columns
                ],
                partitions=t.partitions,
            )
            for t in tables
        ],
    )


@router.delete("/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_connection(connection_id: str, session: SessionDep, principal: Editor) -> Response:
    await connection_store.delete(session, principal.tenant_id, connection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
