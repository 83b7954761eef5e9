"""Attacks on the dashboard (``/ui``) as a member of tenant A: tenant B's runs, their event
streams and logs, pipelines, connections, approvals and alerts by id; every state-changing form
without its CSRF token (or with another login's); a viewer or an editor posting what needs a
higher role; stored markup in names, messages and reasons; redirects after login and after a
form to another site; the login cookies' flags, and those cookies presented outside ``/ui``;
refresh cookies replayed after their rotation, expired, forged, of a login older than a
working day or logged out, and CSRF after a login was renewed.

Every state-changing route is found from the app itself, so a form added later is attacked too.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import select

from api.dashboard.renewal import RACE
from api.dashboard.session import CSRF_HEADER, REFRESH_COOKIE
from api.security import UI_SESSION_COOKIE
from core.auth.tokens import ACCESS, UI_REFRESH, TokenSigner
from store.models import Execution
from store.models.assets import AssetRun
from store.models.core import utcnow
from store.models.identity import AuthSession, RefreshToken
from store.models.lifecycle import Approval
from store.models.monitoring import Alert
from tests import auth
from tests.dashboard.helpers import (
    HTML,
    csrf_of,
    drop_access,
    expired_refresh,
    log_in,
    logged_in,
    login_cookies,
    set_cookies,
)
from tests.pipelines import FINISHED, unique_name
from tests.security.kit import pending_approval, tenant_client

CONNECTIONS = "/v1/pipelines/connections"
MARKUP = '"><script>alert("dw")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert(", "<img src=x")


@dataclass
class Victim:
    """Tenant B's objects, made through the API with B's key (and rows for what needs a run)."""

    tenant: str
    api: httpx.AsyncClient
    connection: str
    pipeline: str
    pipeline_name: str
    run: str
    approval: str
    alert: str
    asset_pipeline: str
    asset_run: str


@dataclass
class World:
    a: str
    viewer: auth.Member
    editor: auth.Member
    admin: auth.Member
    a_key: str  # an editor key of A
    b: Victim


def _alert(tenant: str, message: str) -> Alert:
    return Alert(
        id=f"alr_{uuid.uuid4().hex}",
        tenant_id=tenant,
        kind="RUN_FAILED",
        severity="HIGH",
        message=message,
        details={"note": message},
        created_at=utcnow(),
    )


async def _add(db, *rows: Any) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        for row in rows:
            session.add(row)
        await session.commit()


async def _finished_run(api: httpx.AsyncClient, pipeline: str) -> str:
    started = await api.post(f"/v1/pipelines/{pipeline}/execute", json={"parameters": {}})
    assert started.status_code == 202, started.text
    run = started.json()["executionId"]
    for _ in range(400):
        body = (await api.get(f"/v1/pipelines/executions/{run}")).json()
        if body["status"] in FINISHED:
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run} did not finish")


@pytest.fixture(scope="module")
async def world(app, db, settings) -> Any:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    a, b = f"uia-{tag}", f"uib-{tag}"
    viewer = await auth.make_user(db, settings, a, "viewer")
    editor = await auth.make_user(db, settings, a, "editor")
    admin = await auth.make_user(db, settings, a, "admin")
    a_key = await auth.make_key(db, a, "editor")
    b_key = await auth.make_key(db, b, "admin")
    root = settings.data_dir / "tenants" / b
    root.mkdir(parents=True, exist_ok=True)
    (root / "seed.csv").write_text("id,name\n1,b-secret\n")
    async with tenant_client(app, b_key, b) as api:
        made = {}
        for kind, database in (("files", str(root)), ("duckdb", str(root / "out.duckdb"))):
            response = await api.post(
                CONNECTIONS,
                json={"name": unique_name(f"b-{kind}"), "type": kind, "database": database},
            )
            assert response.status_code == 201, response.text
            made[kind] = response.json()["connectionId"]
        name = unique_name("b-pipe")
        definition = {
            "sources": {"seed": {"connection": made["files"], "table": "seed.csv"}},
            "sinks": {"out": {"connection": made["duckdb"], "table": "t.rows", "mode": "replace"}},
        }
        created = await api.post("/v1/pipelines", json={"name": name, "definition": definition})
        assert created.status_code == 201, created.text
        pipeline = created.json()["pipelineId"]
        run = await _finished_run(api, pipeline)
        approval, alert = pending_approval(b, "b approval", run), _alert(b, "b alert")
        await _add(db, approval, alert)
        assets = unique_name("b_assets")
        defined = await api.post(
            "/api/pipeline/definitions",
            json={"name": assets, "assets": [{"name": "one", "sql": "SELECT 1 AS x"}]},
        )
        assert defined.status_code == 201, defined.text
        triggered = await api.post(f"/api/pipeline/trigger/{assets}", json={"batch_id": "B_1"})
        assert triggered.status_code == 200, triggered.text
        victim = Victim(
            b,
            api,
            made["files"],
            pipeline,
            name,
            run,
            approval.id,
            alert.id,
            assets,
            triggered.json()["run_id"],
        )
        yield World(a, viewer, editor, admin, a_key, victim)


def _dashboard_posts(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every state-changing route of the dashboard but the login form's own."""
    paths = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/ui/"):
            continue
        methods = route.methods or set()
        if methods & {"POST", "PUT", "PATCH", "DELETE"} and path != "/ui/login":
            paths.append(path)
    return sorted(paths)


