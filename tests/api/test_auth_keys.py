"""API keys: shown once, kept hashed, accepted as X-API-Key or Bearer, revoked at once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from store.models.core import utcnow
from store.models.identity import ApiKey
from tests.auth import BOOTSTRAP_KEY, DEFAULT_TENANT, headers


async def test_a_key_is_shown_once_and_stored_hashed(api, db):
    created = await api.post("/api/v1/api-keys", json={"name": "ci", "role": "editor"})
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("dwk_") and len(key) > 40
    assert body["prefix"] == key[:12] and body["role"] == "editor"
    assert body["created_by"] == "api-key:bootstrap"

    listed = await api.get("/api/v1/api-keys", params={"per_page": 500})
    assert listed.status_code == 200
    mine = [k for k in listed.json() if k["id"] == body["id"]]
    assert mine and "key" not in mine[0]
    assert key not in listed.text
    assert key not in (await api.get(f"/api/v1/api-keys/{body['id']}")).text

    async with db.session() as session:
        row = await session.get(ApiKey, body["id"])
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(row.model_dump())


async def test_a_key_works_as_x_api_key_and_as_bearer(api, anon_api):
    key = (await api.post("/api/v1/api-keys", json={"name": "both", "role": "viewer"})).json()[
        "key"
    ]
    as_header = await anon_api.get(
        "/v1/pipelines", headers={"X-API-Key": key, "X-Tenant-ID": DEFAULT_TENANT}
    )
    assert as_header.status_code == 200, as_header.text
    as_bearer = await anon_api.get("/v1/pipelines", headers=headers(key))
    assert as_bearer.status_code == 200, as_bearer.text
    me = (await anon_api.get("/api/v1/auth/me", headers={"X-API-Key": key})).json()
    assert me["kind"] == "api_key" and me["role"] == "viewer" and me["tenant_id"] == DEFAULT_TENANT
    # A viewer key reads but does not write.
    refused = await anon_api.post(
        "/v1/pipelines/connections",
        headers=headers(key),
        json={"name": "nope", "type": "postgresql", "host": "h", "port": 1, "database": "d"},
    )
    assert refused.status_code == 403


async def test_a_revoked_or_expired_key_stops_working_at_once(api, anon_api, db):
    created = (await api.post("/api/v1/api-keys", json={"name": "short-lived"})).json()
    key_headers = headers(created["key"])
    assert (await anon_api.get("/v1/pipelines", headers=key_headers)).status_code == 200

    assert (await api.delete(f"/api/v1/api-keys/{created['id']}")).status_code == 204
    after = await anon_api.get("/v1/pipelines", headers=key_headers)
    assert after.status_code == 401
    assert after.json()["error"]["message"] == "the API key has been revoked"
    shown = (await api.get(f"/api/v1/api-keys/{created['id']}")).json()
    assert shown["revoked_at"] is not None

    other = (await api.post("/api/v1/api-keys", json={"name": "expiring"})).json()
    async with db.session() as session:
        row = await session.get(ApiKey, other["id"])
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        await session.commit()
    expired = await anon_api.get("/v1/pipelines", headers=headers(other["key"]))
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


async def test_key_rules(api, anon_api, other_tenant):
    # Another tenant's key cannot be seen or revoked from here.
    theirs = await anon_api.get(
        "/api/v1/api-keys", headers=headers(other_tenant.admin_key, other_tenant.tenant_id)
    )
    their_id = theirs.json()[0]["id"]
    assert (await api.get(f"/api/v1/api-keys/{their_id}")).status_code == 404
    assert (await api.delete(f"/api/v1/api-keys/{their_id}")).status_code == 404
    still = await anon_api.get(
        "/v1/pipelines", headers=headers(other_tenant.admin_key, other_tenant.tenant_id)
    )
    assert still.status_code == 200
    # An unknown role is a validation error, not a key.
    bad = await api.post("/api/v1/api-keys", json={"name": "x", "role": "owner"})
    assert bad.status_code == 400  # request validation on /api/v1


async def test_bootstrap_key_and_missing_key(anon_api):
    """Seed 004: the configured key works; none or a wrong one is 401 with a clear message."""
    ok = await anon_api.get(
        "/v1/pipelines", headers={"X-API-Key": BOOTSTRAP_KEY, "X-Tenant-ID": DEFAULT_TENANT}
    )
    assert ok.status_code == 200
    assert (await anon_api.get("/api/v1/auth/me", headers=headers(BOOTSTRAP_KEY))).json()[
        "kind"
    ] == "bootstrap"
    for sent in ({}, {"X-API-Key": BOOTSTRAP_KEY + "x"}, {"X-API-Key": ""}):
        refused = await anon_api.get("/v1/pipelines", headers=sent | {"X-Tenant-ID": "default"})
        assert refused.status_code == 401, (sent, refused.text)
        assert refused.json()["detail"]
