"""The intent suite's sources: the shop and logistics schemas in scratch PostgreSQL databases, the
CRM in a scratch MariaDB database, each registered as a connection; the target is the session's
scratch PostgreSQL database (tests/conftest.py), one schema per session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
import pytest
from temporalio.client import Client

from tests.conftest import scratch_database
from tests.generation.conftest import _mysql_body, _pg_body
from tests.generation.intents import schemas
from tests.generation.intents.runner import Measured, Sources, measure
from tests.services import (
    MYSQL_HOST,
    MYSQL_PORT,
    PG_HOST,
    PG_PORT,
    mysql_connect,
    mysql_execute,
    pg_dsn,
    require,
)


async def _register(api: httpx.AsyncClient, body: dict) -> str:
    response = await api.post("/v1/pipelines/connections", json=body)
    assert response.status_code == 201, response.text
    return body["name"]


@asynccontextmanager
async def mariadb_database(label: str, statements: list[str]) -> AsyncIterator[str]:
    """A scratch MariaDB database of its own, filled by ``statements``, dropped afterwards."""
    name = f"dw_test_{label}_{uuid.uuid4().hex[:8]}"
    admin = await mysql_connect(None)
    try:
        await mysql_execute(admin, f"CREATE DATABASE `{name}`")
        filling = await mysql_connect(name)
        try:
            await mysql_execute(filling, *statements)
        finally:
            filling.close()
        yield name
    finally:
        await mysql_execute(admin, f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


async def postgres_database(label: str, ddl: str, stack: AsyncExitStack) -> str:
    """A scratch PostgreSQL database filled by ``ddl``, dropped when ``stack`` closes."""
    name = await stack.enter_async_context(scratch_database(label))
    conn = await asyncpg.connect(pg_dsn(name))
    try:
        await conn.execute(ddl)
    finally:
        await conn.close()
    return name


@pytest.fixture(scope="session")
async def intent_sources(gen_api: httpx.AsyncClient, target_db: str) -> AsyncIterator[Sources]:
    require(PG_HOST, PG_PORT, "PostgreSQL")
    require(MYSQL_HOST, MYSQL_PORT, "MariaDB")
    tag = uuid.uuid4().hex[:8]
    async with AsyncExitStack() as stack:
        databases = {
            "shop": await postgres_database("shop", schemas.SHOP, stack),
            "logistics": await postgres_database("logistics", schemas.LOGISTICS, stack),
            "crm": await stack.enter_async_context(mariadb_database("crm", schemas.CRM)),
        }
        bodies = {
            "shop": _pg_body(databases["shop"]),
            "logistics": _pg_body(databases["logistics"]),
            "crm": _mysql_body(databases["crm"]),
            "target": _pg_body(target_db),
        }
        names = {
            label: await _register(gen_api, {**body, "name": f"intents-{label}-{tag}"})
            for label, body in bodies.items()
        }
        sources = Sources(names, databases, target_db, target_schema=f"intents_{tag}")
        target = await asyncpg.connect(pg_dsn(target_db))
        try:  # made once here: many loads at once would each try to create it
            await target.execute(f'CREATE SCHEMA "{sources.target_schema}"')
        finally:
            await target.close()
        yield sources


@pytest.fixture(scope="module")
async def outcomes(
    request: pytest.FixtureRequest,
    gen_api: httpx.AsyncClient,
    client: Client,
    intent_sources: Sources,
    tmp_path_factory: pytest.TempPathFactory,
) -> Measured:
    """Every case of the test module (its ``SUITE`` name and ``CASES``), measured once."""
    module = request.module
    outcomes = await measure(
        module.SUITE,
        module.CASES,
        gen_api,
        client,
        intent_sources,
        tmp_path_factory.mktemp("intents"),
    )
    return Measured(module.SUITE, outcomes)
