"""Files as targets (Parquet, CSV, JSON Lines; local and on moto's S3 server), through the API
and the real Temporal dev server: one part file per load, a retried load never duplicates or
half-writes one, replace leaves only the new run's part, and the types written are exact."""

from __future__ import annotations

import glob
import io
import json
import os
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from connectors.base import TransientError
from connectors.files import target as files_target
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    unique_name,
)
from tests.s3 import s3_server  # noqa: F401  (the session fixture)
from tests.sources import register

COLUMNS = "id, created_at, day, amount, note, active, score"


def _files_body(root: str, name: str, fmt: str) -> dict:
    return {"name": name, "type": "files", "database": root, "properties": {"format": fmt}}


async def _pipeline(api, src: str, dst: str, table: str, mode: str, **extra) -> str:
    return await create_pipeline(
        api,
        unique_name("to-files"),
        {
            "sources": {"orders": {"connection": src, "query": f"SELECT {COLUMNS} FROM {table}"}},
            "sinks": {"lake": {"connection": dst, "table": "exports.orders", "mode": mode}},
            **extra,
        },
    )


async def _expected(source, table: str) -> list[dict]:
    rows = await source.fetch(f"SELECT {COLUMNS} FROM {table} ORDER BY id")
    return [{**r, "created_at": r["created_at"].astimezone(UTC)} for r in rows]


def _parts(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))


async def test_parquet_append_retry_and_replace_locally(
    api, source, source_db, tmp_path, monkeypatch, settings
):
    table = unique_name("orders")
    await fill_mixed_table(source, table, 120)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, _files_body(str(tmp_path / "lake"), unique_name("lake"), "parquet"))
    real = files_target.load
    calls: list[int] = []

    def write_then_lose_the_ack(*args, **kwargs):
        outcome = real(*args, **kwargs)
        calls.append(outcome.rows)
        if len(calls) == 1:
            raise TransientError("connection lost after the write", error_type="CONNECTION_FAILED")
        return outcome

    monkeypatch.setattr(files_target, "load", write_then_lose_the_ack)
    pipeline = await _pipeline(api, src, dst, table, "append", orchestration={"retries": 3})
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert calls == [120, 120]  # the retry wrote the same part file again
    directory = tmp_path / "lake" / "exports" / "orders"
    assert len(_parts(directory)) == 1
    data = pq.read_table(directory)
    assert [(f.name, f.type) for f in data.schema] == [
        ("id", pa.int64()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("day", pa.date32()),
        ("amount", pa.decimal128(12, 2)),
        ("note", pa.string()),
        ("active", pa.bool_()),
        ("score", pa.float64()),
    ]
    assert data.sort_by("id").to_pylist() == await _expected(source, table)

    await source.execute(
        f"INSERT INTO {table} SELECT id + 1000, created_at, day, amount, note, "
        f"active, ref, score FROM {table} WHERE id <= 3"
    )
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert len(_parts(directory)) == 2  # a new part file per run
    assert pq.read_table(directory).num_rows == 120 + 123

    monkeypatch.setattr(files_target, "load", real)
    replace = await _pipeline(api, src, dst, table, "replace")
    third = await run_to_end(api, replace)
    assert third["status"] == "COMPLETED", third
    assert len(_parts(directory)) == 1
    assert pq.read_table(directory).sort_by("id").to_pylist() == await _expected(source, table)
    assert not [p for p in (tmp_path / "lake" / "exports").iterdir() if p.name != "orders"]
    # Each run's DuckDB staging file is gone with the run.
    assert not glob.glob(os.path.join(settings.data_plane.staging_dir, "*.duckdb*"))


async def test_csv_and_json_lines_hold_the_values(api, source, source_db, tmp_path):
    table = unique_name("orders")
    await fill_mixed_table(source, table, 30)
    src = await create_connection(api, source_db, unique_name("src"))
    expected = await _expected(source, table)
    for fmt in ("csv", "jsonl"):
        root = tmp_path / fmt
        dst = await register(api, _files_body(str(root), unique_name(fmt), fmt))
        run = await run_to_end(api, await _pipeline(api, src, dst, table, "replace"))
        assert run["status"] == "COMPLETED", run
        (part,) = [
            root / "exports" / "orders" / name for name in _parts(root / "exports" / "orders")
        ]
        assert part.suffix == f".{fmt}"
        text = part.read_text()
        if fmt == "csv":
            got = pcsv.read_csv(io.BytesIO(text.encode())).sort_by("id").to_pylist()
            assert got[0]["note"] == expected[0]["note"]
            assert [r["id"] for r in got] == [r["id"] for r in expected]
            assert [Decimal(str(r["amount"])) for r in got] == [r["amount"] for r in expected]
        else:
            got = sorted((json.loads(line) for line in text.splitlines()), key=lambda r: r["id"])
            assert got[1] == {
                "id": 2,
                "created_at": "2026-01-01 00:02:00+00",
                "day": "2026-01-03",
                "amount": float(expected[1]["amount"]),
                "note": "note 2 ünïcode ✓",
                "active": True,
                "score": expected[1]["score"],
            }
            assert [r["note"] for r in got] == [r["note"] for r in expected]


async def test_s3_append_and_replace(api, source, source_db, s3_server):  # noqa: F811
    table = unique_name("orders")
    await fill_mixed_table(source, table, 50)
    src = await create_connection(api, source_db, unique_name("src"))
    prefix = unique_name("out")
    body = s3_server.body(unique_name("s3"), prefix)
    body["properties"]["format"] = "parquet"
    dst = await register(api, body)
    s3 = s3_server.client()

    def keys() -> list[str]:
        listed = s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=f"{prefix}/exports/orders/")
        # (pyarrow leaves a directory marker "…/" when it deletes a directory's last file)
        return sorted(o["Key"] for o in listed.get("Contents", []) if not o["Key"].endswith("/"))

    def rows() -> list[dict]:
        tables = [
            pq.read_table(io.BytesIO(s3.get_object(Bucket=s3_server.bucket, Key=k)["Body"].read()))
            for k in keys()
        ]
        return pa.concat_tables(tables).sort_by("id").to_pylist()

    append = await _pipeline(api, src, dst, table, "append")
    for _ in range(2):
        run = await run_to_end(api, append)
        assert run["status"] == "COMPLETED", run
    assert len(keys()) == 2
    assert len(rows()) == 100
    replace = await _pipeline(api, src, dst, table, "replace")
    assert (await run_to_end(api, replace))["status"] == "COMPLETED"
    assert len(keys()) == 1
    assert rows() == await _expected(source, table)


