"""/api/v1/tenants: the tenants the caller belongs to; an admin opens a new one."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Admin, SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from api.surfaces.platform.schemas.identity import TenantCreate, TenantOut
from store import identity
from store.models.core import utcnow
from store.models.identity import Tenant

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])


def _out(tenant: Tenant, role: str) -> TenantOut:
    return TenantOut(
        id=tenant.id, name=tenant.name, plan=tenant.plan, role=role, created_at=tenant.created_at
    )


@router.get("", response_model=list[TenantOut])
async def list_tenants(session: SessionDep, principal: Viewer) -> list[TenantOut]:
    if principal.user_id is None:  # an API key belongs to one tenant
        tenant = await identity.get_tenant(session, principal.tenant_id)
        return [_out(tenant, next(iter(principal.roles)))] if tenant else []
    return [_out(t, role) for t, role in await identity.tenants_of(session, principal.user_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenantOut)
async def create_tenant(
    body: TenantCreate, session: SessionDep, settings: SettingsDep, principal: Admin
) -> TenantOut:
    """A new, empty tenant on the default plan; the user creating it becomes its admin."""
    if principal.user_id is None:
        raise ApiError(
            400, "NOT_A_USER", "log in as a user to create a tenant: it needs a first admin"
        )
    tenant = Tenant(
        id=body.id,
        name=body.name or body.id,
        plan=settings.rate_limit.default_plan,
        created_at=utcnow(),
    )
    await identity.create_tenant(session, tenant)
    await identity.add_membership(session, principal.user_id, tenant.id, "admin")
    return _out(tenant, "admin")
