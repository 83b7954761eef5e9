"""/api/v1/users: the users of the caller's tenant and their roles (admins only)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import Admin, PerPageParams, SessionDep, get_per_page
from api.errors import ApiError
from api.pagination import paged_per_page
from api.schemas.identity import UserCreate, UserOut, UserUpdate
from core.auth.passwords import hash_password, weak_password_reason
from store import identity
from store.models.core import utcnow
from store.models.identity import Membership, User

router = APIRouter(prefix="/api/v1/users", tags=["users"])


def _out(user: User, membership: Membership) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        is_active=user.is_active,
        created_at=user.created_at,
    )


def _check_password(password: str) -> None:
    if reason := weak_password_reason(password):
        raise ApiError(422, "WEAK_PASSWORD", reason, [{"field": "password", "error": reason}])


@router.get("", response_model=list[UserOut])
async def list_users(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Admin,
    page: Annotated[PerPageParams, Depends(get_per_page(50))],
) -> list[UserOut]:
    rows, total = await identity.members(session, principal.tenant_id, page.offset, page.per_page)
    paged_per_page(request, response, total, page.page, page.per_page)
    return [_out(u, m) for u, m in rows]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def create_user(body: UserCreate, session: SessionDep, principal: Admin) -> UserOut:
    password = body.password.get_secret_value()
    _check_password(password)
    now = utcnow()
    user = User(
        id=str(uuid.uuid4()),
        email=body.email.strip().lower(),
        name=body.name,
        password_hash=await asyncio.to_thread(hash_password, password),
        created_at=now,
        updated_at=now,
    )
    await identity.create_user(session, user, principal.tenant_id, body.role)
    return _out(*await identity.member(session, principal.tenant_id, user.id))


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: str, session: SessionDep, principal: Admin) -> UserOut:
    return _out(*await identity.member(session, principal.tenant_id, user_id))


async def _keep_an_admin(session: SessionDep, tenant_id: str, membership: Membership) -> None:
    if membership.role == "admin" and await identity.count_admins(session, tenant_id) <= 1:
        raise ApiError(
            409, "LAST_ADMIN", "a tenant keeps at least one active admin: make another one first"
        )


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(
    user_id: str, body: UserUpdate, session: SessionDep, principal: Admin
) -> UserOut:
    """Change a user's role in this tenant, name, password, or deactivate them."""
    user, membership = await identity.member(session, principal.tenant_id, user_id)
    if (body.role not in (None, "admin") or body.is_active is False) and user.is_active:
        await _keep_an_admin(session, principal.tenant_id, membership)
    if body.password is not None:
        _check_password(body.password.get_secret_value())
        user.password_hash = await asyncio.to_thread(
            hash_password, body.password.get_secret_value()
        )
    if body.name is not None:
        user.name = body.name
    if body.is_active is not None:
        user.is_active = body.is_active
    if body.role is not None:
        membership.role = body.role
        session.add(membership)
    user.updated_at = utcnow()
    session.add(user)
    await session.commit()
    return _out(user, membership)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_user(user_id: str, session: SessionDep, principal: Admin) -> Response:
    """Take the user out of this tenant (they keep their other tenants)."""
    user, membership = await identity.member(session, principal.tenant_id, user_id)
    if user.is_active:
        await _keep_an_admin(session, principal.tenant_id, membership)
    await identity.remove_membership(session, membership)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