async def test_unsupported_file_sinks_are_refused_with_422(api, source_db, tmp_path):
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, _files_body(str(tmp_path), unique_name("lake"), "parquet"))
    for sink, field, words in (
        ({"mode": "merge", "keys": ["id"]}, "mode", "files cannot be merged into"),
        ({"keys": ["id"], "deduplicate": True}, "deduplicate", "cannot be deduplicated"),
    ):
        response = await api.post(
            "/v1/pipelines",
            json={
                "name": unique_name("bad"),
                "definition": {
                    "sources": {"orders": {"connection": src, "table": "orders"}},
                    "sinks": {"lake": {"connection": dst, "table": "orders", **sink}},
                },
            },
        )
        assert response.status_code == 422, response.text
        (problem,) = [p for p in response.json()["detail"] if p["type"] == "unsupported_target"]
        assert problem["loc"] == ["body", "definition", "sinks", "lake", field]
        assert words in problem["msg"]


def test_dataset_paths_and_part_names():
    assert files_target.dataset_path("public.orders") == "orders"
    assert files_target.dataset_path("exports.orders") == "exports/orders"
    name = files_target.part_name("exec-1/load_lake", "parquet")
    assert name == files_target.part_name("exec-1/load_lake", "parquet")
    assert name != files_target.part_name("exec-2/load_lake", "parquet")
    assert name.startswith("part-") and name.endswith(".parquet")
