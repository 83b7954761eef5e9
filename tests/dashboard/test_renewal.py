"""A dashboard login lasts a working day: when its access cookie has expired (or the browser
has dropped it), the next /ui request renews it from the refresh cookie, rotating that too, and
the forms of pages rendered before still post."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import CapturingLogger

from api.dashboard import renewal
from api.dashboard.session import REFRESH_COOKIE
from api.security import UI_SESSION_COOKIE
from tests import auth
from tests.dashboard.helpers import (
    HTML,
    csrf_of,
    drop_access,
    expire_access,
    log_in,
    logged_in,
    login_cookies,
    set_cookies,
)


@pytest.mark.parametrize("expiry", ["dropped", "expired"])
async def test_an_expired_login_is_renewed_on_the_next_page(
    app, settings, tenancy, expiry, monkeypatch
):
    async with logged_in(app, tenancy.members["editor"]) as http:
        page = await http.get("/ui/assets", headers=HTML)
        token = csrf_of(page)
        access, refresh = login_cookies(http)
        drop_access(http) if expiry == "dropped" else expire_access(http, settings)

        # The renewal's own logger, recorded (a logger other tests bound first is cached, so
        # structlog's capture_logs would not see it).
        logs = CapturingLogger()
        monkeypatch.setattr(renewal, "log", logs)
        renewed = await http.get("/ui/runs", headers=HTML)
        assert renewed.status_code == 200, renewed.text[:500]
        assert set(set_cookies(renewed)) == {UI_SESSION_COOKIE, REFRESH_COOKIE}
        new_access, new_refresh = login_cookies(http)
        assert new_access != access and new_refresh != refresh  # both rotated
        assert csrf_of(renewed) == token  # the same login: the same CSRF token
        # The renewed cookies are the login from now on: no renewal on the next request.
        again = await http.get("/ui/runs", headers=HTML)
        assert again.status_code == 200 and "set-cookie" not in again.headers
        # No token in a page, a header other than Set-Cookie, or a log line.
        assert "dashboard login renewed" in [call.args[0] for call in logs.calls]
        for secret in (access, refresh, new_access, new_refresh):
            assert secret not in renewed.text and secret not in again.text
            assert secret not in repr(logs.calls)
            assert secret not in renewed.headers.get("location", "")


async def test_a_form_posted_after_the_access_cookie_expired_goes_through(app, tenancy):
    """A page left open past the hour: its form still posts (renewed on the way)."""
    async with logged_in(app, tenancy.members["editor"]) as http:
        token = csrf_of(await http.get("/ui/assets", headers=HTML))
        drop_access(http)
        posted = await http.post(
            "/ui/assets/ingest_pipeline/run", data={"csrf_token": token, "batch_id": ""}
        )
        # Past the login and the CSRF check: the form's own error.
        assert posted.status_code == 422, posted.text
        assert "enter a batch id" in posted.json()["error"]["message"]
        assert set(set_cookies(posted)) == {UI_SESSION_COOKIE, REFRESH_COOKIE}


async def test_the_refresh_cookie_lasts_the_working_day_at_most(app, settings, tenancy):
    async with logged_in(app, tenancy.members["viewer"]) as http:
        drop_access(http)
        renewed = await http.get("/ui/runs", headers=HTML)
        header = set_cookies(renewed)[REFRESH_COOKIE].lower()
        age = int(header.split("max-age=")[1].split(";")[0])
        assert 0 < age <= settings.auth.dashboard_login_seconds, header


async def test_requests_renewing_at_the_same_moment_keep_the_login(app, tenancy):
    """Two tabs (or a poll and a click) sent with the same refresh cookie: one renews, the other
    gets an access cookie alone, and the login goes on."""
    async with logged_in(app, tenancy.members["viewer"]) as http:
        refresh = login_cookies(http)[1]
        drop_access(http)
        async with auth.anonymous_client(app) as tab:
            tab.headers["Cookie"] = f"{REFRESH_COOKIE}={refresh}"
            answers = await asyncio.gather(
                http.get("/ui/runs", headers=HTML), tab.get("/ui/runs", headers=HTML)
            )
        assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
        cookies = sorted(sorted(set_cookies(a)) for a in answers)
        assert cookies == [[UI_SESSION_COOKIE], [UI_SESSION_COOKIE, REFRESH_COOKIE]], cookies
        # The rotated refresh cookie still renews: the login was not ended.
        if REFRESH_COOKIE not in set_cookies(answers[0]):
            http.cookies.set(
                REFRESH_COOKIE, answers[1].cookies[REFRESH_COOKIE], "ductwork.test", "/ui"
            )
        drop_access(http)
        assert (await http.get("/ui/runs", headers=HTML)).status_code == 200


async def test_logging_in_again_ends_the_browsers_earlier_login(app, tenancy):
    """A second login in the same browser replaces the first: a copy of the first login's
    cookies left elsewhere can neither renew nor be used."""
    member = tenancy.members["viewer"]
    async with logged_in(app, member) as http:
        old_access, old_refresh = login_cookies(http)
        again = await log_in(http, member.email, auth.PASSWORD)
        assert again.status_code == 303, again.text
        assert login_cookies(http) != (old_access, old_refresh)
        assert (await http.get("/ui/runs", headers=HTML)).status_code == 200  # the new login
    async with auth.anonymous_client(app) as copy:
        copy.headers["Cookie"] = f"{REFRESH_COOKIE}={old_refresh}"
        renewed = await copy.get("/ui/runs", headers=HTML)
        assert UI_SESSION_COOKIE not in set_cookies(renewed) or "max-age=0" in (
            set_cookies(renewed)[UI_SESSION_COOKIE].lower()
        )
        copy.headers["Cookie"] = f"{UI_SESSION_COOKIE}={old_access}"
        page = await copy.get("/ui/runs", headers=HTML, follow_redirects=False)
        assert page.status_code in (303, 307, 401), page.status_code
