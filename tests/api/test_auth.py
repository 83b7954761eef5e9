"""Logins, refresh rotation and reuse, logout, token tampering, users and roles."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest
from pydantic import ValidationError

from core.auth.bootstrap import ensure_identity, login_hint
from core.auth.tokens import ACCESS, REFRESH, TokenSigner
from core.settings import Settings
from store import identity
from store.db import Database
from store.migrate import upgrade_async
from store.models.core import utcnow
from store.models.identity import AuthSession, RefreshToken
from tests.auth import DEFAULT_TENANT, PASSWORD, Tenancy, headers, make_user


async def login(http, email: str, password: str = PASSWORD, **extra):
    return await http.post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )


async def test_login_gives_a_bearer_token_pair(anon_api, tenancy: Tenancy):
    editor = tenancy.members["editor"]
    response = await login(anon_api, editor.email.upper())  # emails are case-insensitive
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("eyJ") and body["refresh_token"].startswith("eyJ")
    me = await anon_api.get("/api/v1/auth/me", headers=headers(body["access_token"], None))
    assert me.status_code == 200, me.text
    assert me.json() | {"tenants": None} == {
        "subject": editor.email,
        "kind": "user",
        "tenant_id": DEFAULT_TENANT,
        "role": "editor",
        "user_id": editor.user_id,
        "tenants": None,
    }


@pytest.mark.parametrize("who", ["wrong-password", "unknown-email"])
async def test_a_failed_login_says_nothing_about_which_part_was_wrong(anon_api, tenancy, who):
    email = tenancy.members["viewer"].email if who == "wrong-password" else "nobody@example.com"
    response = await login(anon_api, email, "not the password")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "INVALID_CREDENTIALS",
        "message": "wrong email or password",
        "details": [],
        "request_id": response.headers["X-Request-ID"],
    }
    assert "access_token" not in response.text


async def test_refresh_rotates_and_reuse_revokes_the_whole_login(anon_api, tenancy):
    tokens = (await login(anon_api, tenancy.members["viewer"].email)).json()
    first = await anon_api.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert (
        await anon_api.get("/api/v1/auth/me", headers=headers(rotated["access_token"]))
    ).is_success

    # The spent token again: refused, and every token of that login dies with it.
    reuse = await anon_api.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert "already used" in reuse.json()["error"]["message"]
    after = await anon_api.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401
    me = await anon_api.get("/api/v1/auth/me", headers=headers(rotated["access_token"]))
    assert me.status_code == 401
    assert "ended" in me.json()["error"]["message"]
    # Another login of the same user is untouched.
    assert (await login(anon_api, tenancy.members["viewer"].email)).status_code == 200


async def test_login_and_refresh_clear_out_long_expired_tokens_and_logins(anon_api, db, settings):
    member = await make_user(db, settings, DEFAULT_TENANT, "viewer")
    bystander = await make_user(db, settings, DEFAULT_TENANT, "viewer")
    signer = TokenSigner.from_settings(settings)
    now = utcnow()
    life = timedelta(seconds=signer.refresh_seconds)

    async def seed(user_id: str, *, issued_ago: timedelta, revoked: bool = False) -> str:
        """A login started ``issued_ago`` with one spent refresh token; the token's JWT."""
        issued_at = now - issued_ago
        login_id = uuid.uuid4().hex
        token = signer.issue(
            REFRESH, user_id=user_id, session_id=login_id, tenant_id=DEFAULT_TENANT, now=issued_at
        )
        async with db.session() as session:
            await identity.start_session(
                session,
                AuthSession(
                    id=login_id,
                    user_id=user_id,
                    tenant_id=DEFAULT_TENANT,
                    created_at=issued_at,
                    revoked_at=now if revoked else None,
                ),
            )
            await identity.add_refresh_token(
                session,
                RefreshToken(
                    id=token.token_id,
                    session_id=login_id,
                    created_at=issued_at,
                    expires_at=token.expires_at,
                    used_at=issued_at,
                ),
            )
        return token.token

    long_gone = await seed(member.user_id, issued_ago=life + timedelta(days=2))
    ended = await seed(member.user_id, issued_ago=life + timedelta(days=3), revoked=True)
    in_grace = await seed(member.user_id, issued_ago=life + timedelta(hours=1))
    spent_but_live = await seed(member.user_id, issued_ago=life - timedelta(days=1))
    not_mine = await seed(bystander.user_id, issued_ago=life + timedelta(days=2))

    def ids(token: str) -> tuple[str, str]:
        claims = jwt.decode(token, options={"verify_signature": False})
        return claims["sid"], claims["jti"]

    async def kept(token: str) -> bool:
        login_id, token_id = ids(token)
        async with db.session() as session:
            row = await identity.get_refresh_token(session, token_id)
            found = await identity.session_with_user(session, login_id)
        assert (row is None) == (found is None)
        return row is not None

    tokens = (await login(anon_api, member.email)).json()
    assert not await kept(long_gone) and not await kept(ended)
    assert await kept(in_grace) and await kept(spent_but_live) and await kept(not_mine)
    # make_user's login (no refresh token, started now) and the new one stay too.
    assert (await anon_api.get("/api/v1/auth/me", headers=headers(member.token))).is_success
    assert (
        await anon_api.get("/api/v1/auth/me", headers=headers(tokens["access_token"]))
    ).is_success

    # A refresh clears out too, once the grace has passed for what it kept.
    async with db.session() as session:
        token_id = ids(in_grace)[1]
        row = await identity.get_refresh_token(session, token_id)
        assert row is not None
        row.expires_at = now - timedelta(days=2)
        session.add(row)
        await session.commit()
    refreshed = await anon_api.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert not await kept(in_grace) and await kept(spent_but_live)

    # A spent token still within its lifetime is still caught, and still ends its login.
    reuse = await anon_api.post("/api/v1/auth/refresh", json={"refresh_token": spent_but_live})
    assert reuse.status_code == 401 and "already used" in reuse.json()["error"]["message"]
    async with db.session() as session:
        found = await identity.session_with_user(session, ids(spent_but_live)[0])
    assert found is not None and found[0].revoked_reason == "refresh_token_reuse"


