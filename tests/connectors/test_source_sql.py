"""Source SQL in each dialect: table queries, transpiled queries, range and cursor predicates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from connectors import source_sql
from domain.definition import PipelineDefinition
from domain.planner import source_query


def _definition(source: dict) -> PipelineDefinition:
    return PipelineDefinition.model_validate(
        {
            "sources": {"orders": {"connection": "src", **source}},
            "sinks": {"out": {"connection": "dst", "table": "t"}},
        }
    )


@pytest.mark.parametrize(
    ("kind", "table", "expected"),
    [
        ("postgresql", "orders", 'SELECT * FROM "public"."orders"'),
        ("mysql", "orders", "SELECT * FROM `orders`"),
        ("mariadb", "shop.orders", "SELECT * FROM `shop`.`orders`"),
        ("sqlite", "orders", 'SELECT * FROM "orders"'),
        ("sqlite", "main.orders", 'SELECT * FROM "orders"'),
        ("duckdb", "orders", 'SELECT * FROM "orders"'),
        ("duckdb", "raw.orders", 'SELECT * FROM "raw"."orders"'),
    ],
)
def test_table_sources_in_each_dialect(kind, table, expected):
    assert source_query(_definition({"table": table}), "orders", {}, kind) == expected


def test_a_query_is_bound_then_transpiled():
    definition = _definition(
        {"query": "SELECT id, created_at::date AS day FROM orders WHERE note ILIKE :p"}
    )
    assert source_query(definition, "orders", {"p": "x%"}, "mysql") == (
        "SELECT id, CAST(created_at AS DATE) AS day FROM orders WHERE LOWER(note) LIKE LOWER('x%')"
    )
    # PostgreSQL keeps the query as written (bound).
    assert "ILIKE 'x%'" in source_query(definition, "orders", {"p": "x%"}, "postgresql")


@pytest.mark.parametrize(
    ("value", "dialect", "expected"),
    [
        (5, "mysql", "5"),
        (Decimal("12.50"), "duckdb", "12.50"),
        (date(2026, 2, 28), "mysql", "CAST('2026-02-28' AS DATE)"),
        (date(2026, 2, 28), "sqlite", "'2026-02-28'"),
        (
            datetime(2026, 1, 2, 3, 4, 5),
            "mysql",
            "CAST('2026-01-02 03:04:05.000000' AS DATETIME(6))",
        ),
        # an instant: MySQL and SQLite compare in UTC, DuckDB keeps the offset
        (
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "duckdb",
            "CAST('2026-01-02 03:04:05+00:00' AS TIMESTAMPTZ)",
        ),
        (datetime.fromisoformat("2026-01-02T05:04:05+02:00"), "sqlite", "'2026-01-02 03:04:05'"),
        (
            datetime(2026, 1, 2, 3, 4, 5, 120000),
            "duckdb",
            "CAST('2026-01-02 03:04:05.120000' AS TIMESTAMP)",
        ),
        ("it's", "mysql", "'it''s'"),
    ],
)
def test_literals(value, dialect, expected):
    assert source_sql.literal(value, dialect).sql(dialect=dialect) == expected


def test_a_range_on_mysql_takes_the_nulls_in_the_first_range():
    first = source_sql.range_predicate("id", None, 100, "mysql", nulls=True)
    middle = source_sql.range_predicate("id", 100, 200, "mysql", nulls=False)
    query = source_sql.where("SELECT * FROM `t`", "mysql", first)
    assert query == (
        "SELECT * FROM (SELECT * FROM `t`) AS _src WHERE (`_src`.`id` < 100) OR `_src`.`id` IS NULL"
    )
    assert middle.sql("mysql") == "`_src`.`id` >= 100 AND `_src`.`id` < 200"


@pytest.mark.parametrize(
    ("text", "data_type", "expected"),
    [
        ("42", pa.int64(), 42),
        ("1.5", pa.float64(), Decimal("1.5")),
        ("2026-01-02", pa.date32(), date(2026, 1, 2)),
        ("2026-01-02T03:00:00", pa.timestamp("us"), datetime(2026, 1, 2, 3)),
        ("2026-01-02T03:00:00", pa.timestamp("us", tz="UTC"), datetime(2026, 1, 2, 3, tzinfo=UTC)),
        (None, pa.int64(), None),
    ],
)
def test_bounds_read_back_as_the_column_type(text, data_type, expected):
    assert source_sql.bound_value(text, data_type) == expected
