"""The built-in understanding of terse wording on a shop schema (customers, products, orders,
order items, sales): a bare count listed with other aggregates, a sum said after its formula, two
group keys joined as a combination, a left join said as keeping the rows without a match, and a
trailing "for each" after a listed projection."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood

CUSTOMERS = table(
    "customers",
    [("id", "integer"), ("name", "text"), ("country", "text"), ("status", "text")],
)
PRODUCTS = table("products", [("id", "integer"), ("name", "text"), ("category", "text")])
ORDERS = table(
    "orders",
    [("id", "integer"), ("customer_id", "integer"), ("status", "text"), ("total", "numeric")],
    [["customer_id", "customers", "id"]],
)
ITEMS = table(
    "order_items",
    [
        ("id", "integer"),
        ("order_id", "integer", False),
        ("product_id", "integer", False),
        ("quantity", "integer"),
        ("unit_price", "numeric"),
    ],
    [["order_id", "orders", "id"], ["product_id", "products", "id"]],
)
SALES = table(
    "sales",
    [("id", "integer"), ("customer_id", "integer"), ("amount", "numeric")],
    [["customer_id", "customers", "id"]],
)
SHOP = [CUSTOMERS, PRODUCTS, ORDERS, ITEMS, SALES]


def _sql(intent: str) -> str:
    return select_sql(understood(intent, SHOP))


@pytest.mark.parametrize(
    "intent",
    [
        "orders by status, count + avg total",
        "orders per status: count & avg total",
        "per status: count, avg(total) of orders",
        "orders by status, count and avg total",
    ],
)
def test_a_bare_count_listed_with_other_aggregates_counts_the_rows(intent: str) -> None:
    sql = _sql(intent)
    assert "count(*) AS order_count" in sql and "avg(orders.total) AS avg_total" in sql
    assert sql.endswith("GROUP BY 1")


@pytest.mark.parametrize(
    "intent",
    [
        "revenue by category, quantity x unit price summed",
        "revenue per category = quantity * unit price, added up",
        "revenue per product category, quantity times unit price totalled",
    ],
)
def test_a_sum_said_after_its_formula(intent: str) -> None:
    sql = _sql(intent)
    assert "products.category" in sql
    assert "sum(order_items.quantity * order_items.unit_price) AS revenue" in sql


@pytest.mark.parametrize(
    "intent",
    [
        "how many customers are there for each country / status combination?",
        "count customers per country-status pair",
        "customers per country/status combo",
    ],
)
def test_two_keys_joined_as_a_combination_are_both_grouped(intent: str) -> None:
    sql = _sql(intent)
    assert "count(*) AS customer_count" in sql and sql.endswith("GROUP BY 1, 2")
    assert "customers.country, customers.status" in sql


def test_a_dash_without_a_combination_word_is_not_a_second_key() -> None:
    query = understand("customers by country - status", SHOP)
    assert query.unresolved or query.ambiguous


@pytest.mark.parametrize(
    "intent",
    [
        "every sale with its customer name if it has a customer, keep sales without one too",
        "sales with the customer name, and also the ones without a customer",
        "sales with customer name, including sales without one",
    ],
)
def test_keeping_the_rows_without_one_is_a_left_join(intent: str) -> None:
    assert "FROM sales LEFT JOIN customers" in _sql(intent)


@pytest.mark.parametrize(
    "intent",
    [
        "order items: order id, order status and product name for each",
        "order items: order id, order status and product name, each",
        "order items -> order id, order status, product name for every one",
    ],
)
def test_a_trailing_for_each_after_a_listed_projection(intent: str) -> None:
    sql = _sql(intent)
    assert sql.startswith("SELECT order_items.order_id, orders.status, products.name FROM")


@pytest.mark.parametrize(
    "intent",
    ["order items with product name for each", "order items plus the product name for each one"],
)
def test_a_trailing_for_each_after_a_joined_column(intent: str) -> None:
    sql = _sql(intent)
    assert sql.startswith("SELECT order_items.id,") and "products.name FROM order_items" in sql