async def test_logout_ends_access_and_refresh_tokens(anon_api, tenancy):
    tokens = (await login(anon_api, tenancy.members["editor"].email)).json()
    access = headers(tokens["access_token"])
    out = await anon_api.post(
        "/api/v1/auth/logout", headers=access, json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204, out.text
    assert (await anon_api.get("/v1/pipelines", headers=access)).status_code == 401
    refreshed = await anon_api.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_tampered_tokens_are_refused(anon_api, tenancy, other_tenant, settings):
    token = tenancy.token("viewer")
    head, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged_claims = {**claims, "sub": tenancy.members["admin"].user_id}
    forged = [
        # the payload changed, the signature kept
        f"{head}.{_b64(forged_claims)}.{signature}",
        # alg "none", no signature
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(forged_claims)}.",
        # signed with another key
        jwt.encode(forged_claims, "another-key-of-at-least-32-bytes!!", algorithm="HS256"),
        # a refresh token where an access token belongs
        TokenSigner.from_settings(settings)
        .issue(
            REFRESH,
            user_id=claims["sub"],
            session_id=claims["sid"],
            tenant_id=claims["tid"],
            now=utcnow(),
        )
        .token,
        # one flipped signature character
        f"{head}.{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}",
    ]
    for bad in forged:
        response = await anon_api.get("/v1/pipelines", headers=headers(bad))
        assert response.status_code == 401, (bad, response.text)
        assert response.json()["error_code"] == "AUTHENTICATION_REQUIRED"
    # The untouched token works: the refusals were about the tampering.
    assert (await anon_api.get("/v1/pipelines", headers=headers(token))).status_code == 200


async def test_tenant_in_the_token_does_not_open_another_tenant(anon_api, tenancy, other_tenant):
    """A token of tenant A with X-Tenant-ID of tenant B: 403, whatever the role."""
    for role in ("viewer", "admin"):
        response = await anon_api.get(
            "/v1/pipelines", headers=headers(tenancy.token(role), other_tenant.tenant_id)
        )
        assert response.status_code == 403
        assert other_tenant.tenant_id in response.json()["error"]["message"]


