"""PostgreSQL connections kept open between steps (connectors.postgres.idle): handed out again
only for the same key, reset as a new connection would be, and never one left mid-transaction."""

from __future__ import annotations

import asyncio

import pytest

from connectors.postgres.config import PostgresConfig
from connectors.postgres.idle import IdleConnections
from tests.services import PG_HOST, PG_PORT, PG_USER


@pytest.fixture
def config(source_db: str) -> PostgresConfig:
    return PostgresConfig(PG_HOST, PG_PORT, source_db, user=PG_USER)


async def _settled(idle: IdleConnections) -> None:
    """Until the connections given back are reset and kept (or closed)."""
    for _ in range(200):
        if not idle._tasks:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("connections given back never settled")


async def test_a_connection_given_back_is_reset_and_handed_out_again(config):
    idle = IdleConnections()
    conn = await idle.take("tenant-a", config)
    pid = conn.get_server_pid()
    await conn.execute("SET search_path TO pg_catalog")
    await conn.execute("CREATE TEMPORARY TABLE left_behind (x int)")
    idle.give_back("tenant-a", conn)
    await _settled(idle)
    assert idle.count() == 1

    again = await idle.take("tenant-a", config)
    assert again.get_server_pid() == pid
    assert await again.fetchval("SHOW search_path") == '"$user", public'
    assert await again.fetchval("SELECT to_regclass('pg_temp.left_behind')") is None
    idle.give_back("tenant-a", again)
    await _settled(idle)
    await idle.close()
    assert idle.count() == 0 and again.is_closed()


async def test_another_key_never_gets_a_kept_connection(config):
    idle = IdleConnections()
    conn = await idle.take("tenant-a", config)
    pid = conn.get_server_pid()
    idle.give_back("tenant-a", conn)
    await _settled(idle)

    other = await idle.take("tenant-b", config)  # another tenant, the same settings
    assert other.get_server_pid() != pid
    await other.close()
    await idle.close()


async def test_a_connection_inside_a_transaction_is_closed_not_kept(config):
    idle = IdleConnections()
    conn = await idle.take("tenant-a", config)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("CREATE TABLE never_committed (x int)")
    idle.give_back("tenant-a", conn)
    await _settled(idle)
    assert idle.count() == 0 and conn.is_closed()
    fresh = await idle.take("tenant-a", config)
    assert await fresh.fetchval("SELECT to_regclass('never_committed')") is None
    await fresh.close()


async def test_few_are_kept_and_none_for_long(config):
    idle = IdleConnections(per_key=2, total=3, idle_seconds=60)
    taken = [await idle.take(key, config) for key in ("a", "a", "a", "b", "b")]
    for key, conn in zip(("a", "a", "a", "b", "b"), taken, strict=True):
        idle.give_back(key, conn)
    await _settled(idle)
    assert idle.count() == 3  # two of "a" at most, three in all
    assert sum(conn.is_closed() for conn in taken) == 2

    idle.idle_seconds = 0  # kept too long: closed when next asked for, and a new one opened
    fresh = await idle.take("a", config)
    assert fresh not in taken
    await fresh.close()
    await idle.close()
    assert all(conn.is_closed() for conn in taken)