def _filled(path: str, value: str = "nope") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


async def _page_token(http: httpx.AsyncClient) -> str:
    return csrf_of(await http.get("/ui/runs", headers=HTML))


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("error_code")
    except ValueError:
        return None


# --- CSRF and roles ------------------------------------------------------------------------------


def test_the_dashboard_has_state_changing_forms_to_attack(app):
    posts = _dashboard_posts(app)
    assert "/ui/logout" in posts and len(posts) >= 5, posts


async def test_every_form_refuses_a_post_without_its_csrf_token(app, world: World):
    async with logged_in(app, world.admin) as http, logged_in(app, world.admin) as other:
        foreign = await _page_token(other)
        for path in _dashboard_posts(app):
            url = _filled(path)
            for form in ({}, {"csrf_token": ""}, {"csrf_token": foreign}, {"csrf_token": "x" * 64}):
                refused = await http.post(url, data={**form, "decision": "approve", "reason": "r"})
                assert refused.status_code == 403, (url, form, refused.text)
                assert _code(refused) == "CSRF_FAILED", (url, refused.text)
            # A token in a query string or a cookie is not a form field or the header.
            refused = await http.post(
                f"{url}?csrf_token={foreign}", cookies={"csrf_token": foreign}
            )
            assert _code(refused) == "CSRF_FAILED", (url, refused.text)
        # Still logged in: none of the refused posts logged the admin out.
        assert (await http.get("/ui/runs", headers=HTML)).status_code == 200


async def test_the_login_form_refuses_a_post_without_its_own_token(anon_api, world: World):
    response = await anon_api.post(
        "/ui/login", data={"email": world.admin.email, "password": auth.PASSWORD}
    )
    assert response.status_code == 400, response.text
    assert UI_SESSION_COOKIE + "=" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("role", ["viewer", "editor"])
async def test_a_lower_role_cannot_post_what_needs_a_higher_one(app, world: World, role: str):
    member = world.viewer if role == "viewer" else world.editor
    async with logged_in(app, member) as http:
        token = await _page_token(http)
        for path in _dashboard_posts(app):
            if path == "/ui/logout":
                continue
            url = _filled(path)
            if role == "editor" and not path.startswith("/ui/approvals"):
                continue  # an editor may post the rest; approvals need an admin
            response = await http.post(
                url, data={"csrf_token": token, "decision": "approve", "reason": "r"}
            )
            assert response.status_code == 403, (role, url, response.text)
            assert _code(response) == "PERMISSION_DENIED", (url, response.text)


HOSTILE_FORMS: list[tuple[dict[str, str], bytes]] = [
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"parameters=" + b"x" * 70_000),
    ({"Content-Type": "application/json"}, b'{"parameters": {}}'),
    ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x--"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"parameters=%ff%fe%00&reason=%c3%28"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"parameters=[1]&decision=%00"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"parameters=" + b"%7B" * 5000),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b'parameters={"a":NaN}&next=%00'),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"&&&==&=&"),
]
HOSTILE_IDS = ["%00", "..%2F..%2Fetc%2Fpasswd", "x" * 5000, "%E2%80%AE%F0%9F%92%A5", "'%20OR%201=1"]


