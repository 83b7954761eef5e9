"""The first loads into a new target database make its staging schema, ledger and cursors
tables side by side: whichever loses the race finds them made, and goes on."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from connectors.postgres.copy import ensure_schema
from connectors.postgres.state import TargetState
from tests.conftest import scratch_database
from tests.services import PG_HOST, PG_PORT, pg_dsn, require

pytestmark = pytest.mark.postgres
RACERS = 8


@pytest.mark.parametrize("in_transaction", [False, True])
async def test_parallel_first_loads_all_find_the_staging_tables(in_transaction: bool):
    require(PG_HOST, PG_PORT, "PostgreSQL")
    async with scratch_database("race") as name:
        conns = [await asyncpg.connect(pg_dsn(name)) for _ in range(RACERS)]
        try:

            async def first_load(conn: asyncpg.Connection) -> None:
                if not in_transaction:
                    await TargetState(conn, "_ductwork").ensure()
                    return
                async with conn.transaction():  # as a load's swap makes its target's schema
                    await ensure_schema(conn, "landed")
                    assert await conn.fetchval("SELECT 1") == 1  # the transaction is usable

            for _ in range(5):  # a race is not won the same way each time
                await asyncio.gather(*(first_load(c) for c in conns))
                await conns[0].execute("DROP SCHEMA IF EXISTS _ductwork, landed CASCADE")
        finally:
            for conn in conns:
                await conn.close()
