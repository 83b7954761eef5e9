"""Identity across tenants: the admin of one tenant does not reach a user's other tenants.

The attacker is an admin of tenant B; the victim is a user of tenant A who is also in B. The user
record (email, name, password, active status) is shared by all the user's tenants, so B's admin
must not change it; a reset by someone who may ends every login of the user; and the login
rate limit counts per address, which a forged proxy header does not change.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select
from starlette.datastructures import Headers

from api import serve
from api.main import create_app
from core.auth.proxies import TrustedProxies, parse_address
from core.settings import Settings
from stack.processes import api_argv
from store import identity
from store.models.identity import AuthSession
from tests.auth import PASSWORD, UNMETERED, Member, headers, make_key, make_user

NEW_PASSWORD = "a new password for every tenant"
NOT_YOURS = "the user belongs to other tenants you do not administer"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Tenants:
    a: str
    b: str
    victim: Member  # admin of A and of B
    attacker: Member  # admin of B only
    both: Member  # admin of A and of B too: may manage the victim's record
    viewer_of_a: Member  # admin of B, a mere viewer of A


async def _join(db, member: Member, tenant: str, role: str) -> None:
    async with db.session() as session:
        await identity.ensure_tenant(session, tenant, UNMETERED)
        await identity.add_membership(session, member.user_id, tenant, role)


@pytest.fixture
async def tenants(app, db, settings) -> Tenants:
    tag = uuid.uuid4().hex[:8]
    a, b = f"a-{tag}", f"b-{tag}"
    victim = await make_user(db, settings, a, "admin")
    await _join(db, victim, b, "admin")
    attacker = await make_user(db, settings, b, "admin")
    both = await make_user(db, settings, a, "admin")
    await _join(db, both, b, "admin")
    viewer_of_a = await make_user(db, settings, b, "admin")
    await _join(db, viewer_of_a, a, "viewer")
    return Tenants(a, b, victim, attacker, both, viewer_of_a)


async def login(http: httpx.AsyncClient, email: str, password: str, tenant: str | None = None):
    body = {"email": email, "password": password}
    if tenant is not None:
        body["tenant_id"] = tenant
    return await http.post("/api/v1/auth/login", json=body)


async def _me(http: httpx.AsyncClient, token: str) -> int:
    return (await http.get("/api/v1/auth/me", headers=headers(token, None))).status_code


RECORD_CHANGES = {
    "password": {"password": NEW_PASSWORD},
    "deactivate": {"is_active": False},
    "email": {"email": f"taken-over-{uuid.uuid4().hex[:6]}@example.com"},
    "name": {"name": "renamed by another tenant"},
    "with-a-role": {"role": "viewer", "password": NEW_PASSWORD},  # the role does not carry it
}


# --- the user record ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", sorted(RECORD_CHANGES))
@pytest.mark.parametrize("credential", ["token", "api_key"])
async def test_an_admin_of_another_tenant_cannot_change_the_user_record(
    anon_api, db, tenants: Tenants, change: str, credential: str
):
    body = RECORD_CHANGES[change]
    token = tenants.attacker.token if credential == "token" else await make_key(db, tenants.b)
    refused = await anon_api.patch(
        f"/api/v1/users/{tenants.victim.user_id}", json=body, headers=headers(token, tenants.b)
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error_code"] == "PERMISSION_DENIED"
    message = refused.json()["error"]["message"]
    assert NOT_YOURS in message and tenants.a not in refused.text, message

    # Nothing changed: the victim's record, their role in B, their password and their login.
    seen = await anon_api.get(
        f"/api/v1/users/{tenants.victim.user_id}", headers=headers(token, tenants.b)
    )
    assert seen.json() | {"created_at": None, "id": None} == {
        "id": None,
        "email": tenants.victim.email,
        "name": None,
        "role": "admin",
        "is_active": True,
        "created_at": None,
    }
    assert (await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)).status_code == 200
    assert (await login(anon_api, tenants.victim.email, NEW_PASSWORD, tenants.a)).status_code == 401
    assert await _me(anon_api, tenants.victim.token) == 200


async def test_the_refusal_names_only_the_tenants_the_caller_belongs_to(anon_api, db, tenants):
    hidden = f"c-{uuid.uuid4().hex[:8]}"
    await _join(db, tenants.victim, hidden, "viewer")
    refused = await anon_api.patch(
        f"/api/v1/users/{tenants.victim.user_id}",
        json={"password": NEW_PASSWORD},
        headers=headers(tenants.viewer_of_a.token, tenants.b),
    )
    assert refused.status_code == 403, refused.text
    message = refused.json()["error"]["message"]
    assert f"you are not an admin of tenant {tenants.a!r}" in message, message
    assert NOT_YOURS in message and hidden not in refused.text, message
    assert message.startswith("password of this user apply in every tenant")


async def test_the_tenant_admin_keeps_the_rights_of_their_tenant(anon_api, tenants):
    theirs = headers(tenants.attacker.token, tenants.b)
    url = f"/api/v1/users/{tenants.victim.user_id}"
    # Fields sent unchanged (a form posts them all) change nothing global: allowed.
    same = {"role": "editor", "is_active": True, "email": tenants.victim.email.upper()}
    changed = await anon_api.patch(url, json=same, headers=theirs)
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "editor"
    assert (await anon_api.delete(url, headers=theirs)).status_code == 204
    assert (await anon_api.get(url, headers=theirs)).status_code == 404
    # The victim lost B only: still the admin of A, with the same password.
    tokens = (await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)).json()
    me = await anon_api.get("/api/v1/auth/me", headers=headers(tokens["access_token"], None))
    assert me.json()["tenants"] == {tenants.a: "admin"}


async def test_the_user_changes_their_own_record(anon_api, tenants):
    victim = tenants.victim
    own = headers(victim.token, tenants.b)
    email = f"moved-{uuid.uuid4().hex[:6]}@example.com"
    changed = await anon_api.patch(
        f"/api/v1/users/{victim.user_id}", json={"email": email, "name": "Me"}, headers=own
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["name"]) == (email, "Me")
    assert (await login(anon_api, email, PASSWORD, tenants.a)).status_code == 200

    # Their password: with the current one, through the password route; not as an admin edit.
    other = (await login(anon_api, email, PASSWORD, tenants.a)).json()
    edit = await anon_api.patch(
        f"/api/v1/users/{victim.user_id}", json={"password": NEW_PASSWORD}, headers=own
    )
    assert edit.status_code == 403 and "POST /api/v1/auth/password" in edit.text
    changed = await anon_api.post(
        "/api/v1/auth/password",
        headers=own,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    assert await _me(anon_api, victim.token) == 200  # the login that changed it goes on
    assert await _me(anon_api, other["access_token"]) == 401
    refresh = {"refresh_token": other["refresh_token"]}
    assert (await anon_api.post("/api/v1/auth/refresh", json=refresh)).status_code == 401
    assert (await login(anon_api, email, PASSWORD, tenants.a)).status_code == 401
    assert (await login(anon_api, email, NEW_PASSWORD, tenants.a)).status_code == 200


# --- a reset ends the user's logins -----------------------------------------------------------


async def _logins_before(anon_api, tenants: Tenants) -> list[dict[str, str]]:
    pairs = [
        (await login(anon_api, tenants.victim.email, PASSWORD, tenant)).json()
        for tenant in (tenants.a, tenants.b)
    ]
    for pair in pairs:
        assert await _me(anon_api, pair["access_token"]) == 200
    return pairs


async def _all_refused(anon_api, tenants: Tenants, pairs: list[dict[str, str]]) -> None:
    assert await _me(anon_api, tenants.victim.token) == 401
    for pair in pairs:
        assert await _me(anon_api, pair["access_token"]) == 401
        refreshed = await anon_api.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert refreshed.status_code == 401, refreshed.text


@pytest.mark.parametrize("tenant", ["a", "b"])
async def test_a_reset_by_an_admin_of_every_tenant_ends_every_login(anon_api, tenants, tenant):
    pairs = await _logins_before(anon_api, tenants)
    reset = await anon_api.patch(
        f"/api/v1/users/{tenants.victim.user_id}",
        json={"password": NEW_PASSWORD},
        headers=headers(tenants.both.token, getattr(tenants, tenant)),
    )
    assert reset.status_code == 200, reset.text
    await _all_refused(anon_api, tenants, pairs)
    assert (await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)).status_code == 401
    fresh = await login(anon_api, tenants.victim.email, NEW_PASSWORD, tenants.a)
    assert fresh.status_code == 200, fresh.text
    assert await _me(anon_api, fresh.json()["access_token"]) == 200
    # The admin's own login was not the victim's: it goes on.
    assert await _me(anon_api, tenants.both.token) == 200


async def test_a_deactivation_ends_every_login_for_good(anon_api, tenants):
    pairs = await _logins_before(anon_api, tenants)
    url = f"/api/v1/users/{tenants.victim.user_id}"
    admin = headers(tenants.both.token, tenants.a)
    deactivated = await anon_api.patch(url, json={"is_active": False}, headers=admin)
    assert deactivated.status_code == 200, deactivated.text
    await _all_refused(anon_api, tenants, pairs)
    assert (await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)).status_code == 401
    # Active again: a new login works, the old ones stay ended.
    assert (await anon_api.patch(url, json={"is_active": True}, headers=admin)).status_code == 200
    await _all_refused(anon_api, tenants, pairs)
    assert (await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)).status_code == 200


async def test_a_login_that_races_a_reset_does_not_outlive_it(anon_api, db, tenants, monkeypatch):
    """The reset commits after the old password was checked but before the login is stored."""
    start_session = identity.start_session

    async def reset_first(session, auth_session):
        async with db.session() as other:
            user = await identity.get_user(other, tenants.victim.user_id)
            assert user is not None
            user.password_hash = "reset-meanwhile"
            await identity.save_user(other, user, end_logins="password_reset")
        return await start_session(session, auth_session)

    monkeypatch.setattr(identity, "start_session", reset_first)
    raced = await login(anon_api, tenants.victim.email, PASSWORD, tenants.a)
    assert raced.status_code == 401, raced.text
    async with db.session() as session:
        live = await session.exec(
            select(AuthSession).where(
                AuthSession.user_id == tenants.victim.user_id,
                col(AuthSession.revoked_at).is_(None),
            )
        )
        assert list(live) == []


# --- the client's address behind proxies -------------------------------------------------------


@asynccontextmanager
async def _app(settings: Settings, client, **auth) -> AsyncIterator[httpx.AsyncClient]:
    """An API of its own (its own limiter) on the tiny anonymous plan: 5 requests an hour."""
    settings = settings.model_copy(
        update={
            "auth": settings.auth.model_copy(update=auth),
            # Failed logins: 5 per account and address (what a proxy header must not reset).
            "rate_limit": settings.rate_limit.model_copy(
                update={"anonymous_plan": "tiny", "login_failures_per_account": 5}
            ),
        }
    )
    app = create_app(settings, client=client)
    async with app.router.lifespan_context(app):
        # The peer is loopback: what uvicorn trusted for proxy headers by default.
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40_000))
        async with httpx.AsyncClient(transport=transport, base_url="http://ductwork.test") as http:
            yield http


async def _guess(http: httpx.AsyncClient, proxy_headers: dict[str, str]) -> int:
    body = {"email": "victim@example.com", "password": "guess"}
    return (await http.post("/api/v1/auth/login", json=body, headers=proxy_headers)).status_code


FORGED = {
    "x-forwarded-for": lambda i: {"X-Forwarded-For": f"198.51.100.{i}"},
    "forwarded": lambda i: {"Forwarded": f'for="198.51.100.{i}:443";proto=https'},
    "x-real-ip": lambda i: {"X-Real-IP": f"198.51.100.{i}"},
    "all": lambda i: {
        "X-Forwarded-For": f"198.51.100.{i}, 10.0.0.{i}",
        "Forwarded": f"for=198.51.100.{i}",
        "X-Real-IP": f"198.51.100.{i}",
    },
}


@pytest.mark.parametrize("forged", sorted(FORGED))
async def test_forged_proxy_headers_do_not_reset_the_login_budget(settings, client, forged):
    async with _app(settings, client) as http:
        codes = [await _guess(http, FORGED[forged](i)) for i in range(7)]
        assert codes == [401] * 5 + [429] * 2
        assert await _guess(http, {}) == 429  # one bucket: the peer's


@pytest.mark.parametrize("header", ["x-forwarded-for", "forwarded", "x-real-ip"])
async def test_a_trusted_proxy_names_the_client(settings, client, header):
    async with _app(settings, client, trusted_proxies=["127.0.0.0/8"], proxy_header=header) as http:
        one, two = FORGED[header](7), FORGED[header](8)
        assert [await _guess(http, one) for _ in range(6)] == [401] * 5 + [429]
        assert await _guess(http, two) == 401  # another client, another budget
        assert await _guess(http, {}) == 401  # the proxy's own requests: its address
        # The headers the proxy does not set are the client's: they name nobody.
        others = [f(9) for h, f in FORGED.items() if h not in (header, "all")]
        assert await _guess(http, one | others[0] | others[1]) == 429


async def test_a_client_cannot_prepend_to_what_the_proxy_appends(settings, client):
    async with _app(settings, client, trusted_proxies=["127.0.0.0/8", "10.0.0.0/8"]) as http:
        chain = "198.51.100.7, 10.1.2.3"  # the client, then a trusted inner proxy
        assert [await _guess(http, {"X-Forwarded-For": chain}) for _ in range(5)] == [401] * 5
        for forged in ("203.0.113.1, 198.51.100.7, 10.1.2.3", "garbage, 198.51.100.7, 10.1.2.3"):
            assert await _guess(http, {"X-Forwarded-For": forged}) == 429


PROXIES = TrustedProxies(["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", None, "127.0.0.1"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a proxy: its header is ignored
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        ("127.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  # all proxies: the farthest
        ("127.0.0.1", "198.51.100.1, not-an-ip", "127.0.0.1"),  # nothing to believe
        ("127.0.0.1", "198.51.100.1:4711", "198.51.100.1"),
        ("127.0.0.1", "[2001:db8::1]:80", "2001:db8::1"),
        ("::ffff:127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("fd00::1", "2001:db8::2", "2001:db8::2"),
        (None, "198.51.100.1", "unknown"),
    ],
)
def test_the_client_address(peer, forwarded_for, client):
    raw = [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else []
    assert PROXIES.client(peer, Headers(raw=raw)) == client


def test_forwarded_and_real_ip_headers():
    forwarded = TrustedProxies(["127.0.0.1/32"], "forwarded")
    chain = Headers(
        raw=[
            (b"forwarded", b'for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https'),
            (b"forwarded", b"for=127.0.0.1;by=127.0.0.1;proto=http"),
            (b"x-forwarded-for", b"9.9.9.9"),
        ]
    )
    assert forwarded.client("127.0.0.1", chain) == "2001:db8:cafe::17"
    assert forwarded.scheme("127.0.0.1", chain) == "http"  # the nearest proxy's word
    assert forwarded.scheme("203.0.113.5", chain) is None
    real = TrustedProxies(["127.0.0.1/32"], "x-real-ip")
    assert real.client("127.0.0.1", Headers({"x-real-ip": "198.51.100.4"})) == "198.51.100.4"
    assert real.client("203.0.113.5", Headers({"x-real-ip": "198.51.100.4"})) == "203.0.113.5"
    plain = TrustedProxies(["127.0.0.1/32"])
    assert plain.scheme("127.0.0.1", Headers({"x-forwarded-proto": "https"})) == "https"
    assert plain.scheme("127.0.0.1", Headers({"x-forwarded-proto": "gopher"})) is None
    assert TrustedProxies([]).client("127.0.0.1", Headers({"x-forwarded-for": "1.1.1.1"})) == (
        "127.0.0.1"
    )
    assert parse_address("127.000.000.001") is None  # no octal spellings of an address


def test_settings_refuse_a_proxy_that_is_not_a_network():
    with pytest.raises(ValueError, match="not a network"):
        Settings(auth={"trusted_proxies": ["proxy.internal"]})
    assert Settings().auth.trusted_proxies == []


def test_uvicorn_does_not_rewrite_the_client_address(settings, monkeypatch):
    """Every way the API is started turns uvicorn's proxy headers off (it trusts loopback)."""
    argv = api_argv(settings)
    assert argv[1:3] == ["-m", "api.serve"]
    seen: dict = {}
    monkeypatch.setattr(serve.uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(serve, "configure_logging", lambda *args, **kwargs: None)
    serve.main(argv[3:])
    assert seen["proxy_headers"] is False
    assert seen["log_config"] is None  # uvicorn's lines go out as JSON like every other
    assert '"api.serve"' in (ROOT / "Dockerfile").read_text()
    assert "- api.serve" in (ROOT / "docker-compose.temporal.yml").read_text()
