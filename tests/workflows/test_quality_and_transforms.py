"""Declarative transformation steps and quality checks, through the API on real databases."""

from __future__ import annotations

import re
from decimal import Decimal

import asyncpg
import httpx

from activities.transform import _casts_in_place
from domain import transforms
from domain.planner import rewrite_tables
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name

# severity "approve" pauses a run for a decision: tests/workflows/test_approval_gate.py


async def _pipeline(api: httpx.AsyncClient, source_db: str, target_db: str, definition) -> str:
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    return await create_pipeline(api, unique_name("p"), definition(src, dst))


async def _columns(conn: asyncpg.Connection, table: str) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        table,
    )
    return [(r[0], r[1]) for r in rows]


async def _logs(api: httpx.AsyncClient, execution_id: str) -> list[str]:
    body = (await api.get(f"/v1/pipelines/executions/{execution_id}/logs")).json()
    return [line["message"] for line in body["lines"]]


async def test_rename_cast_filter_derive_lookup_join_load_exactly_these_rows(
    api, source, target, source_db, target_db
):
    orders, rates = unique_name("orders"), unique_name("rates")
    await source.execute(
        f"CREATE TABLE {orders} (id int, amt text, cur text, status text, created timestamptz)"
    )
    await source.execute(
        f"INSERT INTO {orders} VALUES "
        "(1, '10.50', 'EUR', 'paid', now() - interval '1 hour'), "
        "(2, '0', 'USD', 'paid', now() - interval '2 hours'), "  # filtered: amount 0
        "(3, '120', 'USD', 'refunded', NULL), "  # a NULL the freshness check ignores
        "(4, '99.99', 'GBP', 'void', now() - interval '3 hours'), "  # filtered: void
        "(5, '5', 'JPY', 'paid', now() - interval '30 minutes'), "  # no rate: left join keeps it
        "(6, '-1', 'EUR', 'paid', now())"  # filtered: negative
    )
    await source.execute(f"CREATE TABLE {rates} (code text, rate numeric(8, 4), label text)")
    await source.execute(
        f"INSERT INTO {rates} VALUES ('EUR', 1, 'euro'), ('USD', 0.9, 'dollar'), "
        "('GBP', 1.15, 'pound')"
    )
    created = dict(await source.fetch(f"SELECT id, created FROM {orders}"))
    out = f"wh.{unique_name('enriched')}"
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {
                "orders": {"connection": src, "table": orders},
                "rates": {"connection": src, "table": rates},
            },
            "transformations": [
                {
                    "name": "renamed",
                    "type": "rename",
                    "input": "orders",
                    "columns": {"amt": "amount", "cur": "currency"},
                },
                {
                    "name": "typed",
                    "type": "cast",
                    "input": "renamed",
                    "columns": {"amount": "numeric(10, 2)"},
                },
                {
                    "name": "valid",
                    "type": "filter",
                    "input": "typed",
                    "condition": "amount > 0 AND status <> 'void'",
                },
                {
                    "name": "derived",
                    "type": "derive",
                    "input": "valid",
                    "columns": {"cents": "(amount * 100)::int", "big": "amount >= 100"},
                },
                {
                    "name": "enriched",
                    "type": "lookup_join",
                    "input": "derived",
                    "lookup": "rates",
                    "on": {"currency": "code"},
                    "columns": ["rate"],
                },
            ],
            "sinks": {"wh": {"connection": dst, "table": out}},
            "quality_checks": [
                {"name": "ids", "type": "unique", "columns": ["id"]},
                {
                    "name": "known_currency",
                    "type": "accepted_values",
                    "column": "currency",
                    "values": ["EUR", "USD", "GBP", "JPY"],
                },
                {
                    "name": "sane_amount",
                    "type": "range",
                    "column": "amount",
                    "min": 0.01,
                    "max": 1000,
                },
                {
                    "name": "this_century",
                    "type": "range",
                    "column": "created",
                    "min": "2000-01-01",
                    "max": "2100-01-01T00:00:00Z",
                },
                {"name": "fresh", "type": "freshness", "column": "created", "max_age": "24h"},
                {
                    "name": "cents_match",
                    "type": "custom_sql",
                    "sql": "SELECT count(*) FROM enriched WHERE cents <> round(amount * 100)",
                },
            ],
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert run["metrics"]["rowsLoaded"] == 3

    # rename and cast keep the columns they touch in place; the cast replaced the text column.
    assert await _columns(target, out) == [
        ("id", "integer"),
        ("amount", "numeric(10,2)"),
        ("currency", "text"),
        ("status", "text"),
        ("created", "timestamp with time zone"),
        ("cents", "integer"),
        ("big", "boolean"),
        ("rate", "numeric(8,4)"),
    ]
    rows = [tuple(r) for r in await target.fetch(f"SELECT * FROM {out} ORDER BY id")]
    assert rows == [
        (1, Decimal("10.50"), "EUR", "paid", created[1], 1050, False, Decimal("1.0000")),
        (3, Decimal("120.00"), "USD", "refunded", None, 12000, True, Decimal("0.9000")),
        (5, Decimal("5.00"), "JPY", "paid", created[5], 500, False, None),
    ]
    logs = await _logs(api, run["executionId"])
    for check in ("known_currency", "sane_amount", "this_century", "fresh", "cents_match"):
        assert any(f"check passed check={check}" in line for line in logs), check


