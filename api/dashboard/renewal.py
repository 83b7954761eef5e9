"""Renewing a dashboard login whose access cookie has expired, on its next ``/ui`` request.

A browser drops the access cookie when its token expires (an hour by default); the refresh
cookie outlives it for the rest of the login's working day. On a dashboard request that carries
a refresh cookie but no valid access cookie (none, or an expired token), the refresh token is
exchanged the way the API's ``POST /api/v1/auth/refresh`` does (``services.logins.refresh``:
spent once, rotated, a reused one revokes the login), except that it is a dashboard refresh
token (``UI_REFRESH``: the API's refresh refuses it, and this renewal refuses the API's) and
that requests renewing at the same moment do not count as a reuse (``RACE``). The
request then goes on with the new access token, as if the browser had sent it, and its answer
sets both new cookies. A refresh token that cannot renew (expired, forged, revoked, spent, the
working day over) is dropped, and the request goes on without a login (to the login form).
Tokens are never logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import Request, Response

from api.dashboard.session import REFRESH_COOKIE, clear_login, set_login, via_cookie
from api.security import UI_SESSION_COOKIE, guard_of, is_open, on_dashboard
from core.auth.tokens import ACCESS, UI_REFRESH, TokenError
from core.logging import get_logger
from services import logins
from services.logins import Tokens
from store.models.core import utcnow

log = get_logger("ductwork.auth")

RACE = timedelta(seconds=10)
"""A refresh cookie spent this recently was spent by a request of the same browser sent at the
same moment (two tabs, a poll and a click): this one gets an access cookie alone instead of
ending the login. Later, a spent refresh cookie ends the login as the API's refresh does."""


def _access_expired_or_missing(request: Request) -> bool:
    token = request.cookies.get(UI_SESSION_COOKIE)
    if not token:
        return True
    try:
        guard_of(request).signer.decode(token, ACCESS)
    except TokenError as exc:
        return exc.expired
    return False


def _wants_renewal(request: Request) -> bool:
    path = request.url.path
    return (
        on_dashboard(path)
        and not is_open(path)
        and via_cookie(request)
        and bool(request.cookies.get(REFRESH_COOKIE))
        and _access_expired_or_missing(request)
    )


def _present(request: Request, access_token: str | None) -> None:
    """The request's Cookie header with the access cookie replaced (or removed: None), and the
    refresh cookie removed: what the rest of the app sees."""
    kept = []
    for header in request.headers.getlist("cookie"):
        for pair in header.split(";"):
            name = pair.split("=", 1)[0].strip()
            if name and name not in (UI_SESSION_COOKIE, REFRESH_COOKIE):
                kept.append(pair.strip())
    if access_token is not None:
        kept.append(f"{UI_SESSION_COOKIE}={access_token}")
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"cookie"]
    if kept:
        headers.append((b"cookie", "; ".join(kept).encode("latin-1")))
    request.scope["headers"] = headers


def _sets_login_cookies(response: Response) -> bool:
    """Whether the answer sets or clears the login cookies itself (a logout, a refused login)."""
    return any(
        value.startswith(f"{UI_SESSION_COOKIE}=") or value.startswith(f"{REFRESH_COOKIE}=")
        for value in response.headers.getlist("set-cookie")
    )


async def _renew(request: Request) -> Tokens | None:
    working_day = timedelta(seconds=request.app.state.settings.auth.dashboard_login_seconds)
    async with request.app.state.db.session() as session:
        try:
            tokens = await logins.refresh(
                session,
                guard_of(request).signer,
                request.cookies[REFRESH_COOKIE],
                kind=UI_REFRESH,
                started_after=utcnow() - working_day,
                race=RACE,
            )
        except logins.LoginRefused as exc:
            log.info("dashboard login not renewed", reason=exc.message)
            return None
    log.info("dashboard login renewed")
    return tokens


async def renew_login(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """The middleware: renew an expired dashboard login before the request is authenticated."""
    if not _wants_renewal(request):
        return await call_next(request)
    tokens = await _renew(request)
    _present(request, tokens.access_token if tokens else None)
    response = await call_next(request)
    if not _sets_login_cookies(response):
        if tokens is None:
            clear_login(response)
        else:
            set_login(request, response, tokens)
    return response
