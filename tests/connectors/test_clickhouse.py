"""ClickHouse as a target. No ClickHouse server can be installed here (Debian only packages
18.16 from 2018), so the SQL the connector generates runs in chDB, ClickHouse's engine embedded
in Python (chdb-core 26.x): DDL, types, deduplicated inserts, the replace swap and
ReplacingMergeTree merges, also through a real workflow run whose load executes its statements
in chDB. Only clickhouse-connect's HTTP transport to a live server stays untested."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from connectors.base import TerminalError, TransientError
from connectors.clickhouse import target as ch_target
from connectors.clickhouse.ddl import (
    TableSpec,
    clickhouse_type,
    create_table_sql,
    insert_sql,
    partition_expression,
)
from connectors.registry import catalog
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    unique_name,
)
from tests.sources import register

chdb_session = pytest.importorskip("chdb.session")


class ChdbExecutor:
    """The connector's statements run in chDB instead of over HTTP."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def command(self, sql: str) -> None:
        self.session.query(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        table = self.session.query(sql, "ArrowTable")
        return [tuple(r.values()) for r in table.to_pylist()]

    def insert(self, sql: str, data: pa.Table) -> None:
        self.session.query(f"{sql} SELECT * FROM Python(data)")

    def close(self) -> None:
        pass  # the session outlives a load


@pytest.fixture(scope="module")
def chdb(tmp_path_factory) -> ChdbExecutor:
    session = chdb_session.Session(str(tmp_path_factory.mktemp("chdb")))
    yield ChdbExecutor(session)
    session.close()


def test_arrow_types_map_to_clickhouse():
    cases = {
        pa.bool_(): "Bool",
        pa.int8(): "Int8",
        pa.int16(): "Int16",
        pa.int32(): "Int32",
        pa.int64(): "Int64",
        pa.uint8(): "UInt8",
        pa.uint64(): "UInt64",
        pa.float32(): "Float32",
        pa.float64(): "Float64",
        pa.decimal128(12, 2): "Decimal(12, 2)",
        pa.decimal256(50, 10): "Decimal(50, 10)",
        pa.string(): "String",
        pa.string_view(): "String",
        pa.binary(): "String",
        pa.date32(): "Date32",
        pa.timestamp("us"): "DateTime64(6)",
        pa.timestamp("ns", tz="UTC"): "DateTime64(6, 'UTC')",
        pa.time64("us"): "String",
        pa.list_(pa.int32()): "Array(Nullable(Int32))",
        pa.dictionary(pa.int8(), pa.string()): "String",
    }
    assert {str(t): clickhouse_type(t) for t in cases} == {str(t): v for t, v in cases.items()}


def test_seed_000_table_ddl_runs_in_clickhouse(chdb):
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("sale_date", pa.date32()),
            ("amount", pa.decimal128(10, 2)),
            ("customer_id", pa.string()),
        ]
    )
    options = {"engine": "MergeTree", "order_by": ["sale_date", "id"], "partition_by": "sale_date"}
    spec = TableSpec.of("analytics", "sales_daily", "append", [], options)
    ddl = create_table_sql(spec, schema)
    assert ddl == (
        "CREATE TABLE IF NOT EXISTS `analytics`.`sales_daily` (\n"
        "  `id` String,\n"
        "  `sale_date` Date32,\n"
        "  `amount` Nullable(Decimal(10, 2)),\n"
        "  `customer_id` Nullable(String)\n"
        ") ENGINE = MergeTree()\n"
        "PARTITION BY toYYYYMM(`sale_date`)\n"
        "ORDER BY (`sale_date`, `id`)\n"
        "SETTINGS non_replicated_deduplication_window = 1000"
    )
    chdb.command("CREATE DATABASE IF NOT EXISTS analytics")
    chdb.command(ddl)
    assert chdb.rows(
        "SELECT engine, partition_key, sorting_key FROM system.tables "
        "WHERE database = 'analytics' AND name = 'sales_daily'"
    ) == [("MergeTree", "toYYYYMM(sale_date)", "sale_date, id")]

    rows = pa.table(
        {
            "id": ["a", "b"],
            "sale_date": pa.array([date(2026, 1, 1), date(2026, 2, 1)]),
            "amount": pa.array([Decimal("1.50"), None], pa.decimal128(10, 2)),
            "customer_id": ["c1", None],
        }
    )
    for _ in range(2):  # the retry of a block with the same token is dropped by the server
        chdb.insert(insert_sql(spec, rows.column_names, "exec-1/load:0"), rows)
    assert chdb.rows(
        "SELECT id, sale_date, amount, customer_id FROM analytics.sales_daily ORDER BY id"
    ) == [
        ("a", date(2026, 1, 1), Decimal("1.50"), "c1"),
        ("b", date(2026, 2, 1), None, None),
    ]
    assert chdb.rows(
        "SELECT count() FROM system.parts WHERE database = 'analytics' "
        "AND table = 'sales_daily' AND active"
    ) == [(2,)]


