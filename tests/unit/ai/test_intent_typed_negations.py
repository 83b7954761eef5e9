"""Negations typed without an apostrophe ("isnt", "arent", "dont"), with it in the wrong place
("is'nt"), or said as "not equal to" / "doesn't equal": the same conditions as when spelled
right."""

from __future__ import annotations

import pytest

from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

CUSTOMERS = table("customers", [Column("id", "integer"), Column("email", "text")])
ORDERS = table(
    "orders",
    [
        Column("id", "integer"),
        Column("customer_id", "integer"),
        Column("status", "text", values=["cancelled", "pending", "shipped"]),
        Column("coupon_code", "text"),
        Column("total", "numeric(10,2)"),
    ],
    [["customer_id", "customers", "id"]],
)
TABLES = [ORDERS, CUSTOMERS]


@pytest.mark.parametrize(
    ("intent", "where"),
    [
        ("orders where status isnt cancelled", "orders.status <> 'cancelled'"),
        (
            "orders whose status isnt cancelled or pending",
            "orders.status NOT IN ('cancelled', 'pending')",
        ),
        ("orders that arent shipped", "orders.status <> 'shipped'"),
        ("orders that havent been shipped", "orders.status <> 'shipped'"),
        ("orders that werent cancelled", "orders.status <> 'cancelled'"),
        ("orders where status is'nt cancelled", "orders.status <> 'cancelled'"),
        ("orders where status is not equal to cancelled", "orders.status <> 'cancelled'"),
        ("orders where status isnt equal to pending", "orders.status <> 'pending'"),
        ("orders whose status doesnt equal cancelled", "orders.status <> 'cancelled'"),
        (
            "orders where the status does not equal cancelled or pending",
            "orders.status NOT IN ('cancelled', 'pending')",
        ),
        ("orders where status != cancelled", "orders.status <> 'cancelled'"),
        ("orders where status ≠ cancelled", "orders.status <> 'cancelled'"),
        ("orders where status not equals pending", "orders.status <> 'pending'"),
        ("orders where total is not equal to 0", "orders.total <> 0"),
        ("orders that dont have a customer", "orders.customer_id IS NULL"),
        ("orders that doesnt have a coupon code", "orders.coupon_code IS NULL"),
    ],
)
def test_a_negation_typed_loosely_is_still_a_negation(intent: str, where: str):
    assert understood(intent, TABLES).where == [where]


def test_a_word_the_schema_uses_is_not_rewritten():
    flags = table(
        "flags",
        [Column("id", "integer"), Column("kind", "text", values=["dont", "do"])],
    )
    assert understood("flags whose kind is dont", [flags]).where == ["flags.kind = 'dont'"]
