"""Driving the dashboard like a browser does: the login form, its cookie, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from api.dashboard.session import REFRESH_COOKIE
from api.security import UI_SESSION_COOKIE
from core.auth.tokens import ACCESS, UI_REFRESH, TokenSigner
from core.settings import Settings
from store.models.core import utcnow
from tests import auth

HTML = {"Accept": "text/html,application/xhtml+xml"}

_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Fill in and post the login form; the client keeps the login cookie."""
    form = await http.get("/ui/login", headers=HTML)
    assert form.status_code == 200, form.text
    token = _LOGIN_TOKEN.search(form.text)
    assert token, form.text
    return await http.post(
        "/ui/login",
        data={"login_token": token.group(1), "email": email, "password": password},
        headers=HTML,
    )


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a page rendered into its forms."""
    found = _CSRF.search(page.text)
    assert found, page.text[:2000]
    return found.group(1)


def login_cookies(http: httpx.AsyncClient) -> tuple[str, str]:
    """The client's access and refresh cookies (both must be there)."""
    access, refresh = http.cookies.get(UI_SESSION_COOKIE), http.cookies.get(REFRESH_COOKIE)
    assert access and refresh, dict(http.cookies)
    return access, refresh


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


def drop_access(http: httpx.AsyncClient) -> None:
    """What a browser does when the access cookie's max-age has passed."""
    http.cookies.delete(UI_SESSION_COOKIE)


def expire_access(http: httpx.AsyncClient, settings: Settings) -> None:
    """Replace the access cookie with an expired token of the same login."""
    signer = TokenSigner.from_settings(settings)
    claims = signer.decode(login_cookies(http)[0], ACCESS)
    expired = signer.issue(
        ACCESS,
        user_id=claims.user_id,
        session_id=claims.session_id,
        tenant_id=claims.tenant_id,
        now=utcnow() - timedelta(seconds=signer.access_seconds + 60),
    )
    drop_access(http)
    http.cookies.set(UI_SESSION_COOKIE, expired.token, domain="ductwork.test", path="/ui")


def expired_refresh(settings: Settings, access_token: str) -> str:
    """A dashboard refresh token of the access token's login that has expired."""
    signer = TokenSigner.from_settings(settings)
    claims = signer.decode(access_token, ACCESS)
    return signer.issue(
        UI_REFRESH,
        user_id=claims.user_id,
        session_id=claims.session_id,
        tenant_id=claims.tenant_id,
        now=utcnow() - timedelta(seconds=signer.refresh_seconds + 60),
    ).token


def postgres_pipeline(
    source: str, target: str, table: str, checks: list | None = None, sink: str | None = None
) -> dict:
    """A one-table copy from the source connection to the target connection."""
    out = sink or f"{table}_copy"
    return {
        "sources": {"orders": {"connection": source, "table": f"public.{table}"}},
        "sinks": {"copy": {"connection": target, "table": f"public.{out}", "mode": "replace"}},
        "quality_checks": checks or [],
    }


@asynccontextmanager
async def logged_in(app, member: auth.Member) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A cookie-keeping client of the app, logged in through the form as ``member``."""
    async with auth.anonymous_client(app) as http:
        response = await log_in(http, member.email, auth.PASSWORD)
        assert response.status_code == 303, response.text
        yield http


@asynccontextmanager
async def bootstrap_api(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The API as the bootstrap admin key of tenant "default"."""
    async with auth.anonymous_client(app) as api:
        api.headers.update({"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT})
        yield api