def test_bad_options_are_refused():
    with pytest.raises(Exception, match="MergeTree family"):
        TableSpec.of("d", "t", "append", [], {"engine": "Log"})
    with pytest.raises(Exception, match="ReplacingMergeTree"):
        TableSpec.of("d", "t", "merge", ["id"], {"engine": "MergeTree"})
    with pytest.raises(Exception, match="unknown ClickHouse option"):
        TableSpec.of("d", "t", "append", [], {"orderby": "id"})
    entry = next(e for e in catalog() if e["type"] == "clickhouse")
    assert (entry["source"], entry["target"], entry["default_port"]) == (False, True, 8123)


@pytest.mark.parametrize(
    "partition_by",
    [
        "(SELECT max(a) FROM url('http://169.254.169.254/', CSV, 'a String'))",
        "a IN (SELECT 1)",
        "a; DROP TABLE other",
        "length((SELECT * FROM file('/etc/passwd')))",
    ],
    ids=["subquery", "in-subquery", "second-statement", "nested"],
)
def test_a_partition_key_holds_no_query_or_statement(partition_by: str):
    with pytest.raises(TerminalError, match="not a query or a statement"):
        TableSpec.of("d", "t", "append", [], {"partition_by": partition_by})


def test_a_partition_expression_is_written_from_its_tree():
    """Nothing of the text as given rides into the CREATE TABLE: comments are dropped and text
    that is not one expression can only name a column."""
    schema = pa.schema([("d", pa.date32()), ("a", pa.int32()), ("order date", pa.date32())])
    written = partition_expression("toMonday( d ) -- */ SETTINGS x = 1\n", schema)
    assert written == "toMonday( d )"
    assert partition_expression("intDiv(/* x */a, 2)", schema) == "intDiv( a, 2)"
    assert partition_expression("order date", schema) == "toYYYYMM(`order date`)"
    with pytest.raises(TerminalError, match="neither a column"):
        partition_expression("d) ENGINE = URL('http://x') --", schema)


async def test_the_connector_catalog_lists_every_target(api):
    response = await api.get("/api/v1/connectors")
    assert response.status_code == 200, response.text
    listed = response.json()["connectors"]
    assert {c["type"] for c in listed if c["target"]} == {
        "postgresql",
        "duckdb",
        "files",
        "clickhouse",
        "kafka",
    }
    assert {c["type"] for c in listed if not c["source"]} == {"clickhouse"}


