"""The offline planner on 33 intents over real PostgreSQL and MariaDB schemas, loading into
PostgreSQL, a DuckDB file and Parquet files: each generated pipeline runs through the worker
and loads exactly the rows the intent asks for."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.generation.conftest import Shop
from tests.generation.helpers import generate, run, source_rows, target_rows


@dataclass
class Case:
    id: str
    intent: str
    columns: str  # read from the target
    expected: str  # the same rows, computed in the source
    source: str = "pg"
    source_table: str | None = None
    target: str = "target"  # "duck": a DuckDB file, "lake": Parquet files


CASES = [
    Case(
        "copy",
        "Copy all customers into the warehouse",
        "id, name, country",
        "SELECT id, name, country FROM customers",
    ),
    Case(
        "filter_status_amount",
        "Load paid orders with amount greater than 100",
        "id, amount",
        "SELECT id, amount FROM orders WHERE status = 'paid' AND amount > 100",
    ),
    Case(
        "filter_at_least",
        "Load orders with amount at least 250",
        "id",
        "SELECT id FROM orders WHERE amount >= 250",
    ),
    Case(
        "filter_boolean",
        "Load only active customers",
        "id",
        "SELECT id FROM customers WHERE active",
    ),
    Case(
        "filter_not_boolean",
        "Load inactive customers",
        "id",
        "SELECT id FROM customers WHERE NOT active",
    ),
    Case(
        "filter_in_country",
        "Load customers in Germany",
        "id, country",
        "SELECT id, country FROM customers WHERE country = 'Germany'",
    ),
    Case(
        "filter_since",
        "Load orders created since 2024-03-20",
        "id",
        "SELECT id FROM orders WHERE created_at >= DATE '2024-03-20'",
    ),
    Case(
        "filter_before",
        "Load orders before 2024-03-10",
        "id",
        "SELECT id FROM orders WHERE created_at < DATE '2024-03-10'",
    ),
    Case(
        "filter_not_null",
        "Load customers, skipping rows with a missing email",
        "id",
        "SELECT id FROM customers WHERE email IS NOT NULL",
    ),
    Case(
        "join",
        "Join orders with customers and load them",
        "id, name",
        "SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.customer_id = c.id",
    ),
    Case(
        "join_filtered",
        "Load shipped orders of customers in France, joined with customers",
        "id, country",
        "SELECT o.id, c.country FROM orders o JOIN customers c ON o.customer_id = c.id "
        "WHERE o.status = 'shipped' AND c.country = 'France'",
    ),
    Case(
        "sum_per_customer",
        "Total amount per customer of orders",
        "customer_id, total_amount",
        "SELECT customer_id, sum(amount) FROM orders GROUP BY 1",
    ),
    Case(
        "daily_revenue",
        "Daily revenue per status from orders",
        "day, status, revenue",
        "SELECT (created_at AT TIME ZONE 'UTC')::date, status, sum(amount) FROM orders "
        "GROUP BY 1, 2",
    ),
    Case(
        "count_per_status",
        "Number of orders per status",
        "status, order_count",
        "SELECT status, count(*) FROM orders GROUP BY 1",
    ),
    Case(
        "avg_per_status",
        "Average amount per status of orders",
        "status, avg_amount",
        "SELECT status, avg(amount) FROM orders GROUP BY 1",
    ),
    Case(
        "top_n",
        "Total amount per customer of orders, top 5 by amount",
        "customer_id, total_amount",
        "SELECT customer_id, sum(amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 5",
    ),
    Case(
        "dedupe_latest",
        "One row per user_id from events, the latest version",
        "user_id, id",
        "SELECT DISTINCT ON (user_id) user_id, id FROM events ORDER BY user_id, updated_at DESC",
    ),
    Case(
        "projection",
        "Load only the id, name and country columns of customers",
        "id, name, country",
        "SELECT id, name, country FROM customers",
    ),
    Case(
        "mysql_copy",
        "Copy products into the warehouse",
        "id, name, price",
        "SELECT id, name, price FROM products",
        "mysql",
    ),
    Case(
        "mysql_category",
        "Load products with category toys",
        "id",
        "SELECT id FROM products WHERE category = 'toys'",
        "mysql",
    ),
    Case(
        "mysql_sum",
        "Total amount per product of sales",
        "product_id, total_amount",
        "SELECT product_id, sum(amount) FROM sales GROUP BY 1",
        "mysql",
    ),
    Case(
        "mysql_join_revenue",
        "Revenue per category of sales joined with products",
        "category, revenue",
        "SELECT p.category, sum(s.amount) FROM sales s LEFT JOIN products p "
        "ON s.product_id = p.id GROUP BY 1",
        "mysql",
    ),
    Case(
        "mysql_filter_since",
        "Load sales with qty greater than 3 since 2024-04-10",
        "id",
        "SELECT id FROM sales WHERE qty > 3 AND sold_at >= '2024-04-10'",
        "mysql",
    ),
    Case(
        "mysql_incremental",
        "Load sales incrementally",
        "id, amount",
        "SELECT id, amount FROM sales",
        "mysql",
    ),
    # DuckDB and Parquet (files) targets: staged and transformed in DuckDB.
    Case(
        "duck_filter",
        "Load paid orders with amount greater than 100",
        "id, amount",
        "SELECT id, amount FROM orders WHERE status = 'paid' AND amount > 100",
        target="duck",
    ),
    Case(
        "duck_sum_per_customer",
        "Total amount per customer of orders",
        "customer_id, total_amount",
        "SELECT customer_id, sum(amount) FROM orders GROUP BY 1",
        target="duck",
    ),
    Case(
        "duck_join_filtered",
        "Load shipped orders of customers in France, joined with customers",
        "id, country",
        "SELECT o.id, c.country FROM orders o JOIN customers c ON o.customer_id = c.id "
        "WHERE o.status = 'shipped' AND c.country = 'France'",
        target="duck",
    ),
    Case(
        "duck_dedupe_latest",
        "One row per user_id from events, the latest version",
        "user_id, id",
        "SELECT DISTINCT ON (user_id) user_id, id FROM events ORDER BY user_id, updated_at DESC",
        target="duck",
    ),
    Case(
        "duck_mysql_incremental",
        "Load sales incrementally",
        "id, amount",
        "SELECT id, amount FROM sales",
        "mysql",
        target="duck",
    ),
    Case(
        "lake_copy",
        "Copy all customers into the lake",
        "id, name, country, active",
        "SELECT id, name, country, active FROM customers",
        target="lake",
    ),
    Case(
        "lake_count_per_status",
        "Number of orders per status",
        "status, order_count",
        "SELECT status, count(*) FROM orders GROUP BY 1",
        target="lake",
    ),
    Case(
        "lake_mysql_revenue",
        "Revenue per category of sales joined with products",
        "category, revenue",
        "SELECT p.category, sum(s.amount) FROM sales s LEFT JOIN products p "
        "ON s.product_id = p.id GROUP BY 1",
        "mysql",
        target="lake",
    ),
    Case(
        "lake_incremental_since",
        "Load orders created since 2024-03-20 incrementally",
        "id",
        "SELECT id FROM orders WHERE created_at >= DATE '2024-03-20'",
        target="lake",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_generated_pipeline_loads_the_expected_rows(gen_api, shop: Shop, case: Case):
    answer = await generate(
        gen_api,
        shop,
        case.intent,
        case.id,
        source=case.source,
        source_table=case.source_table,
        target=case.target,
    )
    assert answer["provider"] == "offline" and answer["status"] == "generated"
    await run(gen_api, answer["id"])
    expected = await source_rows(shop, case.expected, source=case.source)
    assert expected, "the case must expect some rows"
    assert await target_rows(shop, case.id, case.columns, case.target) == expected


async def test_incremental_merge_picks_up_new_rows(gen_api, shop: Shop):
    import asyncpg

    from tests.services import pg_dsn

    answer = await generate(gen_api, shop, "Merge orders on id incrementally", "incr_orders")
    definition = answer["dag_definition"]
    assert definition["sources"]["orders"]["incremental"] is True
    assert definition["sources"]["orders"]["cursor"] == "updated_at"
    assert definition["sinks"]["target"]["mode"] == "merge"
    assert ":last_updated_at" in answer["artifacts"]["transform_sql"]
    await run(gen_api, answer["id"])
    conn = await asyncpg.connect(pg_dsn(shop.pg_db))
    try:
        await conn.execute(
            "INSERT INTO orders SELECT 1000 + g, 1, 10, 'paid', now(), now() "
            "FROM generate_series(1, 3) g"
        )
        await conn.execute("UPDATE orders SET amount = 1, updated_at = now() WHERE id = 1")
        second = await run(gen_api, answer["id"])
        assert second["metrics"]["rowsLoaded"] == 4  # only the changed rows were read
        expected = await source_rows(shop, "SELECT id, amount FROM orders")
        assert await target_rows(shop, "incr_orders", "id, amount") == expected
    finally:
        await conn.execute("DELETE FROM orders WHERE id > 1000")
        await conn.execute(
            "UPDATE orders SET amount = round((id * 7.3) % 500, 2), "
            "updated_at = timestamptz '2024-03-01 00:00+00' + id * interval '5 hours' "
            "WHERE id = 1"
        )
        await conn.close()
