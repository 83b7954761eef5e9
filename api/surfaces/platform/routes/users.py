"""/api/v1/users: the users of the caller's tenant and their roles (admins only).

A user's role is per tenant; their email, name, password and active status are one record that
every tenant of theirs shares, so a tenant admin changes those only if they administer all of
the user's tenants (or are that user).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import Admin, PerPageParams, Principal, SessionDep, get_per_page
from api.errors import ApiError
from api.pagination import paged_per_page
from api.surfaces.platform.schemas.identity import UserCreate, UserOut, UserUpdate
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


async def _keep_an_admin(session: SessionDep, tenant_id: str, role: str) -> None:
    if role == "admin" and await identity.count_admins(session, tenant_id) <= 1:
        raise ApiError(
            409,
            "LAST_ADMIN",
            f"tenant {tenant_id!r} keeps at least one active admin: make another one first",
        )


def _record_changes(user: User, body: UserUpdate) -> list[str]:
    """The fields of the user record, shared by all the user's tenants, that ``body`` changes."""
    changed = []
    if body.email is not None and body.email.strip().lower() != user.email:
        changed.append("email")
    if body.name is not None and body.name != user.name:
        changed.append("name")
    if body.password is not None:
        changed.append("password")
    if body.is_active is not None and body.is_active != user.is_active:
        changed.append("is_active")
    return changed


async def _may_change_record(
    session: SessionDep,
    principal: Principal,
    user_id: str,
    theirs: dict[str, str],
    changed: list[str],
) -> None:
    """Only the user or an admin of each of their tenants changes the user record: otherwise an
    admin of one tenant could reset the password of a user of another and log in there.
    """
    if principal.user_id == user_id:
        if "password" in changed:
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                "change your own password with POST /api/v1/auth/password (it asks for the "
                "current one)",
            )
        return
    mine = (
        await identity.memberships(session, principal.user_id)
        if principal.user_id is not None
        else {principal.tenant_id: "admin"}  # an API key is an admin of its own tenant only
    )
    missing = sorted(tenant for tenant in theirs if mine.get(tenant) != "admin")
    if not missing:
        return
    known = [tenant for tenant in missing if tenant in mine]  # tenants the caller may know of
    reasons = [f"you are not an admin of tenant {tenant!r}" for tenant in known]
    if len(known) < len(missing):
        reasons.append("the user belongs to other tenants you do not administer")
    raise ApiError(
        403,
        "PERMISSION_DENIED",
        f"{', '.join(changed)} of this user apply in every tenant they belong to: only the user "
        f"or an admin of each of those tenants may change them ({'; '.join(reasons)})",
    )


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(
    user_id: str, body: UserUpdate, session: SessionDep, principal: Admin
) -> UserOut:
    """Change a user's role in this tenant; their email, name, password or active status (the
    user record, shared by all their tenants) only as that user or an admin of all of them.

    A password reset and a deactivation end every login of the user.
    """
    user, membership = await identity.member(session, principal.tenant_id, user_id)
    theirs = await identity.memberships(session, user.id)
    changed = _record_changes(user, body)
    if changed:
        await _may_change_record(session, principal, user.id, theirs, changed)
    if user.is_active and body.role not in (None, "admin"):
        await _keep_an_admin(session, principal.tenant_id, membership.role)
    if user.is_active and "is_active" in changed:
        for tenant_id, role in theirs.items():
            await _keep_an_admin(session, tenant_id, role)

    if body.password is not None:
        _check_password(body.password.get_secret_value())
        user.password_hash = await asyncio.to_thread(
            hash_password, body.password.get_secret_value()
        )
    if body.email is not None:
        user.email = body.email.strip().lower()
    if body.name is not None:
        user.name = body.name
    if body.is_active is not None:
        user.is_active = body.is_active
    if body.role is not None:
        membership.role = body.role
        session.add(membership)
    user.updated_at = utcnow()
    ended = None  # the reason every login of the user ends, if one does
    if "password" in changed:
        ended = "password_reset"
    if "is_active" in changed and not user.is_active:
        ended = "deactivated"
    await identity.save_user(session, user, end_logins=ended)
    return _out(user, membership)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_user(user_id: str, session: SessionDep, principal: Admin) -> Response:
    """Take the user out of this tenant (they keep their other tenants)."""
    user, membership = await identity.member(session, principal.tenant_id, user_id)
    if user.is_active:
        await _keep_an_admin(session, principal.tenant_id, membership.role)
    await identity.remove_membership(session, membership)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