async def test_postgres_into_clickhouse_through_a_run(api, source, source_db, chdb, monkeypatch):
    """Append (a retried load after its insert: no duplicate), replace, merge."""
    table = unique_name("orders")
    await fill_mixed_table(source, table, 150)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(
        api,
        {
            "name": unique_name("ch"),
            "type": "clickhouse",
            "host": "127.0.0.1",
            "port": 8123,
            "database": "analytics",
            "username": "default",
            "password": "never-echoed",
        },
    )
    calls: list[int] = []
    real_load = ch_target.load

    def insert_then_lose_the_ack(*args, **kwargs):
        outcome = real_load(*args, **kwargs)
        calls.append(outcome.rows)
        if len(calls) == 1:
            raise TransientError("connection lost after insert", error_type="CONNECTION_FAILED")
        return outcome

    monkeypatch.setattr(ch_target, "executor_for", lambda config: chdb)
    monkeypatch.setattr(ch_target, "load", insert_then_lose_the_ack)
    query = f"SELECT id, created_at, day, amount, note, active, score FROM {table}"
    ch_table = unique_name("orders")

    async def pipeline(mode: str, **sink: Any) -> str:
        return await create_pipeline(
            api,
            unique_name("to-ch"),
            {
                "sources": {"orders": {"connection": src, "query": query}},
                "sinks": {"ch": {"connection": dst, "table": ch_table, "mode": mode, **sink}},
                "orchestration": {"retries": 3},
            },
        )

    options = {"order_by": ["day", "id"], "partition_by": "day"}
    run = await run_to_end(api, await pipeline("append", options=options))
    assert run["status"] == "COMPLETED", run
    assert calls == [150, 150]
    expected = [
        (r["id"], r["created_at"].astimezone(UTC), r["day"], r["amount"], r["note"])
        for r in await source.fetch(f"{query} ORDER BY id")
    ]
    got = chdb.rows(
        f"SELECT id, created_at, day, amount, note FROM analytics.{ch_table} ORDER BY id"
    )
    assert got == expected  # each row once, values exact
    assert dict(
        chdb.rows(
            f"SELECT name, type FROM system.columns WHERE database = 'analytics' "
            f"AND table = '{ch_table}'"
        )
    ) == {
        "id": "Int64",
        "created_at": "Nullable(DateTime64(6, 'UTC'))",
        "day": "Date32",
        "amount": "Nullable(Decimal(12, 2))",
        "note": "Nullable(String)",
        "active": "Nullable(Bool)",
        "score": "Nullable(Float64)",
    }

    monkeypatch.setattr(ch_target, "load", real_load)
    replace = await run_to_end(api, await pipeline("replace", options=options))
    assert replace["status"] == "COMPLETED", replace
    assert chdb.rows(f"SELECT count(), sum(id) FROM analytics.{ch_table}") == [
        (150, sum(range(1, 151)))
    ]

    merged_table = unique_name("customers")
    ch_table = merged_table
    merge = await pipeline("merge", keys=["id"])
    assert (await run_to_end(api, merge))["status"] == "COMPLETED"
    await source.execute(f"UPDATE {table} SET note = 'changed' WHERE id <= 3")
    assert (await run_to_end(api, merge))["status"] == "COMPLETED"
    assert chdb.rows(
        f"SELECT count(), countIf(note = 'changed') FROM analytics.{merged_table} FINAL"
    ) == [(150, 3)]


async def test_clickhouse_sink_checks_are_422(api, source_db):
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(
        api,
        {
            "name": unique_name("ch"),
            "type": "clickhouse",
            "host": "127.0.0.1",
            "port": 8123,
            "database": "analytics",
            "username": "default",
        },
    )
    for sink, field, words in (
        ({"options": {"engine": "Memory"}}, "options", "MergeTree family"),
        ({"keys": ["id"], "deduplicate": True}, "deduplicate", "use mode 'merge'"),
    ):
        response = await api.post(
            "/v1/pipelines",
            json={
                "name": unique_name("bad"),
                "definition": {
                    "sources": {"orders": {"connection": src, "table": "orders"}},
                    "sinks": {"ch": {"connection": dst, "table": "t", **sink}},
                },
            },
        )
        assert response.status_code == 422, response.text
        (problem,) = [p for p in response.json()["detail"] if p["type"] == "unsupported_target"]
        assert problem["loc"] == ["body", "definition", "sinks", "ch", field]
        assert words in problem["msg"]
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": unique_name("bad"),
            "definition": {
                "sources": {"orders": {"connection": dst, "table": "orders"}},
                "sinks": {"ch": {"connection": dst, "table": "t"}},
            },
        },
    )
    assert response.status_code == 422
    assert "can be loaded into, not read from" in response.text
