"""The dashboard's login cookies, its CSRF tokens and its form posts.

A login is two HttpOnly, SameSite=Strict cookies of path ``/ui`` (Secure over https): the
access token, which ``api.security`` reads on the dashboard's paths only, and the refresh
token, which only ``api.dashboard.renewal`` reads, to renew an expired access cookie (nothing
takes it as a credential). Every state-changing post of a cookie login carries a CSRF token
bound to the login (an HMAC of its session id keyed by the server's signing key), so only a
page the dashboard rendered for this login can post, and a page rendered before a renewal
still can; the login form itself is guarded by a random token sent both as a cookie and as a
field (double submit). Callers with an Authorization or X-API-Key header carry no ambient
credential, so their posts need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from api.errors import ApiError
from api.security import UI_PREFIX, UI_SESSION_COOKIE, guard_of
from services.logins import Tokens
from store.models.core import utcnow

REFRESH_COOKIE = "ductwork_ui_refresh"
"""The login's refresh token (path /ui): read only to renew an expired access cookie."""
LOGIN_COOKIE = "ductwork_ui_login"
"""The login form's double-submit token (path /ui/login)."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_FORM_BYTES = 64 * 1024


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_login(request: Request, response: Response, tokens: Tokens) -> None:
    """The cookies of a login (new or renewed; the refresh cookie unless the renewal kept the
    one a racing request set); the refresh cookie lasts until the end of the login's working
    day (``AuthSettings.dashboard_login_seconds``) or of its token, if sooner."""
    settings = request.app.state.settings
    signer = guard_of(request).signer
    worked = (utcnow() - tokens.login_started_at).total_seconds()
    day_left = int(settings.auth.dashboard_login_seconds - worked)
    cookies = [(UI_SESSION_COOKIE, tokens.access_token, tokens.expires_in)]
    if tokens.refresh_token is not None:
        seconds = max(min(day_left, signer.refresh_seconds), 0)
        cookies.append((REFRESH_COOKIE, tokens.refresh_token, seconds))
    for name, value, max_age in cookies:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=UI_PREFIX,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )


def clear_login(response: Response) -> None:
    for name in (UI_SESSION_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path=UI_PREFIX, httponly=True, samesite="strict")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def set_login_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=f"{UI_PREFIX}/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def login_token_matches(request: Request, sent: str) -> bool:
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    return bool(expected and sent) and hmac.compare_digest(expected, sent)


def via_cookie(request: Request) -> bool:
    """True when the request's credential is the dashboard's cookie (no credential header)."""
    return not request.headers.get("Authorization") and not request.headers.get("X-API-Key")


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's cookie login ("" without one): the same for every
    access token of the login, so a renewal leaves the forms of open pages working."""
    principal = getattr(request.state, "principal", None)
    if principal is None or not principal.session_id or not via_cookie(request):
        return ""
    return guard_of(request).signer.mac("ductwork-ui-csrf", principal.session_id)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form post (first value of each), at most 64 KiB."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ApiError(413, "FORM_TOO_LARGE", "the form is larger than 64 KiB")
    content_type = request.headers.get("content-type", "")
    if body and not content_type.startswith("application/x-www-form-urlencoded"):
        raise ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", "post the form as application/x-www-form-urlencoded"
        )
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode(errors="replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


async def checked_form(request: Request) -> dict[str, str]:
    """The post's fields, once its CSRF token is the login's (cookie logins only); else 403."""
    fields = await read_form(request)
    if via_cookie(request):
        expected = csrf_token(request)
        sent = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected, sent):
            raise ApiError(
                403,
                "CSRF_FAILED",
                "this form's security token is missing or stale: reload the page and try again",
            )
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
"""A state-changing post's fields; declare it after the role dependency (Editor, Admin)."""


def safe_next(target: str | None, default: str) -> str:
    """A redirect target inside the dashboard only (never another host)."""
    if target and target.startswith(UI_PREFIX + "/") and "//" not in target and "\\" not in target:
        return target
    return default
