"""A freshly migrated store per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from store import connections as connection_store
from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import Database
from store.migrate import upgrade_async
from store.models import Connection, Execution, Pipeline, PipelineVersion, utcnow
from tests.services import PG_HOST, PG_PORT, PG_USER, pg_dsn, require


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(pg_dsn("postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def store_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """The URL of an empty database of each kind; a PostgreSQL one is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    require(PG_HOST, PG_PORT, "PostgreSQL")
    name = f"dw_store_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database(store_url: str) -> AsyncIterator[Database]:
    await upgrade_async(store_url)
    db = Database(store_url)
    yield db
    await db.dispose()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.session() as s:
        yield s


@pytest.fixture
def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:8]}"


class Make:
    """Builds rows through the store functions, with unique names."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def connection(self, tenant: str, name: str | None = None, **fields) -> Connection:
        now = utcnow()
        row = Connection(
            id=str(uuid.uuid4()),
            tenant_id=tenant,
            name=name or f"conn-{uuid.uuid4().hex[:8]}",
            type="postgresql",
            host="db.internal",
            port=5432,
            database="sales",
            created_at=now,
            updated_at=now,
            **fields,
        )
        return await connection_store.create(self.session, row)

    async def pipeline(
        self,
        tenant: str,
        name: str | None = None,
        *,
        tags: list[str] | None = None,
        status: str = "CREATED",
        connections: set[str] | None = None,
        label: str = "1.0.0",
        definition: dict | None = None,
    ) -> Pipeline:
        now = utcnow()
        pipeline = Pipeline(
            id=str(uuid.uuid4()),
            tenant_id=tenant,
            name=name or f"pipe-{uuid.uuid4().hex[:8]}",
            tags=tags or [],
            status=status,
            current_version=1,
            created_at=now,
            updated_at=now,
        )
        version = PipelineVersion(
            pipeline_id=pipeline.id,
            number=1,
            label=label,
            definition=definition or {"sources": {"a": {"table": "t"}}},
            created_by="tester",
            created_at=now,
        )
        return await pipeline_store.create(self.session, pipeline, version, connections or set())

    async def execution(
        self,
        tenant: str,
        pipeline_id: str,
        *,
        status: str = "QUEUED",
        submitted_at: datetime | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
    ) -> Execution:
        execution_id = f"exec-{uuid.uuid4().hex}"
        row = Execution(
            id=execution_id,
            tenant_id=tenant,
            pipeline_id=pipeline_id,
            pipeline_version=1,
            workflow_id=f"run/{execution_id}",
            status=status,
            submitted_at=submitted_at or utcnow(),
            started_at=started_at,
            finished_at=finished_at,
        )
        return await run_store.create(self.session, row)


@pytest.fixture
def make(session: AsyncSession) -> Make:
    return Make(session)
