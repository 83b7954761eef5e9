"""Driving the dashboard like a browser does: the login form, its cookie, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

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
