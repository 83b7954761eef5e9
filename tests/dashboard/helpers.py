"""Driving the dashboard like a browser does: the login form, its cookie, CSRF tokens."""

from __future__ import annotations

import re

import httpx

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