async def _payments(conn: asyncpg.Connection) -> str:
    table = unique_name("payments")
    await conn.execute(
        f"CREATE TABLE {table} (id int, status text, amount numeric, paid_at timestamptz)"
    )
    await conn.execute(
        f"INSERT INTO {table} VALUES "
        "(1, 'paid', 10, now() - interval '72 hours'), "
        "(2, 'paid', 20, now() - interval '50 hours'), "
        "(3, 'pending', 30, NULL), "
        "(4, 'unknown', 150, now() - interval '49 hours'), "
        "(5, 'refunded', -5, now() - interval '48 hours'), "
        "(6, 'chargeback', 40, NULL), "
        "(7, NULL, 50, now() - interval '100 hours')"
    )
    return table


def _failing_checks(severity: str) -> list[dict]:
    return [
        {"name": "enough_rows", "type": "row_count", "min": 1, "severity": severity},
        {
            "name": "allowed_status",
            "type": "accepted_values",
            "column": "status",
            "values": ["paid", "refunded"],
            "severity": severity,
        },
        {
            "name": "amount_bounds",
            "type": "range",
            "column": "amount",
            "min": 0,
            "max": 100,
            "severity": severity,
        },
        {
            "name": "recent",
            "type": "freshness",
            "column": "paid_at",
            "max_age": "24h",
            "severity": severity,
        },
        {
            "name": "over_limit",
            "type": "custom_sql",
            "sql": "SELECT count(*) FROM payments WHERE amount > :limit",
            "severity": severity,
        },
    ]


def _payments_pipeline(table: str, out: str, checks: list[dict]):
    return lambda src, dst: {
        "sources": {"payments": {"connection": src, "table": table}},
        "sinks": {"wh": {"connection": dst, "table": out}},
        "quality_checks": checks,
        "orchestration": {"parameters": {"limit": 45}},
    }


FAILURES = [
    "allowed_status: 3 rows with status outside ['paid', 'refunded']",
    "amount_bounds: 2 rows with amount outside [0, 100]",
    "over_limit: 2 failing rows (counted by its SQL)",
]
STALE = re.compile(
    r"recent: newest paid_at is 48\.\dh old \([0-9T:.+-]+\), older than the maximum age 24h"
)


