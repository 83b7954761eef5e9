"""DuckDB database files as targets, through the API and the real Temporal dev server: staged in
the target file, transformed and checked there, loaded in one DuckDB transaction with the ledger
row and the cursor marks. Row contents are compared exactly, a retried load included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from connectors.base import TerminalError, TransientError
from connectors.duckdb import target as duckdb_target
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    unique_name,
)
from tests.sources import duckdb_file, file_body, register


def _query(path: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        conn.execute("SET TimeZone = 'UTC'")
        return [tuple(r.values()) for r in conn.sql(sql).to_arrow_table().to_pylist()]
    finally:
        conn.close()


async def _pg_rows(source, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in await source.fetch(sql)]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


async def test_postgres_into_duckdb_every_mode_and_types(api, source, source_db, lake):
    table = unique_name("orders")
    await fill_mixed_table(source, table, 300)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    pipeline = await create_pipeline(
        api,
        unique_name("to-duck"),
        {
            "sources": {"orders": {"connection": src, "table": table}},
            "transformations": [
                {
                    "name": "paid",
                    "sql": "SELECT id, created_at, day, amount, note, active, ref::text AS ref, "
                    "score, amount * 2 AS doubled FROM orders WHERE id % 10 <> 0",
                },
                {"name": "typed", "type": "cast", "input": "paid", "columns": {"id": "integer"}},
            ],
            "sinks": {
                "whole": {
                    "connection": dst,
                    "table": "raw.orders",
                    "mode": "replace",
                    "from": "orders",
                },
                "paid": {"connection": dst, "table": "mart.paid", "mode": "merge", "keys": ["id"]},
            },
            "quality_checks": [
                {"type": "unique", "columns": ["id"]},
                {"type": "not_null", "columns": ["created_at"]},
                {"type": "freshness", "column": "created_at", "max_age": "3650d"},
                {"type": "custom_sql", "sql": "SELECT count(*) FROM typed WHERE doubled < 0"},
            ],
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert first["metrics"]["rowsLoaded"] == 300 + 270

    # Exactly the source rows, every column's value as PostgreSQL holds it.
    expected = await _pg_rows(
        source,
        f"SELECT id, created_at, day, amount, note, active, ref::text, score FROM {table} "
        "ORDER BY id",
    )
    got = _query(
        lake,
        "SELECT id, created_at, day, amount, note, active, ref, score FROM raw.orders ORDER BY id",
    )
    assert got == [(r[0], r[1].astimezone(UTC), *r[2:6], r[6], r[7]) for r in expected]
    types = dict(
        _query(
            lake,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'orders'",
        )
    )
    assert types == {
        "id": "BIGINT",
        "created_at": "TIMESTAMP WITH TIME ZONE",
        "day": "DATE",
        "amount": "DECIMAL(12,2)",
        "note": "VARCHAR",
        "active": "BOOLEAN",
        "ref": "VARCHAR",  # uuid: its text form
        "score": "DOUBLE",
    }
    merged = _query(lake, "SELECT count(*), sum(id), sum(doubled) FROM mart.paid")
    paid_sum = sum(r[0] for r in expected if r[0] % 10)
    doubled = sum(r[3] * 2 for r in expected if r[0] % 10)
    assert merged == [(270, paid_sum, doubled)]
    assert _query(
        lake,
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'paid' AND column_name = 'id'",
    ) == [("INTEGER",)]

    # A second identical run changes nothing in the merge target; staging is dropped.
    again = await run_to_end(api, pipeline)
    assert again["status"] == "COMPLETED", again
    loads = {t["name"]: t["rows"] for t in again["tasks"] if t["name"].startswith("load")}
    assert loads == {"load_whole": 300, "load_paid": 0}
    assert _query(lake, "SELECT count(*), sum(id) FROM mart.paid") == [(270, paid_sum)]
    assert _run_tables(lake) == []  # in any schema: the replace's was staged in raw

    # Merge updates the changed rows only.
    await source.execute(f"UPDATE {table} SET note = 'changed' WHERE id <= 5")
    changed = await run_to_end(api, pipeline)
    loads = {t["name"]: t["rows"] for t in changed["tasks"] if t["name"].startswith("load")}
    assert loads["load_paid"] == 5
    assert _query(lake, "SELECT count(*) FROM mart.paid WHERE note = 'changed'") == [(5,)]


def _run_tables(path: Path) -> list[tuple]:
    """Tables a run staged (named by its prefix ``r_``), in any schema."""
    return _query(
        path,
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_name LIKE 'r\\_%' ESCAPE '\\'",
    )


async def test_a_replace_swaps_in_its_rows_and_a_failed_swap_leaves_the_old_table(
    api, source, source_db, lake, monkeypatch
):
    table = unique_name("items")
    await fill_mixed_table(source, table, 120)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    pipeline = await create_pipeline(
        api,
        unique_name("swap"),
        {
            "sources": {"items": {"connection": src, "table": table}},
            "sinks": {"out": {"connection": dst, "table": "shop.items", "mode": "replace"}},
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    expected = await _pg_rows(source, f"SELECT id, note FROM {table} ORDER BY id")
    assert _query(lake, "SELECT id, note FROM shop.items ORDER BY id") == expected
    assert _run_tables(lake) == []

    # The swap done, then the load fails before its commit: the old table stays, and the
    # staged one goes with the run's cleanup.
    await source.execute(f"DELETE FROM {table} WHERE id > 100")
    real = duckdb_target._swap_in

    def swap_then_fail(conn, staged, target):
        real(conn, staged, target)
        raise TerminalError("disk full", error_type="DATABASE_ERROR")

    monkeypatch.setattr(duckdb_target, "_swap_in", swap_then_fail)
    failed = await run_to_end(api, pipeline)
    assert failed["status"] == "FAILED", failed
    assert _query(lake, "SELECT id, note FROM shop.items ORDER BY id") == expected
    assert _run_tables(lake) == []

    monkeypatch.setattr(duckdb_target, "_swap_in", real)
    fixed = await run_to_end(api, pipeline)
    assert fixed["status"] == "COMPLETED", fixed
    assert fixed["metrics"]["rowsLoaded"] == 100
    assert _query(lake, "SELECT count(*), max(id) FROM shop.items") == [(100, 100)]
    assert _query(lake, "SELECT count(*) FROM _ductwork.loads") == [(2,)]  # one per completed run


async def test_a_load_retried_after_its_commit_loads_nothing_twice(
    api, source, source_db, lake, monkeypatch
):
    table = unique_name("events")
    await fill_mixed_table(source, table, 200)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    real = duckdb_target.load
    calls: list[int] = []

    def commit_then_lose_the_ack(*args, **kwargs):
        outcome = real(*args, **kwargs)
        calls.append(outcome.rows)
        if len(calls) == 1:
            raise TransientError("connection lost after commit", error_type="CONNECTION_FAILED")
        return outcome

    monkeypatch.setattr(duckdb_target, "load", commit_then_lose_the_ack)
    pipeline = await create_pipeline(
        api,
        unique_name("retry"),
        {
            "sources": {"events": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": "wh.events", "mode": "append"}},
            "orchestration": {"retries": 3},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert calls == [200, 200]  # the retry found the ledger row: 200 reported, none written
    assert run["metrics"]["rowsLoaded"] == 200
    expected = await _pg_rows(source, f"SELECT id, note FROM {table} ORDER BY id")
    assert _query(lake, "SELECT id, note FROM wh.events ORDER BY id") == expected
    assert _query(lake, "SELECT count(*) FROM _ductwork.loads") == [(1,)]


async def test_incremental_append_and_schema_evolution(api, tmp_path, lake):
    events = duckdb_file(
        str(tmp_path / "events.duckdb"),
        "CREATE TABLE events (id INTEGER, seen TIMESTAMPTZ, payload VARCHAR)",
        "INSERT INTO events SELECT i, TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 "
        "SECOND, 'p' || i FROM range(1, 101) t(i)",
    )
    src = await register(api, file_body("duckdb", events, unique_name("events")))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    pipeline = await create_pipeline(
        api,
        unique_name("incr"),
        {
            "sources": {
                "events": {
                    "connection": src,
                    "table": "events",
                    "incremental": True,
                    "cursor": "seen",
                    "partitions": 3,
                }
            },
            "sinks": {"wh": {"connection": dst, "table": "wh.events"}},
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["metrics"]["rowsLoaded"] == 100
    extracts = sorted(t["name"] for t in first["tasks"] if t["name"].startswith("extract"))
    assert extracts == ["extract_events_p1", "extract_events_p2", "extract_events_p3"]
    assert _query(lake, "SELECT value FROM _ductwork.cursors") == [("2026-01-01 00:01:40+00",)]
    duckdb_file(
        events,
        "ALTER TABLE events ADD COLUMN extra INTEGER",
        "INSERT INTO events SELECT i, TIMESTAMPTZ '2027-01-01 00:00:00+00' + i * INTERVAL 1 "
        "SECOND, 'late', i FROM range(101, 111) t(i)",
    )
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsLoaded"] == 10  # only the rows past the mark
    assert (await run_to_end(api, pipeline))["metrics"]["rowsLoaded"] == 0
    assert _query(lake, "SELECT count(*), sum(id), count(extra) FROM wh.events") == [
        (110, sum(range(1, 111)), 10)
    ]
    assert _query(lake, "SELECT max(seen) FROM wh.events") == [
        (datetime(2027, 1, 1, 0, 1, 50, tzinfo=UTC),)
    ]

    # A narrowed type stops the run naming the column; nothing is loaded.
    duckdb_file(
        events,
        "ALTER TABLE events ALTER extra TYPE VARCHAR",
        "INSERT INTO events VALUES (999, TIMESTAMPTZ '2028-01-01 00:00:00+00', 'x', 'one')",
    )
    failed = await run_to_end(api, pipeline)
    assert failed["status"] == "FAILED", failed
    assert "column 'extra' is VARCHAR in the data but INTEGER in wh.events" in failed["error"]
    assert _query(lake, "SELECT count(*) FROM wh.events") == [(110,)]
    assert _query(lake, "SELECT value FROM _ductwork.cursors") == [("2027-01-01 00:01:50+00",)]


async def test_deduplicate_append_loads_one_row_per_new_key(api, tmp_path, lake):
    orders = duckdb_file(
        str(tmp_path / "orders.duckdb"),
        "CREATE TABLE orders (id INTEGER, day DATE, amount DECIMAL(10, 2))",
        "INSERT INTO orders VALUES (1, '2026-01-01', 1.5), (1, '2026-01-01', 1.5), "
        "(2, '2026-01-02', 2.25)",
    )
    src = await register(api, file_body("duckdb", orders, unique_name("orders")))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    pipeline = await create_pipeline(
        api,
        unique_name("dedup"),
        {
            "sources": {"orders": {"connection": src, "table": "orders"}},
            "sinks": {
                "wh": {"connection": dst, "table": "orders", "keys": ["id"], "deduplicate": True}
            },
        },
    )
    assert (await run_to_end(api, pipeline))["metrics"]["rowsLoaded"] == 2
    duckdb_file(orders, "INSERT INTO orders VALUES (3, '2026-01-03', 3)")
    assert (await run_to_end(api, pipeline))["metrics"]["rowsLoaded"] == 1
    assert _query(lake, "SELECT id, day, amount FROM main.orders ORDER BY id") == [
        (1, date(2026, 1, 1), Decimal("1.50")),
        (2, date(2026, 1, 2), Decimal("2.25")),
        (3, date(2026, 1, 3), Decimal("3.00")),
    ]
