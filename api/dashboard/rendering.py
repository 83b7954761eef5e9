"""Rendering the dashboard's pages: one Jinja2 environment (autoescaped), its filters, and
``render``, which gives every page the caller, their role and the login's CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.dashboard.session import CSRF_FIELD, csrf_token
from api.deps import Principal

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

PAGE_HEADERS = {
    # Inline handlers and styles are the templates' own (every value is escaped); nothing is
    # loaded from elsewhere, and no other site may frame a page (clickjacking).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

NAVIGATION = [
    ("runs", "Runs", "/ui/runs"),
    ("pipelines", "Pipelines", "/ui/pipelines"),
    ("assets", "Asset pipelines", "/ui/assets"),
    ("schedules", "Schedules & deployments", "/ui/schedules"),
    ("approvals", "Approvals", "/ui/approvals"),
    ("alerts", "Alerts", "/ui/alerts"),
    ("connections", "Connections", "/ui/connections"),
]


def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(ms: int | float | None) -> str:
    if ms is None:
        return "—"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def size(value: int | None) -> str:
    if not value:
        return "0 B"
    amount = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if amount < 1024 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TB"


def number(value: int | None) -> str:
    return f"{value or 0:,}"


templates.env.filters.update(when=when, duration=duration, size=size, number=number)


def fragment_context(request: Request, principal: Principal) -> dict[str, Any]:
    """What the fragments rendered outside a request (an event stream) need."""
    return {
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "can_edit": principal.has_role("editor"),
        "can_admin": principal.has_role("admin"),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    section: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page (or an htmx fragment) with what every template may use."""
    common = {
        "principal": principal,
        "role": next(iter(principal.roles)) if principal else None,
        "can_edit": principal is not None and principal.has_role("editor"),
        "can_admin": principal is not None and principal.has_role("admin"),
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "navigation": NAVIGATION,
        "section": section,
    }
    response = templates.TemplateResponse(
        request, template, {**common, **context}, status_code=status_code
    )
    response.headers.update(PAGE_HEADERS)
    return response
