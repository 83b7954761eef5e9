"""Shared fixtures: the real Temporal dev server, the machine's PostgreSQL, the store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncmy
import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.main import create_app
from core.secrets import Cipher
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES
from stack.processes import dev_server_tuning_args
from store.db import Database
from store.migrate import upgrade_async
from tests import auth
from tests.services import (
    MYSQL_HOST,
    MYSQL_PORT,
    PG_HOST,
    PG_PORT,
    PG_USER,
    binary,
    mysql_connect,
    mysql_execute,
    pg_dsn,
    require,
)
from worker import build_worker


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
            *dev_server_tuning_args(),
        ],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("ductwork")
    return Settings(
        data_dir=data_dir,
        temporal={"task_queue": f"ductwork-test-{uuid.uuid4()}"},
        security={"encryption_key": Fernet.generate_key().decode()},
        auth={"jwt_secret": auth.JWT_SECRET, "bootstrap_api_key": auth.BOOTSTRAP_KEY},
        rate_limit=auth.TEST_RATE_LIMIT,  # real plans exist; the default one never throttles
        data_plane={"heartbeat_seconds": 0.5, "progress_every_seconds": 0.5},
        # The operator's allowances the tests need: files under pytest's temporary directories,
        # and loopback servers (HTTP APIs, S3, webhook receivers). Attack tests run under the
        # strict default policy instead (tests/security).
        confinement={
            "roots": [tmp_path_factory.getbasetemp()],
            "allowed_networks": ["127.0.0.0/8"],
        },
        # Webhook tests post to loopback receivers; their retries wait tenths of a second.
        webhooks={
            "max_attempts": 4,
            "retry_initial_seconds": 0.2,
            "retry_max_interval_seconds": 1,
            "timeout_seconds": 5,
        },
    )


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    await upgrade_async(settings.store_url)
    database = Database(settings.store_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def cipher(settings: Settings) -> Cipher:
    return Cipher.from_settings(settings)


@pytest.fixture
def new_worker(client: Client, settings: Settings, db: Database):
    """Start a worker on a fresh task queue: ``async with new_worker() as queue: ...``."""

    @asynccontextmanager
    async def start() -> AsyncIterator[str]:
        queue = f"test-{uuid.uuid4()}"
        worker: Worker = build_worker(client, settings, db, queue)
        async with worker:
            yield queue

    return start


@pytest.fixture(scope="session")
async def session_worker(client: Client, settings: Settings, db: Database) -> AsyncIterator[Worker]:
    """A worker on the settings' task queue, which the API starts runs on."""
    worker = build_worker(client, settings, db, settings.temporal.task_queue)
    async with worker:
        yield worker


@pytest.fixture(scope="session")
async def app(settings: Settings, client: Client, db: Database, session_worker: Worker):
    application = create_app(settings, client=client)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    """The API as the bootstrap admin key of tenant "default" (seed 004's X-API-Key)."""
    transport = httpx.ASGITransport(app=app)
    credentials = {"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ductwork.test", headers=credentials
    ) as http:
        yield http


@pytest.fixture
async def anon_api(app) -> AsyncIterator[httpx.AsyncClient]:
    """The API without credentials."""
    async with auth.anonymous_client(app) as http:
        yield http


@pytest.fixture(scope="session")
async def tenancy(app, db: Database, settings: Settings) -> auth.Tenancy:
    """Users of each role in tenant "default": ``tenancy.token("viewer")`` is an access token."""
    return await auth.make_tenancy(db, settings, auth.DEFAULT_TENANT)


@pytest.fixture(scope="session")
async def other_tenant(app, db: Database, settings: Settings) -> auth.Tenancy:
    """A second tenant with users of each role and an admin key (``.admin_key``)."""
    return await auth.make_tenancy(db, settings, f"other-{uuid.uuid4().hex[:8]}")


# --- PostgreSQL: one source and one target database per test session -----------------------


async def _create_database(name: str) -> None:
    conn = await asyncpg.connect(pg_dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(pg_dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database(label: str) -> AsyncIterator[str]:
    name = f"dw_test_{label}_{uuid.uuid4().hex[:8]}"
    await _create_database(name)
    try:
        yield name
    finally:
        await _drop_database(name)


@pytest.fixture(scope="session")
async def source_db() -> AsyncIterator[str]:
    require(PG_HOST, PG_PORT, "PostgreSQL")
    async with scratch_database("src") as name:
        yield name


@pytest.fixture(scope="session")
async def target_db() -> AsyncIterator[str]:
    require(PG_HOST, PG_PORT, "PostgreSQL")
    async with scratch_database("dst") as name:
        yield name


@pytest.fixture
async def source(source_db: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_dsn(source_db))
    yield conn
    await conn.close()


@pytest.fixture
async def target(target_db: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_dsn(target_db))
    yield conn
    await conn.close()


def pg_connection_body(database: str, name: str) -> dict:
    """The API body that registers one of the test databases as a connection."""
    return {
        "name": name,
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": "not-needed-trust-auth",
    }


# --- MariaDB: one scratch database per test session ------------------------------------------


@pytest.fixture(scope="session")
async def mysql_db() -> AsyncIterator[str]:
    require(MYSQL_HOST, MYSQL_PORT, "MariaDB")
    name = f"dw_test_{uuid.uuid4().hex[:8]}"
    admin = await mysql_connect(None)
    try:
        await mysql_execute(admin, f"CREATE DATABASE `{name}`")
        yield name
        await mysql_execute(admin, f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


@pytest.fixture
async def mysql(mysql_db: str) -> AsyncIterator[asyncmy.Connection]:
    conn = await mysql_connect(mysql_db)
    yield conn
    conn.close()


# --- The API and a worker as real processes (tests/service_processes.py) ---------------------


@pytest.fixture(scope="session")
def services(client: Client, tmp_path_factory: pytest.TempPathFactory):
    """uvicorn and a worker with a fresh store, output kept in files; started once, on demand."""
    from tests.service_processes import running_services

    with running_services(client, tmp_path_factory.mktemp("services")) as running:
        yield running