async def test_hostile_form_posts_and_ids_get_a_4xx(app, world: World):
    async with logged_in(app, world.admin) as http:
        token = await _page_token(http)
        for path in _dashboard_posts(app):
            if path == "/ui/logout":
                continue
            for value in HOSTILE_IDS:
                url = _filled(path, value)
                for headers, body in HOSTILE_FORMS:
                    response = await http.post(
                        url, content=body, headers={**headers, CSRF_HEADER: token}
                    )
                    assert 400 <= response.status_code < 500, (url, body[:40], response.text[:300])
        for value in HOSTILE_IDS:
            for url in (f"/ui/runs/{value}", f"/ui/runs/{value}/logs", f"/ui/pipelines/{value}"):
                response = await http.get(url, headers=HTML)
                assert 400 <= response.status_code < 500, (url, response.text[:300])
        for query in ("page=0", "page=-1", "page=999999999999", "status=%00", "pipeline=%00"):
            response = await http.get(f"/ui/runs?{query}", headers=HTML)
            assert response.status_code < 500, (query, response.text[:300])


# --- tenant B's objects --------------------------------------------------------------------------


async def test_tenant_bs_objects_are_not_found_on_tenant_as_dashboard(app, world: World):
    b = world.b
    async with logged_in(app, world.admin) as http:
        for url in (
            f"/ui/runs/{b.run}",
            f"/ui/runs/{b.run}/events",
            f"/ui/runs/{b.run}/logs",
            f"/ui/pipelines/{b.pipeline}",
            f"/ui/pipelines/{b.pipeline_name}",
            f"/ui/assets/{b.asset_pipeline}",
            f"/ui/asset-runs/{b.asset_run}",
            f"/ui/asset-runs/{b.asset_run}/events",
        ):
            response = await http.get(url)
            assert response.status_code == 404, (url, response.status_code, response.text[:500])
            assert "b-secret" not in response.text
        token = await _page_token(http)
        form = {"csrf_token": token, "decision": "approve", "reason": "mine now"}
        for url in (
            f"/ui/runs/{b.run}/cancel",
            f"/ui/pipelines/{b.pipeline}/run",
            f"/ui/connections/{b.connection}/test",
            f"/ui/approvals/{b.approval}/decide",
            f"/ui/alerts/{b.alert}/acknowledge",
            f"/ui/assets/{b.asset_pipeline}/run",
            f"/ui/asset-runs/{b.asset_run}/cancel",
        ):
            response = await http.post(url, data={**form, "batch_id": "A_1"})
            assert response.status_code == 404, (url, response.status_code, response.text[:500])
        # The lists show none of B's objects, even when asked for them.
        for url in (
            "/ui/runs",
            f"/ui/runs?pipeline={b.pipeline}",
            "/ui/pipelines",
            "/ui/connections",
            "/ui/approvals",
            "/ui/alerts",
            "/ui/schedules",
            "/ui/assets",
        ):
            page = await http.get(url, headers=HTML)
            assert page.status_code == 200, (url, page.text[:500])
            needles = (b.run, b.pipeline, b.pipeline_name, b.connection, b.approval, b.alert)
            for needle in (*needles, b.asset_pipeline, b.asset_run):
                assert needle not in page.text, (url, needle)
            assert "b approval" not in page.text and "b alert" not in page.text, url
    # Nothing of B's changed: no second run, the approval and the alert untouched.
    async with app.state.db.session() as session:
        runs = (
            await session.exec(select(Execution).where(Execution.pipeline_id == b.pipeline))
        ).all()
        assert [r.id for r in runs] == [b.run], runs
        row = await session.get(Approval, b.approval)
        assert row is not None and row.status == "PENDING", row
        alert = await session.get(Alert, b.alert)
        assert alert is not None and alert.status == "OPEN", alert
        asset_runs = (
            await session.exec(select(AssetRun).where(AssetRun.pipeline == b.asset_pipeline))
        ).all()
        assert [r.id for r in asset_runs] == [b.asset_run], asset_runs


