"""Pipelines from files (CSV, Parquet, JSON Lines; local and on S3) into PostgreSQL, through
the API and the real Temporal dev server, with the types and values that arrive asserted."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name
from tests.s3 import s3_server  # noqa: F401  (the session fixture)
from tests.sources import register


def _rows(ids: range) -> pa.Table:
    """Every kind of column: int, float, decimal, string with NULLs, bool, date, timestamp."""
    return pa.table(
        {
            "id": pa.array(list(ids), pa.int64()),
            "price": pa.array([i * 0.5 for i in ids], pa.float64()),
            "amount": pa.array([Decimal(i) / 4 for i in ids], pa.decimal128(12, 2)),
            "note": pa.array([None if i % 5 == 0 else f"n{i}" for i in ids], pa.string()),
            "ok": pa.array([i % 2 == 0 for i in ids], pa.bool_()),
            "day": pa.array([date(2026, 1, 1 + i % 28) for i in ids], pa.date32()),
            "at": pa.array(
                [datetime(2026, 2, 1, i % 24, i % 60, tzinfo=UTC) for i in ids],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )


async def _columns(target, table: str) -> dict[str, str]:
    rows = await target.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'wh' AND table_name = $1",
        table,
    )
    return {r["column_name"]: r["data_type"] for r in rows}


async def _run(api: httpx.AsyncClient, src: str, target_db: str, source: dict, table: str):
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline = await create_pipeline(
        api,
        unique_name("files"),
        {
            "sources": {"rows": {"connection": src, **source}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    return run, pipeline


def _local(path) -> dict:
    return {"name": unique_name("lake"), "type": "files", "database": str(path)}


async def _assert_all_types(target, table: str, ids: range, *, decimal: bool) -> None:
    columns = await _columns(target, table)
    assert columns == {
        "id": "bigint",
        "price": "double precision",
        "amount": "numeric" if decimal else "double precision",
        "note": "text",
        "ok": "boolean",
        "day": "date",
        "at": "timestamp with time zone",
    }
    stats = await target.fetchrow(
        f"SELECT count(*) AS n, sum(id) AS s, sum(price) AS p, sum(amount) AS a, "
        f"count(note) AS notes, count(*) FILTER (WHERE ok) AS oks, max(day) AS d FROM wh.{table}"
    )
    assert stats["n"] == len(ids) and stats["s"] == sum(ids)
    assert stats["p"] == sum(i * 0.5 for i in ids)
    assert Decimal(str(stats["a"])) == sum(Decimal(i) / 4 for i in ids)
    assert stats["notes"] == len([i for i in ids if i % 5])
    assert stats["oks"] == len([i for i in ids if i % 2 == 0])
    assert stats["d"] == max(date(2026, 1, 1 + i % 28) for i in ids)
    row = await target.fetchrow(f"SELECT * FROM wh.{table} WHERE id = 7")
    assert row["note"] == "n7" and row["ok"] is False and row["day"] == date(2026, 1, 8)
    assert row["at"] == datetime(2026, 2, 1, 7, 7, tzinfo=UTC)
    assert row["amount"] == (Decimal("1.75") if decimal else 1.75)
    assert await target.fetchval(f"SELECT note FROM wh.{table} WHERE id = 10") is None


async def test_parquet_glob_over_several_files(api, tmp_path, target, target_db):
    for i in range(4):
        (tmp_path / "orders").mkdir(exist_ok=True)
        pq.write_table(_rows(range(i * 25, i * 25 + 25)), tmp_path / "orders" / f"{i}.parquet")
    src = await register(api, _local(tmp_path))
    table = unique_name("orders")
    run, _ = await _run(api, src, target_db, {"table": "orders/*.parquet"}, table)
    assert run["metrics"]["rowsLoaded"] == 100
    await _assert_all_types(target, table, range(100), decimal=True)
    assert str(await target.fetchval(f"SELECT amount FROM wh.{table} WHERE id = 7")) == "1.75"
    assert (
        await target.fetchval(
            "SELECT numeric_precision FROM information_schema.columns "
            "WHERE table_schema = 'wh' AND table_name = $1 AND column_name = 'amount'",
            table,
        )
        == 12
    )


async def test_csv_file(api, tmp_path, target, target_db):
    data = _rows(range(1, 41))
    pcsv.write_csv(data, tmp_path / "orders.csv")
    src = await register(api, _local(tmp_path))
    table = unique_name("csv")
    run, _ = await _run(api, src, target_db, {"table": "orders.csv"}, table)
    assert run["metrics"]["rowsLoaded"] == 40
    await _assert_all_types(target, table, range(1, 41), decimal=False)


async def test_json_lines_file(api, tmp_path, target, target_db):
    lines = [
        json.dumps(
            {"id": i, "price": i * 0.5, "note": None if i % 5 == 0 else f"n{i}", "ok": i % 2 == 0}
        )
        for i in range(1, 31)
    ]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    src = await register(api, _local(tmp_path))
    table = unique_name("jsonl")
    run, _ = await _run(api, src, target_db, {"table": "events.jsonl"}, table)
    assert run["metrics"]["rowsLoaded"] == 30
    assert await _columns(target, table) == {
        "id": "bigint",
        "price": "double precision",
        "note": "text",
        "ok": "boolean",
    }
    stats = await target.fetchrow(
        f"SELECT sum(id) AS s, sum(price) AS p, count(note) AS notes, "
        f"count(*) FILTER (WHERE ok) AS oks FROM wh.{table}"
    )
    assert (stats["s"], stats["p"], stats["notes"], stats["oks"]) == (465, 232.5, 24, 15)


async def test_incremental_and_partitions_on_parquet(api, tmp_path, target, target_db):
    (tmp_path / "ev").mkdir()
    pq.write_table(_rows(range(0, 100)), tmp_path / "ev" / "a.parquet")
    src = await register(api, _local(tmp_path))
    dst = await create_connection(api, target_db, unique_name("dst"))
    table = unique_name("inc")
    pipeline = await create_pipeline(
        api,
        unique_name("files-inc"),
        {
            "sources": {
                "rows": {
                    "connection": src,
                    "table": "ev/*.parquet",
                    "incremental": True,
                    "cursor": "id",
                    "partitions": 3,
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "keys": ["id"]}},
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    extracts = [t["name"] for t in first["tasks"] if t["name"].startswith("extract_")]
    assert len(extracts) == 3
    assert first["metrics"]["rowsLoaded"] == 100
    pq.write_table(_rows(range(100, 110)), tmp_path / "ev" / "b.parquet")
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsProcessed"] == 10
    stats = await target.fetchrow(f"SELECT count(*) AS n, sum(id) AS s FROM wh.{table}")
    assert (stats["n"], stats["s"]) == (110, sum(range(110)))


async def test_parquet_and_csv_on_s3(api, s3_server, target, target_db):  # noqa: F811
    prefix = unique_name("lake")
    for i in range(2):
        buffer = io.BytesIO()
        pq.write_table(_rows(range(i * 50, i * 50 + 50)), buffer)
        s3_server.put(f"{prefix}/orders/{i}.parquet", buffer.getvalue())
    buffer = io.BytesIO()
    pcsv.write_csv(_rows(range(1, 21)), buffer)
    s3_server.put(f"{prefix}/orders.csv", buffer.getvalue())
    src = await register(api, s3_server.body(unique_name("s3"), prefix))

    table = unique_name("s3pq")
    run, _ = await _run(api, src, target_db, {"table": "orders/*.parquet"}, table)
    assert run["metrics"]["rowsLoaded"] == 100
    await _assert_all_types(target, table, range(100), decimal=True)

    table = unique_name("s3csv")
    run, _ = await _run(api, src, target_db, {"table": "orders.csv"}, table)
    assert run["metrics"]["rowsLoaded"] == 20
    await _assert_all_types(target, table, range(1, 21), decimal=False)
