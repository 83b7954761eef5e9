"""Errors as a browser should see them on the dashboard's paths.

API clients (no ``text/html`` in Accept, no htmx header) keep the JSON error body of every
surface. A browser without a valid login is sent to the login form; other errors become a page
with the error's message (for an htmx request: a notice swapped into the page's notice area).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from api.dashboard.rendering import render
from api.dashboard.session import clear_login
from api.security import on_dashboard

ERROR_BODY_LIMIT = 64 * 1024


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or is_htmx(request)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if is_htmx(request) or request.method != "GET":
        current = urlsplit(request.headers.get("HX-Current-URL") or "/ui/")
        target = current.path + (f"?{current.query}" if current.query else "")
    return f"/ui/login?next={quote(target, safe='')}"


async def _message(response: Response) -> str:
    body = b""
    async for chunk in response.body_iterator:  # type: ignore[attr-defined]
        body += chunk if isinstance(chunk, bytes) else chunk.encode()
        if len(body) > ERROR_BODY_LIMIT:
            break
    try:
        parsed = json.loads(body)
        return str(parsed["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return "something went wrong"


async def dashboard_errors(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    if response.status_code < 400 or not on_dashboard(request.url.path):
        return response
    if not wants_html(request) or response.headers.get("content-type") != "application/json":
        return response
    if response.status_code == 401:
        url = login_url(request)
        answer: Response
        if is_htmx(request):
            answer = Response(status_code=401, headers={"HX-Redirect": url})
        else:
            answer = RedirectResponse(url, status_code=303)
        clear_login(answer)
        return answer
    message = await _message(response)
    principal = getattr(request.state, "principal", None)
    if is_htmx(request):
        page = render(
            request,
            "_notice.html",
            {"message": message, "status": response.status_code},
            status_code=response.status_code,
        )
        page.headers.update({"HX-Retarget": "#notice", "HX-Reswap": "innerHTML"})
        return page
    return render(
        request,
        "error.html",
        {"message": message, "status": response.status_code},
        principal=principal,
        status_code=response.status_code,
    )
