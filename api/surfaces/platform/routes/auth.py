"""/api/v1/auth (AI-ETL platform API): log in, refresh (rotating, reuse revokes the login), log
out."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import SessionDep, SettingsDep, Viewer
from api.errors import ApiError, error_response
from api.security import client_address, guard_of
from api.surfaces.platform.schemas.identity import (
    LoginIn,
    LogoutIn,
    MeOut,
    PasswordChangeIn,
    RefreshIn,
    TokenOut,
)
from core.auth.passwords import hash_password, verify_password, weak_password_reason
from core.auth.tokens import REFRESH, TokenError, TokenSigner
from services import logins
from store import identity
from store.models.core import utcnow

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def get_signer(request: Request) -> TokenSigner:
    return guard_of(request).signer


SignerDep = Annotated[TokenSigner, Depends(get_signer)]


def _refused(message: str) -> ApiError:
    return ApiError(401, "AUTHENTICATION_REQUIRED", message)


def _tokens(issued: logins.Tokens) -> TokenOut:
    assert issued.refresh_token is not None  # the API's login and refresh always rotate
    return TokenOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
    )


@router.post("/login", response_model=TokenOut)
async def login(
    body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep, signer: SignerDep
) -> TokenOut | Response:
    """Failed logins are limited per account and address (429 with Retry-After); successful
    ones are not counted."""
    try:
        issued = await logins.log_in(
            session,
            settings,
            signer,
            body.email,
            body.password.get_secret_value(),
            body.tenant_id,
            throttle=guard_of(request).login_throttle,
            address=client_address(request),
        )
    except logins.LoginRefused as exc:
        if exc.retry_after:
            response = error_response(request, exc.status, exc.code, exc.message)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        raise ApiError(exc.status, exc.code, exc.message) from None
    return _tokens(issued)


@router.post("/refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, session: SessionDep, signer: SignerDep) -> TokenOut:
    try:
        issued = await logins.refresh(session, signer, body.refresh_token)
    except logins.LoginRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return _tokens(issued)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: Viewer, session: SessionDep, signer: SignerDep, body: LogoutIn | None = None
) -> Response:
    """End the login of the access token (its refresh tokens stop working, and it does too)."""
    ended = {principal.session_id} if principal.session_id else set()
    if body is not None and body.refresh_token:
        try:
            claims = signer.decode(body.refresh_token, REFRESH)
        except TokenError as exc:
            raise _refused(exc.message) from None
        if principal.user_id is not None and claims.user_id == principal.user_id:
            ended.add(claims.session_id)
    for session_id in ended:
        await identity.revoke_session(session, session_id, "logout")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut)
async def me(principal: Viewer, session: SessionDep) -> MeOut:
    tenants = (
        await identity.memberships(session, principal.user_id)
        if principal.user_id
        else {principal.tenant_id: next(iter(principal.roles))}
    )
    return MeOut(
        subject=principal.subject,
        kind=principal.kind,
        tenant_id=principal.tenant_id,
        role=next(iter(principal.roles)),
        user_id=principal.user_id,
        tenants=tenants,
    )


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChangeIn, principal: Viewer, session: SessionDep
) -> Response:
    """A user changes their own password; their other logins end."""
    user = await identity.get_user(session, principal.user_id) if principal.user_id else None
    if user is None:
        raise ApiError(400, "NOT_A_USER", "only a user logged in with a password can change it")
    current = body.current_password.get_secret_value()
    if not await asyncio.to_thread(verify_password, user.password_hash, current):
        raise ApiError(403, "INVALID_CREDENTIALS", "the current password is wrong")
    new = body.new_password.get_secret_value()
    if reason := weak_password_reason(new):
        raise ApiError(422, "WEAK_PASSWORD", reason)
    user.password_hash = await asyncio.to_thread(hash_password, new)
    user.updated_at = utcnow()
    await identity.save_user(
        session, user, end_logins="password_changed", keep=principal.session_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
