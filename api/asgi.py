"""The API's own middleware, as plain ASGI."""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """A middleware for HTTP requests (every other kind passes through): ``handle`` wraps the
    app. Plain ASGI, unlike ``app.middleware``: the app runs in the request's own task, not in
    one more per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class DispatchOn(HttpMiddleware):
    """A dispatch function (``app.middleware("http")``'s) on the paths it ``applies`` to; every
    other request goes straight to the app, without the task and streams of its own that
    ``BaseHTTPMiddleware`` makes for each request it wraps."""

    def __init__(
        self, app: ASGIApp, dispatch: DispatchFunction, applies: Callable[[str], bool]
    ) -> None:
        super().__init__(app)
        self.wrapped = BaseHTTPMiddleware(app, dispatch)
        self.applies = applies

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.wrapped if self.applies(scope["path"]) else self.app
        await target(scope, receive, send)