# --- stored markup -------------------------------------------------------------------------------


async def test_stored_markup_is_shown_as_text_on_every_page(app, db, world: World):
    async with tenant_client(app, world.a_key, world.a) as api:
        connection = await api.post(
            CONNECTIONS,
            json={
                "name": MARKUP,
                "type": "duckdb",
                "database": "x.duckdb",
            },
        )
        assert connection.status_code in (201, 400, 422), connection.text
        pipeline = await api.post(
            "/v1/pipelines",
            json={
                "name": unique_name("xss"),
                "description": MARKUP,
                "definition": {
                    "sources": {"s": {"connection": "nowhere", "table": "t"}},
                    "sinks": {"o": {"connection": "nowhere", "table": "o.t"}},
                },
            },
        )
        pipeline_id = pipeline.json().get("pipelineId") if pipeline.status_code == 201 else None
        assets = unique_name("xss_assets")
        defined = await api.post(
            "/api/pipeline/definitions",
            json={
                "name": assets,
                "description": MARKUP,
                "config": {"note": {"default": MARKUP, "description": MARKUP}},
                "assets": [{"name": "one", "description": MARKUP, "sql": "SELECT 1 AS x"}],
            },
        )
        assert defined.status_code == 201, defined.text
    approval, alert = pending_approval(world.a, MARKUP), _alert(world.a, MARKUP)
    await _add(db, approval, alert)
    async with logged_in(app, world.admin) as http:
        pages = ["/ui/runs", "/ui/pipelines", "/ui/connections", "/ui/approvals", "/ui/alerts"]
        pages += ["/ui/assets", f"/ui/assets/{assets}"]
        if pipeline_id:
            pages.append(f"/ui/pipelines/{pipeline_id}")
        pages.append(f"/ui/login?next=/ui/{MARKUP}")
        shown = 0
        for url in pages:
            page = await http.get(url, headers=HTML)
            assert page.status_code == 200, (url, page.text[:300])
            for raw in RAW:
                assert raw not in page.text, (url, raw)
            shown += "&lt;script&gt;" in page.text or "&#34;&gt;&lt;script" in page.text
        assert shown >= 2, "the markup was stored somewhere and shown escaped"
        # An error page quoting what the caller sent, and an htmx notice, escape it too.
        token = await _page_token(http)
        for headers in (HTML, {"HX-Request": "true"}):
            page = await http.post(
                f"/ui/approvals/{approval.id}/decide",
                data={"csrf_token": token, "decision": MARKUP, "reason": MARKUP},
                headers=headers,
            )
            assert page.status_code in (404, 409, 422), page.text[:300]
            for raw in RAW:
                assert raw not in page.text, raw
        error = await http.get(f"/ui/runs/{MARKUP}", headers=HTML)
        for raw in RAW:
            assert raw not in error.text, raw


async def test_markup_in_a_runs_error_and_log_lines_is_shown_as_text(app, settings, world: World):
    """A transformation naming a column spelled as markup fails; the error quotes it, in the
    run's answer, its page, its live fragments and its log lines."""
    root = settings.data_dir / "tenants" / world.a
    root.mkdir(parents=True, exist_ok=True)
    (root / "seed.csv").write_text("id\n1\n")
    async with tenant_client(app, world.a_key, world.a) as api:
        made = {}
        for kind, database in (("files", str(root)), ("duckdb", str(root / "out.duckdb"))):
            response = await api.post(
                CONNECTIONS, json={"name": unique_name(kind), "type": kind, "database": database}
            )
            assert response.status_code == 201, response.text
            made[kind] = response.json()["connectionId"]
        column = "<script>alert(1)</script><img src=x onerror=alert(1)>"
        definition = {
            "sources": {"seed": {"connection": made["files"], "table": "seed.csv"}},
            "transformations": [{"name": "t", "sql": f'SELECT "{column}" FROM seed'}],
            "sinks": {"out": {"connection": made["duckdb"], "table": "t.rows", "mode": "replace"}},
        }
        created = await api.post(
            "/v1/pipelines", json={"name": unique_name("xss-run"), "definition": definition}
        )
        assert created.status_code == 201, created.text
        run = await _finished_run(api, created.json()["pipelineId"])
        answer = (await api.get(f"/v1/pipelines/executions/{run}")).text
    async with logged_in(app, world.viewer) as http:
        for url in (
            f"/ui/runs/{run}",
            f"/ui/runs/{run}/logs",
            "/ui/runs",
            f"/ui/runs/{run}/events",
        ):
            page = await http.get(url, headers=HTML)
            assert page.status_code == 200, (url, page.text[:300])
            for raw in RAW:
                assert raw not in page.text, (url, raw)
    assert "script" in answer  # the error did quote the markup (the API answers JSON)


