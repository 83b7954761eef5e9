"""connectors.postgres.sql: identifier and literal quoting, relation names."""

from __future__ import annotations

import pytest

from connectors.postgres.sql import Relation, quote_ident, quote_literal


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("orders", '"orders"'),
        ("Mixed Case", '"Mixed Case"'),
        ('we"ird', '"we""ird"'),
        ('"', '""""'),
        ("select", '"select"'),
        ("", '""'),
    ],
    ids=["plain", "spaces-case", "embedded-quote", "only-quote", "keyword", "empty"],
)
def test_quote_ident(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("abc", "'abc'"),
        ("o'brien", "'o''brien'"),
        ("'; DROP TABLE t; --", "'''; DROP TABLE t; --'"),
    ],
    ids=["plain", "quote", "injection"],
)
def test_quote_literal(value: str, quoted: str) -> None:
    assert quote_literal(value) == quoted


@pytest.mark.parametrize(
    ("text", "schema", "name"),
    [
        ("orders", "public", "orders"),
        ("sales.orders", "sales", "orders"),
        ('"Sales"."Order Items"', "Sales", "Order Items"),
        ('"a.b".c', "a.b", "c"),
        ('s."x""y"', "s", 'x"y'),
        (" sales . orders ", "sales", "orders"),
    ],
    ids=["bare", "qualified", "quoted", "dot-in-quotes", "escaped-quote", "spaces"],
)
def test_relation_parse(text: str, schema: str, name: str) -> None:
    assert Relation.parse(text) == Relation(schema, name)


def test_relation_default_schema_and_rendering() -> None:
    relation = Relation.parse("t", default_schema="stage")
    assert relation == Relation("stage", "t")
    assert Relation("s", 'we"ird').sql == '"s"."we""ird"'
    assert str(Relation("s", "t")) == "s.t"


@pytest.mark.parametrize(
    "text",
    ["a.b.c", "", ".t", "s.", '"open', "s. ", '"a"."b"."c"'],
    ids=[
        "three-parts",
        "empty",
        "no-schema",
        "no-name",
        "unclosed-quote",
        "blank-name",
        "three-quoted",
    ],
)
def test_relation_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a table name"):
        Relation.parse(text)
