"""A column's value said to be there in positive words: "sales that do have a customer", "orders
that have a coupon", "having a coupon code", "with a delivery date set": IS NOT NULL."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

CUSTOMERS = table(
    "customers", [Column("id", "integer"), Column("email", "text"), Column("name", "text")]
)
ORDERS = table(
    "orders",
    [
        Column("id", "integer"),
        Column("customer_id", "integer"),
        Column("coupon_code", "text"),
        Column("total", "numeric(10,2)"),
    ],
    [["customer_id", "customers", "id"]],
)
SHIPMENTS = table("shipments", [Column("id", "integer"), Column("delivery_date", "date")])
TABLES = [ORDERS, CUSTOMERS, SHIPMENTS]


@pytest.mark.parametrize(
    ("intent", "where"),
    [
        ("orders that do have a customer", "orders.customer_id IS NOT NULL"),
        ("orders which does have a customer", "orders.customer_id IS NOT NULL"),
        ("orders that have a coupon", "orders.coupon_code IS NOT NULL"),
        ("orders which do have a coupon code", "orders.coupon_code IS NOT NULL"),
        ("orders having a coupon", "orders.coupon_code IS NOT NULL"),
        ("orders that have a coupon applied", "orders.coupon_code IS NOT NULL"),
        ("customers who have an email address", "customers.email IS NOT NULL"),
        ("shipments that do have a delivery date", "shipments.delivery_date IS NOT NULL"),
        ("shipments with a delivery date set", "shipments.delivery_date IS NOT NULL"),
        ("customers where the email is present", "customers.email IS NOT NULL"),
        ("customers whose email is filled in", "customers.email IS NOT NULL"),
        ("orders whose coupon code is populated", "orders.coupon_code IS NOT NULL"),
    ],
)
def test_a_value_said_to_be_there_is_not_null(intent: str, where: str):
    assert understood(intent, TABLES).where == [where]


@pytest.mark.parametrize(
    "intent",
    ["orders without any coupon", "orders that do not have a coupon", "orders with no coupon"],
)
def test_a_value_said_missing_by_the_start_of_its_name_is_null(intent: str):
    assert understood(intent, TABLES).where == ["orders.coupon_code IS NULL"]


def test_a_word_two_columns_start_with_is_left_open():
    codes = table(
        "orders",
        [Column("id", "integer"), Column("coupon_code", "text"), Column("coupon_note", "text")],
    )
    query = understand("orders that have a coupon", [codes])
    assert query.unresolved and not query.where