# --- redirects -----------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example/",
    "///evil.example",
    "https://evil.example/ui/",
    "/\\evil.example",
    "/ui/..//evil.example",
    "/ui//evil.example",
    "/ui/\\\\evil.example",
    "/ui/\t/evil.example",
    "\t//evil.example",
    "/ui/%0d%0aLocation:%20https://evil.example",
    "/ui/\r\nSet-Cookie: ductwork_ui=stolen",
    "javascript:alert(1)//ui/",
    " /ui/runs",
    "http:/ui/runs",
    "/ui/@evil.example",
]


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/ui/")
        and "//" not in location
        and "\\" not in location
        and "\r" not in location
        and "\n" not in location
    )


async def test_login_never_redirects_to_another_site(app, world: World):
    for target in HOSTILE_NEXT:
        async with auth.anonymous_client(app) as http:
            form = await http.get("/ui/login", params={"next": target}, headers=HTML)
            assert form.status_code == 200
            field = re.search(r'name="next" value="([^"]*)"', form.text)
            # The form carries only a path of the dashboard (escaped in its attribute).
            assert field is None or field.group(1).startswith("/ui/"), field
            token = re.search(r'name="login_token" value="([^"]+)"', form.text)
            assert token
            response = await http.post(
                "/ui/login",
                data={
                    "login_token": token.group(1),
                    "email": world.viewer.email,
                    "password": auth.PASSWORD,
                    "next": target,
                },
            )
            assert response.status_code == 303, (target, response.text)
            location = response.headers["location"]
            assert _same_site(location), (target, location)
            assert "stolen" not in response.headers.get("set-cookie", ""), target


async def test_a_form_post_never_redirects_to_another_site(app, db, world: World):
    alert = _alert(world.a, "to acknowledge")
    await _add(db, alert)
    async with logged_in(app, world.editor) as http:
        token = await _page_token(http)
        response = await http.post(
            f"/ui/alerts/{alert.id}/acknowledge",
            data={"csrf_token": token, "next": "//evil.example/x"},
        )
        assert response.status_code == 303, response.text
        assert _same_site(response.headers["location"]), response.headers["location"]


# --- the login cookie ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_the_login_cookies_are_httponly_strict_and_only_for_ui(
    app, world: World, scheme: str
):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"{scheme}://ductwork.test"
    ) as http:
        response = await log_in(http, world.viewer.email, auth.PASSWORD)
        assert response.status_code == 303, response.text
        for name in (UI_SESSION_COOKIE, REFRESH_COOKIE):
            cookies = [c for c in response.headers.get_list("set-cookie") if name + "=" in c]
            assert len(cookies) == 1, cookies
            flags = [part.strip().lower() for part in cookies[0].split(";")]
            assert "httponly" in flags, cookies
            assert "samesite=strict" in flags, cookies
            assert "path=/ui" in flags, cookies
            assert not any(f.startswith("domain=") for f in flags), cookies
            assert ("secure" in flags) == (scheme == "https"), cookies
        assert "token" not in response.headers["location"]


async def test_the_login_cookie_is_no_credential_outside_the_dashboard(app, world: World):
    async with logged_in(app, world.admin) as http:
        token = http.cookies.get(UI_SESSION_COOKIE)
        assert token
    async with auth.anonymous_client(app) as anon:
        anon.headers["Cookie"] = f"{UI_SESSION_COOKIE}={token}"
        for url in (
            "/api/v1/auth/me",
            "/api/v1/users",
            CONNECTIONS,
            "/v1/pipelines",
            "/api/pipeline/definitions",
            "/api/pipeline/runs",
            "/metrics",
            "/connections",
            "/uix",
            "/ui-admin",
        ):
            response = await anon.get(url, headers={"X-Tenant-ID": world.a})
            assert response.status_code in (401, 404), (url, response.status_code, response.text)
        # On the dashboard it is the login, and the CSRF header counts only with that cookie.
        assert (await anon.get("/ui/runs", headers=HTML)).status_code == 200
        refused = await anon.post("/ui/logout", headers={CSRF_HEADER: "0" * 64})
        assert _code(refused) == "CSRF_FAILED", refused.text


