"""/api/v1/api-keys: keys for programs; the key is shown once, at creation (admins only)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import Admin, PerPageParams, SessionDep, get_per_page
from api.errors import ApiError
from api.pagination import paged_per_page
from api.surfaces.platform.schemas.identity import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from core.auth import keys
from store import identity
from store.models.core import utcnow
from store.models.identity import ApiKey

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"])


def _out(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(row, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyCreate, session: SessionDep, principal: Admin) -> ApiKeyCreated:
    if not principal.has_role(body.role):
        raise ApiError(403, "PERMISSION_DENIED", f"you cannot create a key with role {body.role}")
    new = keys.generate()
    now = utcnow()
    row = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        name=body.name,
        prefix=new.prefix,
        key_hash=new.digest,
        role=body.role,
        created_by=principal.subject,
        created_at=now,
        expires_at=now + timedelta(days=body.expires_in_days) if body.expires_in_days else None,
    )
    await identity.create_key(session, row)
    return ApiKeyCreated(**_out(row).model_dump(), key=new.plaintext)


@router.get("", response_model=list[ApiKeyOut])
async def list_keys(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Admin,
    page: Annotated[PerPageParams, Depends(get_per_page(50))],
) -> list[ApiKeyOut]:
    rows, total = await identity.keys(session, principal.tenant_id, page.offset, page.per_page)
    paged_per_page(request, response, total, page.page, page.per_page)
    return [_out(r) for r in rows]


@router.get("/{key_id}", response_model=ApiKeyOut)
async def get_key(key_id: str, session: SessionDep, principal: Admin) -> ApiKeyOut:
    return _out(await identity.get_key(session, principal.tenant_id, key_id))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(key_id: str, session: SessionDep, principal: Admin) -> Response:
    """Revoke a key: it stops working at once; it stays listed, with ``revoked_at``."""
    await identity.revoke_key(session, principal.tenant_id, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
