"""The dashboard over HTTP: login and its cookie, roles, tenants and CSRF, every page."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests import auth
from tests.dashboard.helpers import (
    HTML,
    bootstrap_api,
    csrf_of,
    log_in,
    logged_in,
    postgres_pipeline,
)
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name
from tests.services import pg_dsn

PAGES = [
    "/ui/runs",
    "/ui/pipelines",
    "/ui/schedules",
    "/ui/approvals",
    "/ui/alerts",
    "/ui/connections",
]


@pytest.fixture
async def browser(app):
    """A cookie-keeping client of the app, as a browser without a login yet."""
    async with auth.anonymous_client(app) as http:
        yield http


@pytest.fixture(scope="module")
async def finished_run(app, source_db, target_db) -> dict:
    """A completed run of a small pipeline of tenant "default"."""
    table = unique_name("ui_orders")
    source = await asyncpg.connect(pg_dsn(source_db))
    try:
        await source.execute(
            f"CREATE TABLE {table} AS SELECT g AS id FROM generate_series(1, 50) g"
        )
    finally:
        await source.close()
    async with bootstrap_api(app) as api:
        return await _run_once(api, source_db, target_db, table)


async def _run_once(api: httpx.AsyncClient, source_db: str, target_db: str, table: str) -> dict:
    src, dst = unique_name("ui_src"), unique_name("ui_dst")
    await create_connection(api, source_db, src)
    await create_connection(api, target_db, dst)
    pipeline = await create_pipeline(
        api, unique_name("ui_copy"), postgres_pipeline(src, dst, table)
    )
    done = await run_to_end(api, pipeline)
    assert done["status"] == "COMPLETED", done
    return done


async def test_pages_need_a_login(browser):
    # A browser goes to the login form and comes back where it was going; API clients get 401.
    page = await browser.get("/ui/runs?status=FAILED", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/login?next=%2Fui%2Fruns%3Fstatus%3DFAILED"
    api_like = await browser.get("/ui/runs")
    assert api_like.status_code == 401
    assert api_like.json()["error_code"] == "AUTHENTICATION_REQUIRED"
    assert (await browser.get("/")).headers["location"] == "/ui/"
    # An htmx request of a page whose login expired sends that page to the login form.
    htmx = await browser.get(
        "/ui/runs/exec-1/logs",
        headers={"HX-Request": "true", "HX-Current-URL": "http://ductwork.test/ui/alerts?x=1"},
    )
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"] == "/ui/login?next=%2Fui%2Falerts%3Fx%3D1"
    # The login form and its assets need no login.
    assert (await browser.get("/ui/login", headers=HTML)).status_code == 200
    css = await browser.get("/ui/static/dashboard.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert (await browser.get("/ui/static/htmx.min.js")).status_code == 200


async def test_login_sets_a_strict_cookie_for_the_dashboard_only(app, browser, tenancy):
    admin = tenancy.members["admin"]
    wrong = await log_in(browser, admin.email, "not the password")
    assert wrong.status_code == 400 and "wrong email or password" in wrong.text
    assert "ductwork_ui=" not in wrong.headers.get("set-cookie", "")
    # A login post without the form's own token (another site's form) is refused.
    forged = await browser.post(
        "/ui/login", data={"email": admin.email, "password": auth.PASSWORD}, headers=HTML
    )
    assert forged.status_code == 400 and "expired" in forged.text

    response = await log_in(browser, admin.email, auth.PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/ui/runs"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("ductwork_ui=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/ui"} <= attributes
    # The cookie is the dashboard's credential only: the API's own routes ignore it.
    token = browser.cookies.get("ductwork_ui")
    assert token
    async with auth.anonymous_client(app) as other:
        other.cookies.set("ductwork_ui", token)
        api_call = await other.get("/api/v1/auth/me")
        assert api_call.status_code == 401  # no credential header: not logged in there

    for path in PAGES:
        page = await browser.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:500])
        assert "default · admin" in page.text, path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    logout = await browser.post("/ui/logout", data={"csrf_token": csrf_of(page)}, headers=HTML)
    assert logout.status_code == 303
    assert (await browser.get("/ui/runs", headers=HTML)).status_code == 303  # logged out


async def test_a_post_without_the_csrf_token_is_refused(app, tenancy, finished_run):
    async with logged_in(app, tenancy.members["admin"]) as http:
        run = finished_run["executionId"]
        page = await http.get(f"/ui/runs/{run}", headers=HTML)
        assert page.status_code == 200
        for data in ({}, {"csrf_token": "0" * 64}):
            refused = await http.post(f"/ui/runs/{run}/cancel", data=data)
            assert refused.status_code == 403, refused.text
            assert refused.json()["error_code"] == "CSRF_FAILED"
        refused = await http.post("/ui/logout", data={})
        assert refused.status_code == 403
        # With the page's token the same post gets through to the run (which has finished).
        allowed = await http.post(
            f"/ui/runs/{run}/cancel", data={"csrf_token": csrf_of(page)}, headers=HTML
        )
        assert allowed.status_code == 409 and "already finished" in allowed.text


async def test_a_viewer_sees_runs_but_cannot_cancel_or_decide(app, tenancy, finished_run):
    async with logged_in(app, tenancy.members["viewer"]) as http:
        run = finished_run["executionId"]
        page = await http.get(f"/ui/runs/{run}", headers=HTML)
        assert page.status_code == 200
        assert "COMPLETED" in page.text and "Cancel run" not in page.text
        assert finished_run["temporalUiUrl"].replace("&", "&amp;") in page.text
        csrf = csrf_of(page)
        cancel = await http.post(f"/ui/runs/{run}/cancel", data={"csrf_token": csrf})
        assert cancel.status_code == 403
        assert "needs the editor role" in cancel.json()["error"]["message"]
        decide = await http.post(
            f"/ui/approvals/{uuid.uuid4().hex}/decide",
            data={"csrf_token": csrf, "decision": "approve", "reason": "looks fine"},
        )
        assert decide.status_code == 403
        assert "needs the admin role" in decide.json()["error"]["message"]
        # A browser gets the refusal as a page, not JSON.
        as_page = await http.post(f"/ui/runs/{run}/cancel", data={"csrf_token": csrf}, headers=HTML)
        assert as_page.status_code == 403 and "Not allowed" in as_page.text
        logs = await http.get(f"/ui/runs/{run}/logs", params={"task": "load_copy"})
        assert logs.status_code == 200


async def test_another_tenants_run_is_not_found(app, other_tenant, finished_run):
    async with logged_in(app, other_tenant.members["admin"]) as http:
        run = finished_run["executionId"]
        for path in (f"/ui/runs/{run}", f"/ui/runs/{run}/logs", f"/ui/runs/{run}/events"):
            response = await http.get(path)
            assert response.status_code == 404, (path, response.text)
        page = await http.get(f"/ui/runs/{run}", headers=HTML)
        assert page.status_code == 404 and "Not found" in page.text
        listing = await http.get("/ui/runs", headers=HTML)
        assert run not in listing.text
        assert f"{other_tenant.tenant_id} · admin" in listing.text


async def test_a_finished_runs_events_end_the_stream(app, tenancy, finished_run):
    async with logged_in(app, tenancy.members["viewer"]) as http:
        run = finished_run["executionId"]
        response = await http.get(f"/ui/runs/{run}/events")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [b.split("\n")[0] for b in response.text.split("\n\n") if b.strip()]
        assert events == ["event: progress", "event: approval", "event: logs", "event: end"]
        assert "100%" in response.text and "data: COMPLETED" in response.text