# --- the refresh cookie --------------------------------------------------------------------------

API_PATHS = (
    "/api/v1/auth/me",
    "/api/v1/users",
    CONNECTIONS,
    "/v1/pipelines",
    "/api/pipeline/runs",
    "/metrics",
)


async def _with_refresh_cookie(app, refresh: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    """A browser that holds only this refresh cookie opens a dashboard page."""
    async with auth.anonymous_client(app) as thief:
        thief.headers["Cookie"] = f"{REFRESH_COOKIE}={refresh}"
        return await thief.get("/ui/runs", headers=HTML)


def _not_logged_in(response: httpx.Response) -> None:
    """Sent to the login form, with both cookies cleared and no new login set."""
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"].startswith("/ui/login"), response.headers
    for name, header in set_cookies(response).items():
        assert name in (UI_SESSION_COOKIE, REFRESH_COOKIE), header
        assert header.startswith(f'{name}=""') or "max-age=0" in header.lower(), header


async def _login_ended(app, session_id: str) -> bool:  # type: ignore[no-untyped-def]
    async with app.state.db.session() as session:
        row = await session.get(AuthSession, session_id, populate_existing=True)
        return row is not None and row.revoked_at is not None


async def test_a_refresh_cookie_replayed_after_its_rotation_ends_the_login(app, world: World):
    """A stolen refresh cookie, presented after the dashboard has rotated it (and after the few
    seconds in which a racing request of the same browser could have): no login, and (as the
    API's refresh does) every token of that login stops working."""
    signer = TokenSigner.from_settings(app.state.settings)
    async with logged_in(app, world.viewer) as victim:
        access, stolen = login_cookies(victim)
        drop_access(victim)
        assert (await victim.get("/ui/runs", headers=HTML)).status_code == 200  # rotated
        # Later than a request racing the renewal could have been sent.
        async with app.state.db.session() as session:
            spent = await session.get(RefreshToken, signer.decode(stolen, UI_REFRESH).token_id)
            assert spent is not None and spent.used_at is not None
            spent.used_at -= RACE + timedelta(seconds=1)
            session.add(spent)
            await session.commit()
        _not_logged_in(await _with_refresh_cookie(app, stolen))
        assert await _login_ended(app, signer.decode(access, ACCESS).session_id)
        _not_logged_in(await victim.get("/ui/runs", headers=HTML))  # the victim's too


async def test_expired_forged_misused_or_day_old_refresh_cookies_do_not_log_in(
    app, settings, world: World
):
    async with logged_in(app, world.viewer) as http:
        access, refresh = login_cookies(http)
    signer = TokenSigner.from_settings(settings)
    claims = signer.decode(access, ACCESS)
    forger = TokenSigner(b"not-the-server-key" * 2, access_seconds=3600, refresh_seconds=3600)
    forged = forger.issue(
        UI_REFRESH,
        user_id=claims.user_id,
        session_id=claims.session_id,
        tenant_id=claims.tenant_id,
        now=utcnow(),
    ).token
    for bad in (expired_refresh(settings, access), forged, access, "x", "a.b.c", ""):
        _not_logged_in(await _with_refresh_cookie(app, bad))
    # The login's own refresh token is still good (none of the above spent it)...
    async with logged_in(app, world.viewer) as http:
        # ...until its login is older than a working day.
        session_id = signer.decode(login_cookies(http)[0], ACCESS).session_id
        async with app.state.db.session() as session:
            row = await session.get(AuthSession, session_id)
            assert row is not None
            row.created_at = utcnow() - timedelta(seconds=settings.auth.dashboard_login_seconds + 1)
            session.add(row)
            await session.commit()
        drop_access(http)
        _not_logged_in(await http.get("/ui/runs", headers=HTML))
    assert (await _with_refresh_cookie(app, refresh)).status_code == 200  # the first login


async def test_logout_revokes_the_refresh_token_and_clears_both_cookies(app, world: World):
    signer = TokenSigner.from_settings(app.state.settings)
    for expired_first in (False, True):
        async with logged_in(app, world.editor) as http:
            access, refresh = login_cookies(http)
            token = csrf_of(await http.get("/ui/runs", headers=HTML))
            if expired_first:  # the logout itself renews the login first, then ends it
                drop_access(http)
            out = await http.post("/ui/logout", data={"csrf_token": token})
            assert out.status_code == 303 and out.headers["location"] == "/ui/login"
            cleared = set_cookies(out)
            assert set(cleared) == {UI_SESSION_COOKIE, REFRESH_COOKIE}, cleared
            assert all("max-age=0" in c.lower() for c in cleared.values()), cleared
        assert await _login_ended(app, signer.decode(access, ACCESS).session_id)
        if not expired_first:  # (else the old refresh token was spent by the renewal)
            _not_logged_in(await _with_refresh_cookie(app, refresh))
        async with auth.anonymous_client(app) as anon:
            again = await anon.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
            assert again.status_code == 401, again.text
            me = await anon.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
            assert me.status_code == 401, me.text


async def test_the_refresh_cookie_is_no_credential_outside_the_dashboard(app, world: World):
    async with logged_in(app, world.admin) as http:
        refresh = login_cookies(http)[1]
        async with auth.anonymous_client(app) as anon:
            for cookie in (f"{REFRESH_COOKIE}={refresh}", f"{UI_SESSION_COOKIE}={refresh}"):
                anon.headers["Cookie"] = cookie
                for url in API_PATHS:
                    response = await anon.get(url, headers={"X-Tenant-ID": world.a})
                    assert response.status_code in (401, 404), (cookie, url, response.text)
                    assert "set-cookie" not in response.headers, (cookie, url)
            # A refresh token is no access token: not as the dashboard's access cookie...
            anon.headers["Cookie"] = f"{UI_SESSION_COOKIE}={refresh}"
            assert (await anon.get("/ui/runs")).status_code == 401
            # ...nor as a bearer token.
            del anon.headers["Cookie"]
            bearer = {"Authorization": f"Bearer {refresh}", "X-Tenant-ID": world.a}
            assert (await anon.get("/api/v1/auth/me", headers=bearer)).status_code == 401
            assert (await anon.get("/ui/runs", headers=bearer)).status_code == 401
            # The API's refresh does not exchange it (a dashboard refresh token)...
            exchanged = await anon.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
            assert exchanged.status_code == 401, exchanged.text
            # ...and the dashboard does not take the API's refresh token as its cookie.
            api_login = await anon.post(
                "/api/v1/auth/login", json={"email": world.admin.email, "password": auth.PASSWORD}
            )
            assert api_login.status_code == 200, api_login.text
            _not_logged_in(await _with_refresh_cookie(app, api_login.json()["refresh_token"]))
        # None of that spent it: the dashboard still renews with it.
        drop_access(http)
        assert (await http.get("/ui/runs", headers=HTML)).status_code == 200


async def test_csrf_is_still_enforced_after_a_renewal(app, world: World):
    async with logged_in(app, world.admin) as http, logged_in(app, world.admin) as other:
        foreign = await _page_token(other)
        mine = await _page_token(http)
        for path in _dashboard_posts(app):
            url = _filled(path)
            for form in ({}, {"csrf_token": foreign}, {"csrf_token": "x" * 64}):
                drop_access(http)
                refused = await http.post(url, data={**form, "batch_id": "B"})
                assert refused.status_code == 403, (url, form, refused.text)
                assert _code(refused) == "CSRF_FAILED", (url, refused.text)
                assert set(set_cookies(refused)) == {UI_SESSION_COOKIE, REFRESH_COOKIE}
            if path != "/ui/logout":  # the page's own token, rendered before: past the check
                drop_access(http)
                allowed = await http.post(url, data={"csrf_token": mine, "batch_id": "B"})
                assert _code(allowed) != "CSRF_FAILED", (url, allowed.text)
