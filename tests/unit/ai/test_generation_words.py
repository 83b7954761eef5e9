"""ai.generation.words: matching an intent's words to table and column names."""

from __future__ import annotations

import pytest

from ai.generation import words
from workflows.generation_payloads import Column

COLUMNS = [
    Column("customer_id", "bigint"),
    Column("amount", "numeric(12,2)"),
    Column("created_at", "timestamptz"),
    Column("category", "varchar(20)"),
]


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("categories", "category"),
        ("Boxes", "box"),
        ("classes", "class"),
        ("churches", "church"),
        ("orders", "order"),
        ("address", "address"),
        ("bus", "bus"),
        ("ties", "tie"),
    ],
    ids=["ies", "xes-lowercased", "sses", "ches", "s", "ss-kept", "short-kept", "short-ies"],
)
def test_singular(word: str, one: str) -> None:
    assert words.singular(word) == one


def test_forms_cover_plural_and_spaces() -> None:
    assert {"order_item", "order_items", "order item", "order items"} <= words.forms("Order_Items")
    assert {"category", "categories"} <= words.forms("category")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("list all orders by customer", "orders", 9),
        ("list all orders by customer", "order", 9),
        ("sum of order items per day", "order_items", 7),
        ("show reorders", "order", None),
        ("show orders_archive", "order", None),
        ("category and categories", "categories", 0),
        ("nothing here", "orders", None),
    ],
    ids=[
        "plural",
        "singular-name",
        "underscore-as-space",
        "inside-word",
        "prefix-of-word",
        "first",
        "absent",
    ],
)
def test_position(text: str, name: str, expected: int | None) -> None:
    assert words.position(text, name) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("amount", "amount"),
        ("Amounts", "amount"),
        ("'amount'", "amount"),
        ("created at", "created_at"),
        ("categories", "category"),
        ("cust", "customer_id"),
        ("cu", None),
        ("price", None),
    ],
    ids=[
        "exact",
        "plural-case",
        "quoted",
        "spaces",
        "ies-plural",
        "prefix",
        "prefix-too-short",
        "absent",
    ],
)
def test_find_column(word: str, expected: str | None) -> None:
    found = words.find_column(word, COLUMNS)
    assert (found.name if found else None) == expected


def test_find_column_prefix_must_be_unambiguous() -> None:
    columns = [Column("order_id", "int"), Column("order_date", "date")]
    assert words.find_column("order", columns) is None


@pytest.mark.parametrize(
    ("type_", "numeric", "temporal", "text", "boolean"),
    [
        ("bigint", True, False, False, False),
        ("numeric(12,2)", True, False, False, False),
        ("DOUBLE PRECISION", True, False, False, False),
        ("tinyint(1)", False, False, False, True),
        ("boolean", False, False, False, True),
        ("timestamptz", False, True, False, False),
        ("date", False, True, False, False),
        ("varchar(20)", False, False, True, False),
        ("enum('a','b')", False, False, True, False),
        ("bytea", False, False, False, False),
    ],
    ids=[
        "bigint",
        "numeric",
        "double",
        "mysql-bool",
        "bool",
        "timestamptz",
        "date",
        "varchar",
        "enum",
        "bytea",
    ],
)
def test_type_classes(type_: str, numeric: bool, temporal: bool, text: bool, boolean: bool) -> None:
    c = Column("x", type_)
    assert (words.is_numeric(c), words.is_temporal(c), words.is_text(c), words.is_boolean(c)) == (
        numeric,
        temporal,
        text,
        boolean,
    )


@pytest.mark.parametrize(
    ("name", "style", "expected"),
    [
        ("order_id", "camelCase", "orderId"),
        ("order_id", "PascalCase", "OrderId"),
        ("orderId", "snake_case", "order_id"),
        ("OrderLineItem", "snake_case", "order_line_item"),
        ("order_id", None, "order_id"),
        ("order_id", "kebab", "order_id"),
    ],
    ids=["camel", "pascal", "snake-from-camel", "snake-from-pascal", "none", "unknown-style"],
)
def test_convention(name: str, style: str | None, expected: str) -> None:
    assert words.convention(name, style) == expected


@pytest.mark.parametrize(
    ("text", "taken", "expected"),
    [
        ("Monthly Sales!", set(), "monthly_sales"),
        ("2024 report", set(), "t_2024_report"),
        ("order", set(), "order_data"),
        ("select", set(), "select_data"),
        ("!!!", set(), "data"),
        ("sales", {"sales"}, "sales_2"),
        ("sales", {"sales", "sales_2"}, "sales_3"),
        ("x" * 50, set(), "x" * 32),
    ],
    ids=[
        "spaces-punctuation",
        "leading-digit",
        "keyword",
        "keyword-2",
        "nothing-left",
        "taken",
        "taken-twice",
        "truncated",
    ],
)
def test_safe_name(text: str, taken: set[str], expected: str) -> None:
    assert words.safe_name(text, taken) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("amount", "amount"),
        ("order", '"order"'),
        ("Amount", '"Amount"'),
        ("two words", '"two words"'),
    ],
    ids=["plain", "keyword", "upper", "space"],
)
def test_ident_quotes_only_when_needed(name: str, expected: str) -> None:
    assert words.ident(name, "postgres") == expected