async def test_x_tenant_id_is_required_on_v1_and_optional_elsewhere(anon_api, tenancy):
    token = tenancy.token("viewer")
    missing = await anon_api.get("/v1/pipelines", headers=headers(token, tenant=None))
    assert missing.status_code == 400
    assert missing.json()["error_code"] == "TENANT_REQUIRED"
    # /api/... takes the tenant from the credential.
    me = await anon_api.get("/api/v1/auth/me", headers=headers(token, tenant=None))
    assert me.status_code == 200 and me.json()["tenant_id"] == DEFAULT_TENANT


async def test_expired_token_says_how_to_go_on(anon_api, db, settings):
    member = await make_user(db, settings, DEFAULT_TENANT, "viewer", expires_in=timedelta(-1))
    response = await anon_api.get("/api/v1/auth/me", headers=headers(member.token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ductwork"'
    assert "POST /api/v1/auth/refresh" in response.json()["error"]["message"]


# --- users and roles --------------------------------------------------------------------------


async def test_admin_manages_users_and_roles_take_effect_at_once(api, anon_api):
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    created = await api.post(
        "/api/v1/users", json={"email": email, "password": "s3cret-enough", "role": "editor"}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["role"] == "editor" and user["email"] == email
    assert "password" not in created.text and "hash" not in created.text
    again = await api.post(
        "/api/v1/users", json={"email": email, "password": "s3cret-enough", "role": "viewer"}
    )
    assert again.status_code == 409

    tokens = (await login(anon_api, email, "s3cret-enough")).json()
    as_user = headers(tokens["access_token"])
    body = {"name": f"c-{uuid.uuid4().hex[:6]}", "type": "postgresql", "host": "h", "port": 1}
    body |= {"database": "d"}
    assert (
        await anon_api.post("/v1/pipelines/connections", json=body, headers=as_user)
    ).status_code == 201

    demoted = await api.patch(f"/api/v1/users/{user['id']}", json={"role": "viewer"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "viewer"
    body["name"] += "-2"
    refused = await anon_api.post("/v1/pipelines/connections", json=body, headers=as_user)
    assert refused.status_code == 403
    assert (await anon_api.get("/v1/pipelines/connections", headers=as_user)).status_code == 200

    listed = await api.get("/api/v1/users", params={"per_page": 500})
    assert email in [u["email"] for u in listed.json()]
    assert listed.headers["X-Total-Count"] == str(len(listed.json()))

    deactivated = await api.patch(f"/api/v1/users/{user['id']}", json={"is_active": False})
    assert deactivated.status_code == 200
    assert (await anon_api.get("/v1/pipelines", headers=as_user)).status_code == 401
    assert (await login(anon_api, email, "s3cret-enough")).status_code == 401

    assert (await api.delete(f"/api/v1/users/{user['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/users/{user['id']}")).status_code == 404


async def test_user_rules(api, anon_api, other_tenant):
    weak = await api.post(
        "/api/v1/users", json={"email": "weak@example.com", "password": "short", "role": "viewer"}
    )
    assert weak.status_code == 422 and weak.json()["error_code"] == "WEAK_PASSWORD"
    bad_role = await api.post(
        "/api/v1/users", json={"email": "r@example.com", "password": "long enough", "role": "root"}
    )
    assert bad_role.status_code == 400  # request validation on /api/v1
    # Another tenant's user is not found here, and its last admin cannot be demoted there.
    foreign = other_tenant.members["admin"]
    assert (await api.get(f"/api/v1/users/{foreign.user_id}")).status_code == 404
    admin_there = headers(other_tenant.admin_key, other_tenant.tenant_id)
    last = await anon_api.patch(
        f"/api/v1/users/{foreign.user_id}", json={"role": "viewer"}, headers=admin_there
    )
    assert last.status_code == 409 and last.json()["error_code"] == "LAST_ADMIN"


async def test_password_change_ends_other_logins(anon_api, db, settings):
    member = await make_user(db, settings, DEFAULT_TENANT, "viewer")
    other = (await login(anon_api, member.email)).json()
    changed = await anon_api.post(
        "/api/v1/auth/password",
        headers=headers(member.token),
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
    )
    assert changed.status_code == 204, changed.text
    assert (
        await anon_api.get("/api/v1/auth/me", headers=headers(other["access_token"]))
    ).status_code == 401
    assert (await anon_api.get("/api/v1/auth/me", headers=headers(member.token))).status_code == 200
    assert (await login(anon_api, member.email)).status_code == 401
    assert (await login(anon_api, member.email, "a brand new password")).status_code == 200


async def test_a_user_in_two_tenants_picks_one_per_request(anon_api, api, tenancy):
    admin = tenancy.members["admin"]
    tokens = (await login(anon_api, admin.email)).json()
    tenant = f"second-{uuid.uuid4().hex[:6]}"
    created = await anon_api.post(
        "/api/v1/tenants", headers=headers(tokens["access_token"]), json={"id": tenant}
    )
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "admin"
    there = headers(tokens["access_token"], tenant)
    assert (await anon_api.get("/v1/pipelines", headers=there)).json()["totalElements"] == 0
    listed = await anon_api.get("/api/v1/tenants", headers=headers(tokens["access_token"]))
    assert {t["id"] for t in listed.json()} >= {DEFAULT_TENANT, tenant}
    # A login can start in that tenant.
    scoped = await login(anon_api, admin.email, tenant_id=tenant)
    me = await anon_api.get("/api/v1/auth/me", headers=headers(scoped.json()["access_token"], None))
    assert me.json()["tenant_id"] == tenant


# --- settings and the first admin -------------------------------------------------------------


def test_production_refuses_a_missing_or_weak_signing_key(tmp_path):
    base = {
        "environment": "production",
        "security": {"encryption_key": "k"},
        "store": {"url": "postgresql+asyncpg://db/ductwork"},
    }
    with pytest.raises(ValidationError, match="DUCTWORK_AUTH__JWT_SECRET must be set"):
        Settings(**base)
    for weak in ("secret", "changeme", "short-but-not-default"):
        with pytest.raises(ValidationError, match="default or short"):
            Settings(**base, auth={"jwt_secret": weak})
    strong = Settings(**base, auth={"jwt_secret": "x" * 8 + uuid.uuid4().hex})
    assert strong.auth.jwt_secret is not None
    # Development generates a key file of its own (mode 0600), the same on every start.
    dev = Settings(data_dir=tmp_path)
    signer = TokenSigner.from_settings(dev)
    assert (tmp_path / "jwt.key").stat().st_mode & 0o777 == 0o600
    token = signer.issue(ACCESS, user_id="u", session_id="s", tenant_id="t", now=utcnow()).token
    assert TokenSigner.from_settings(dev).decode(token, ACCESS).user_id == "u"


def test_datapipelines_api_key_is_the_bootstrap_key(monkeypatch):
    monkeypatch.setenv("DATAPIPELINES_API_KEY", "from-the-environment")
    assert Settings().auth.bootstrap_api_key.get_secret_value() == "from-the-environment"


async def test_first_admin_gets_a_random_password_once(tmp_path, anon_api):
    passwords = []
    for run in range(2):
        settings = Settings(data_dir=tmp_path / str(run))
        await upgrade_async(settings.store_url)
        db = Database(settings.store_url)
        try:
            admin = await ensure_identity(db, settings, generate_password=True)
            assert admin is not None and admin.password and len(admin.password) >= 16
            assert admin.password in login_hint(admin, "http://127.0.0.1:8000")
            passwords.append(admin.password)
            # Shown once: a second start creates nobody.
            assert await ensure_identity(db, settings, generate_password=True) is None
        finally:
            await db.dispose()
    assert passwords[0] != passwords[1]


async def test_first_admin_from_settings(tmp_path):
    settings = Settings(
        data_dir=tmp_path, auth={"admin_email": "Ops@Example.com", "admin_password": "from-env-1"}
    )
    await upgrade_async(settings.store_url)
    db = Database(settings.store_url)
    try:
        admin = await ensure_identity(db, settings, generate_password=False)
        assert admin is not None and admin.email == "ops@example.com" and admin.password is None
        assert "from-env-1" not in login_hint(admin, "http://x")
    finally:
        await db.dispose()