async def test_failing_checks_stop_the_run_and_say_what_is_wrong(
    api, source, target, source_db, target_db
):
    table = await _payments(source)
    out = f"wh.{table}"
    pipeline = await _pipeline(
        api, source_db, target_db, _payments_pipeline(table, out, _failing_checks("fail"))
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    error = run["error"]
    assert "quality checks failed" in error
    for failure in FAILURES:
        assert failure in error, (failure, error)
    assert STALE.search(error), error
    assert "enough_rows" not in error
    assert await target.fetchval("SELECT to_regclass($1)", out) is None  # nothing loaded


async def test_warnings_are_logged_and_the_rows_load(api, source, target, source_db, target_db):
    table = await _payments(source)
    out = f"wh.{table}"
    null_count = {"name": "null_count", "type": "custom_sql", "sql": "SELECT NULL"}
    checks = [*_failing_checks("warn"), {**null_count, "severity": "warn"}]
    pipeline = await _pipeline(api, source_db, target_db, _payments_pipeline(table, out, checks))
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert run["metrics"]["rowsLoaded"] == 7
    assert await target.fetchval(f"SELECT count(*) FROM {out}") == 7
    logs = "\n".join(await _logs(api, run["executionId"]))
    for failure in FAILURES:
        name, problem = failure.split(": ", 1)
        assert f"check warned check={name} problem={problem}" in logs, (failure, logs)
    assert re.search(r"check warned check=recent problem=newest paid_at is 48\.\dh old", logs)
    assert "check warned check=null_count problem=its SQL returned NULL" in logs
    assert "check passed check=enough_rows" in logs


async def test_bad_steps_and_checks_are_refused_when_saved(api, source_db, target_db):
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    cases = [
        (
            {
                "transformations": [
                    {"name": "t", "type": "cast", "input": "s", "columns": {"a": "x"}}
                ]
            },
            ["body", "definition", "transformations", 0],
            "'x' is not a SQL data type",
        ),
        (
            {
                "transformations": [
                    {"name": "t", "type": "filter", "input": "s", "condition": "1=1; DROP TABLE s"}
                ]
            },
            ["body", "definition", "transformations", 0],
            "does not parse as one SQL expression",
        ),
        (
            {"transformations": [{"name": "t", "type": "explode", "input": "s"}]},
            ["body", "definition", "transformations", 0],
            "'type' must be one of",
        ),
        (
            {"quality_checks": [{"type": "freshness", "column": "c", "max_age": "soon"}]},
            ["body", "definition", "quality_checks", 0, "max_age"],
            "not a duration such as '30m', '24h' or '7d'",
        ),
        (
            {"quality_checks": [{"type": "accepted_values", "column": "c"}]},
            ["body", "definition", "quality_checks", 0],
            "needs 'values'",
        ),
        (
            {"quality_checks": [{"type": "custom_sql", "sql": "SELECT count(*) FROM nope"}]},
            ["body", "definition"],
            "reads 'nope', which is not defined",
        ),
    ]
    for change, loc, words in cases:
        definition = {
            "sources": {"s": {"connection": src, "table": "public.whatever"}},
            "sinks": {"w": {"connection": dst, "table": "wh.t", "from": "s"}},
            **change,
        }
        response = await api.post(
            "/v1/pipelines", json={"name": unique_name("bad"), "definition": definition}
        )
        assert response.status_code == 422, (change, response.text)
        details = response.json()["detail"]
        assert any(d["loc"] == loc and words in d["msg"] for d in details), (change, details)


async def test_compiled_steps_on_postgresql(target):
    await target.execute(
        "CREATE TEMP TABLE steps_in (a int, b text, c text, j json) ON COMMIT PRESERVE ROWS; "
        "INSERT INTO steps_in VALUES (1, 'x', '2026-01-31', '{\"k\": 1}'), "
        "(NULL, NULL, NULL, NULL)"
    )
    mapping = {"s": "pg_temp.steps_in"}

    swap = rewrite_tables(transforms.compile_rename("s", {"a": "b", "b": "a"}), mapping)
    rows = await target.fetch(await _casts_in_place(target, swap) + " ORDER BY 1 NULLS LAST")
    assert list(rows[0].keys()) == ["b", "a", "c", "j"]  # in place: a (now b) first, as it was
    assert [tuple(r) for r in rows] == [(1, "x", "2026-01-31", '{"k": 1}'), (None,) * 4]

    cast = transforms.compile_cast("s", {"c": "date", "a": "bigint", "j": "jsonb"})
    query = await _casts_in_place(target, rewrite_tables(cast, mapping))
    await target.execute(f"CREATE TEMP TABLE steps_out AS {query}")
    assert await _columns(target, "pg_temp.steps_out") == [
        ("a", "bigint"),
        ("b", "text"),
        ("c", "date"),
        ("j", "jsonb"),
    ]
    assert await target.fetchval("SELECT count(*) FROM steps_out") == 2

    # Any type can be renamed, json (which has no '=') included, and keeps its place.
    rename_json = rewrite_tables(transforms.compile_rename("s", {"j": "payload"}), mapping)
    rows = await target.fetch(await _casts_in_place(target, rename_json) + " ORDER BY 1")
    assert list(rows[0].keys()) == ["a", "b", "c", "payload"]
    assert rows[0]["payload"] == '{"k": 1}'
