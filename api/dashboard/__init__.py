"""The web dashboard at ``/ui/``: server-rendered pages (Jinja2) with htmx, over the services.

Same origin, login, roles and tenant as the API: ``api.security`` reads the dashboard's login
cookie on its paths, and every route holds the caller to the role the API's matching route
needs. ``install`` adds its routes, its static files, its error pages and the renewal of an
expired login (``renewal``) to the app.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.asgi import DispatchOn
from api.dashboard.errors import dashboard_errors
from api.dashboard.rendering import HERE
from api.dashboard.renewal import renew_login
from api.dashboard.routes import (
    alerts,
    approvals,
    assets,
    auth,
    connections,
    pipelines,
    runs,
    schedules,
)
from api.security import on_dashboard


def install(app: FastAPI) -> None:
    """Add the dashboard; call it after the API's own middleware, so its error pages wrap
    the answers of the authentication middleware too."""
    # Both act on the dashboard's paths only; the API's requests pass them by.
    app.add_middleware(DispatchOn, dispatch=dashboard_errors, applies=on_dashboard)
    # Outermost: renews before anything authenticates.
    app.add_middleware(DispatchOn, dispatch=renew_login, applies=on_dashboard)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")
    for module in (auth, runs, pipelines, assets, schedules, approvals, alerts, connections):
        app.include_router(module.router)
