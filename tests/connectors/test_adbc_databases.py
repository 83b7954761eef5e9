"""ADBC PostgreSQL connections share the database kept for their address: its type catalog is
read once, connections come and go, and types created later still read (as text)."""

from __future__ import annotations

import asyncio
import uuid

import pyarrow as pa

from connectors.postgres import adbc_databases
from connectors.postgres.arrow_ingest import adbc_uri
from connectors.postgres.arrow_read import PostgresArrowReader
from connectors.postgres.config import PostgresConfig
from tests.services import PG_HOST, PG_PORT, PG_USER


def _one(uri: str) -> int:
    conn = adbc_databases.connect(uri)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def test_connections_share_the_kept_database_and_outlive_its_eviction(source_db):
    uri = adbc_uri(PostgresConfig(PG_HOST, PG_PORT, source_db, PG_USER, None))
    held = adbc_databases.connect(uri)
    assert _one(uri) == 1
    assert adbc_databases._kept(uri) is held._db  # one database for the address
    for i in range(adbc_databases.KEPT):  # other addresses push it out
        other = adbc_uri(
            PostgresConfig(PG_HOST, PG_PORT, source_db, PG_USER, None, connect_timeout_s=20 + i)
        )
        assert _one(other) == 1
    assert adbc_databases._kept(uri) is None
    with held.cursor() as cursor:  # the connection open before keeps working
        cursor.execute("SELECT 2")
        assert cursor.fetchone()[0] == 2
    held.close()
    assert _one(uri) == 1  # kept again


async def test_a_type_created_after_the_database_was_kept_reads_as_text(source, source_db):
    config = PostgresConfig(PG_HOST, PG_PORT, source_db, PG_USER, None)
    await asyncio.to_thread(_one, adbc_uri(config))
    mood = f"mood_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TYPE {mood} AS ENUM ('calm', 'busy')")
    table = f"moods_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE {table} AS SELECT 'busy'::{mood} AS m, 1 AS id")
    reader = PostgresArrowReader()
    query = f"SELECT * FROM {table}"
    schema = await reader.describe(config, query)
    batches = await asyncio.to_thread(lambda: list(reader.read(config, query, schema, 10)))
    assert pa.Table.from_batches(batches, schema).to_pylist() == [{"m": "busy", "id": 1}]


def test_a_driver_release_without_shared_databases_still_connects(source_db, monkeypatch):
    """The shared database is a private class of the driver manager: without it, each
    connection opens its own database and nothing is kept."""
    monkeypatch.setattr(adbc_databases, "_shared_database_class", lambda: None)
    uri = adbc_uri(PostgresConfig(PG_HOST, PG_PORT, source_db, PG_USER, f"x{uuid.uuid4().hex}"))
    assert _one(uri) == 1
    assert adbc_databases._kept(uri) is None
