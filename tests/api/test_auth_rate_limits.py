"""Rate limits per plan: headers on every response, 429 past the budget, one budget in Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis.asyncio as redis_client

from api.main import create_app
from core.auth.rate_limits import RateLimiter
from core.settings import RateLimitSettings, Settings
from store import identity
from tests.auth import BOOTSTRAP_KEY, PASSWORD, TEST_RATE_LIMIT, headers, make_key, make_user
from tests.services import require

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


async def _tenant_key(db, plan: str) -> tuple[str, str]:
    """A fresh tenant on ``plan`` and an admin key of it."""
    tenant = f"rl-{plan}-{uuid.uuid4().hex[:8]}"
    async with db.session() as session:
        await identity.ensure_tenant(session, tenant, plan)
    return tenant, await make_key(db, tenant)


@asynccontextmanager
async def _app(settings: Settings, client) -> AsyncIterator[httpx.AsyncClient]:
    """Another API process over the same store: its own app, its own limiter."""
    app = create_app(settings, client=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ductwork.test") as http:
            yield http


def _with_limits(settings: Settings, **changes) -> Settings:
    return settings.model_copy(
        update={"rate_limit": settings.rate_limit.model_copy(update=changes)}
    )


async def test_every_response_has_the_headers(api, anon_api):
    before = int(time.time())
    for response in (
        await api.get("/v1/pipelines"),  # 200
        await api.get("/v1/pipelines/no-such-id"),  # 404
        await anon_api.get("/v1/pipelines"),  # 401
        await anon_api.get("/api/v1/auth/me"),  # 401
    ):
        assert int(response.headers["X-RateLimit-Limit"]) > 0, response.headers
        assert (
            0
            <= int(response.headers["X-RateLimit-Remaining"])
            < int(response.headers["X-RateLimit-Limit"])
        )
        assert before <= int(response.headers["X-RateLimit-Reset"]) <= time.time() + 3601
    # Probes are never counted nor throttled.
    assert "X-RateLimit-Limit" not in (await anon_api.get("/health")).headers


async def test_hourly_budget_then_429(anon_api, db):
    tenant, key = await _tenant_key(db, "tiny")  # 5 requests per hour
    remaining = []
    for _ in range(5):
        response = await anon_api.get("/v1/pipelines", headers=headers(key, tenant))
        assert response.status_code == 200, response.text
        assert response.headers["X-RateLimit-Limit"] == "5"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    refused = await anon_api.get("/v1/pipelines", headers=headers(key, tenant))
    assert refused.status_code == 429
    body = refused.json()
    assert body["error_code"] == "RATE_LIMIT_EXCEEDED" and body["status_code"] == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 3000 < int(refused.headers["Retry-After"]) <= 3601
    # The budget is the tenant's: every credential of it shares it, other tenants do not.
    other = await make_key(db, tenant, "viewer")
    assert (await anon_api.get("/v1/pipelines", headers=headers(other, tenant))).status_code == 429


async def test_burst_then_429(anon_api, db):
    _, key = await _tenant_key(db, "free")  # 100 per hour, 10 per second
    responses = await asyncio.gather(
        *(anon_api.get("/api/v1/auth/me", headers=headers(key, None)) for _ in range(14))
    )
    codes = sorted(r.status_code for r in responses)
    assert 429 in codes and set(codes) == {200, 429}, codes  # at most 10 fit in one second
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Limit"] == "100"
    # A second later the burst is free again, and refused requests used no hourly budget.
    await asyncio.sleep(1.1)
    after = await anon_api.get("/api/v1/auth/me", headers=headers(key, None))
    assert after.status_code == 200
    assert int(after.headers["X-RateLimit-Remaining"]) == 100 - codes.count(200) - 1


async def test_plans_of_the_api_document():
    limiter = RateLimiter(RateLimitSettings())
    for plan, hourly, burst in (("free", 100, 10), ("pro", 1000, 100), ("enterprise", 10000, 1000)):
        assert (limiter.plan(plan).per_hour, limiter.plan(plan).burst) == (hourly, burst)
    allowed = [(await limiter.hit("t", "free")).allowed for _ in range(11)]
    assert allowed == [True] * 10 + [False]
    assert limiter.plan("unknown") == limiter.plan("free")  # the default plan


async def test_callers_without_credentials_are_limited_by_address(settings, client, db):
    limited = _with_limits(settings, anonymous_plan="tiny")
    async with _app(limited, client) as http:
        # The documents a client reads first and the probes are never counted nor throttled.
        for path in ("/openapi.json", "/docs", "/redoc", "/health", "/ready") * 3:
            response = await http.get(path)
            assert response.status_code == 200, (path, response.text)
            assert "X-RateLimit-Limit" not in response.headers, path
        codes = [(await http.get("/v1/pipelines")).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        # Logins are not charged to the address: they have their own budget of failures.
        login = await http.post("/api/v1/auth/login", json={"email": "a@b.c", "password": "x"})
        assert login.status_code == 401, login.text
        assert (await http.get("/openapi.json")).status_code == 200


@asynccontextmanager
async def _from(app, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://ductwork.test") as http:
        yield http


async def _login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_failed_logins_are_limited_per_account_and_address(settings, client, db):
    limited = _with_limits(
        settings,
        anonymous_plan="tiny",
        login_failures_per_account=3,
        login_failures_per_address=5,
    )
    tenant = f"rl-login-{uuid.uuid4().hex[:8]}"
    alice = await make_user(db, settings, tenant, "viewer")
    bob = await make_user(db, settings, tenant, "viewer")
    app = create_app(limited, client=client)
    async with (
        app.router.lifespan_context(app),
        _from(app, "203.0.113.7") as guesser,
        _from(app, "198.51.100.9") as elsewhere,
    ):
        wrong = [(await _login(guesser, alice.email, "guess")).status_code for _ in range(3)]
        assert wrong == [401, 401, 401]
        held = await _login(guesser, alice.email, "guess")
        assert held.status_code == 429, held.text
        assert held.json()["error_code"] == "RATE_LIMIT_EXCEEDED"
        assert 1 <= int(held.headers["Retry-After"]) <= 901
        # Held even with the right password: the guesser learns nothing more from here.
        assert (await _login(guesser, alice.email, PASSWORD)).status_code == 429
        # Alice from her own address is not locked out by the guesser.
        assert (await _login(elsewhere, alice.email, PASSWORD)).status_code == 200
        # Another account from the guesser's address has its own budget, until the
        # address's own budget of failures (spraying accounts) is spent as well.
        assert (await _login(guesser, bob.email, "guess")).status_code == 401
        assert (await _login(guesser, bob.email, "guess")).status_code == 401  # 5th failure
        sprayed = await _login(guesser, f"nobody-{uuid.uuid4().hex[:6]}@x.y", "guess")
        assert sprayed.status_code == 429
        assert (await _login(elsewhere, bob.email, PASSWORD)).status_code == 200


async def test_successful_logins_are_not_charged_to_the_address(settings, client, db):
    limited = _with_limits(settings, anonymous_plan="tiny", login_failures_per_account=2)
    tenant = f"rl-nat-{uuid.uuid4().hex[:8]}"
    colleagues = [await make_user(db, settings, tenant, "viewer") for _ in range(4)]
    app = create_app(limited, client=client)
    async with app.router.lifespan_context(app), _from(app, "192.0.2.44") as office:
        # Everyone behind one address logs in, more often than the address's anonymous budget.
        for _ in range(2):
            for member in colleagues:
                response = await _login(office, member.email, PASSWORD)
                assert response.status_code == 200, response.text
                refreshed = await office.post(
                    "/api/v1/auth/refresh", json={"refresh_token": response.json()["refresh_token"]}
                )
                assert refreshed.status_code == 200, refreshed.text
        # The address's anonymous budget is untouched by all of that.
        codes = [(await office.get("/v1/pipelines")).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    require(REDIS_HOST, REDIS_PORT, "Redis")
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


async def test_two_api_processes_share_one_budget_in_redis(settings, client, db, redis_url):
    prefix = f"ductwork-test-{uuid.uuid4().hex[:8]}"
    shared = _with_limits(settings, storage_url=redis_url, key_prefix=prefix)
    tenant, key = await _tenant_key(db, "tiny")
    try:
        async with _app(shared, client) as first, _app(shared, client) as second:
            codes = []
            for http in (first, second, first, second, first, second):
                codes.append(
                    (await http.get("/v1/pipelines", headers=headers(key, tenant))).status_code
                )
            assert codes == [200] * 5 + [429]
            remaining = await second.get("/v1/pipelines", headers=headers(key, tenant))
            assert remaining.headers["X-RateLimit-Remaining"] == "0"
    finally:
        conn = redis_client.from_url(redis_url)
        keys = [k async for k in conn.scan_iter(match=f"{prefix}*")]
        assert keys, "the limiter kept nothing in Redis"
        await conn.delete(*keys)
        await conn.aclose()


async def test_in_memory_budgets_are_per_process(settings, client, db):
    """The contrast: without Redis each process counts on its own."""
    tenant, key = await _tenant_key(db, "tiny")
    memory = _with_limits(settings, storage_url="memory://")
    async with _app(memory, client) as first, _app(memory, client) as second:
        for http in (first, second):
            codes = [
                (await http.get("/v1/pipelines", headers=headers(key, tenant))).status_code
                for _ in range(6)
            ]
            assert codes == [200] * 5 + [429]


def test_the_suite_runs_on_a_plan_that_does_not_throttle(settings):
    plans = settings.rate_limit.plans
    for name in (settings.rate_limit.bootstrap_plan, settings.rate_limit.anonymous_plan):
        assert plans[name].per_hour >= 1_000_000, name
    given = TEST_RATE_LIMIT["plans"]
    assert isinstance(given, dict) and given["free"] == {"per_hour": 100, "burst": 10}


async def test_an_unreachable_redis_does_not_take_the_api_down(settings, client):
    broken = _with_limits(settings, storage_url="redis://127.0.0.1:1/0")
    async with _app(broken, client) as http:
        response = await http.get("/v1/pipelines", headers=headers(BOOTSTRAP_KEY))
        assert response.status_code == 200, response.text
        assert "X-RateLimit-Limit" not in response.headers
