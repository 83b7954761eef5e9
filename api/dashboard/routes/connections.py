"""Connections: the list and a connection test (its answer swapped into the row)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.dashboard.rendering import render
from api.dashboard.session import CheckedForm
from api.deps import CipherDep, Editor, SessionDep, SettingsDep, Viewer
from services import connections as connection_tests
from store import connections as connection_store

router = APIRouter(prefix="/ui/connections", include_in_schema=False)

LIST_LIMIT = 500


@router.get("")
async def connection_list(request: Request, session: SessionDep, principal: Viewer) -> Response:
    rows, total = await connection_store.page(session, principal.tenant_id, 0, LIST_LIMIT)
    return render(
        request,
        "connections.html",
        {"connections": rows, "total": total},
        principal=principal,
        section="connections",
    )


@router.post("/{connection_id}/test")
async def test_connection(
    connection_id: str,
    request: Request,
    principal: Editor,
    form: CheckedForm,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Response:
    row = await connection_store.get(session, principal.tenant_id, connection_id)
    result = await connection_tests.test(row, cipher, settings)
    return render(request, "_connection_test.html", {"result": result}, principal=principal)
