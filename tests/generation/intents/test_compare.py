"""The suite's own yardstick: how a target table is compared with the reference (no services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.generation.intents.runner import Table, compare, normalized

UTC, CET = dt.UTC, dt.timezone(dt.timedelta(hours=1))


def table(columns: str, *rows: tuple) -> Table:
    return Table(columns.split(), [normalized(r) for r in rows])


REFERENCE = table("status revenue", ("paid", Decimal("10.00")), ("shipped", Decimal("3")))

SAME = [
    (
        "same columns, rows in another order",
        table("status revenue", ("shipped", 3), ("paid", 10.0)),
    ),
    ("names differ in case only", table("STATUS Revenue", ("paid", 10.0), ("shipped", 3.0))),
    ("an unnamed column under another name", table("status total", ("paid", 10.0), ("shipped", 3))),
    (
        "extra columns, columns in another order",
        table("n revenue status", (1, 10.0, "paid"), (2, 3, "shipped")),
    ),
    ("numbers equal to 2 decimals", table("status revenue", ("paid", 10.004), ("shipped", 3.001))),
]

DIFFERENT = [
    ("a row missing", table("status revenue", ("paid", 10.0)), "missing e.g."),
    (
        "a row twice",
        table("status revenue", ("paid", 10.0), ("paid", 10.0), ("shipped", 3)),
        "unexpected e.g.",
    ),
    ("a wrong value", table("status revenue", ("paid", 11.0), ("shipped", 3)), "missing e.g."),
    ("a column missing", table("status", ("paid",), ("shipped",)), "lacks some of ['revenue']"),
    (
        "a named column holding other values",
        table("status revenue other", ("x", 10.0, "paid"), ("y", 3, "shipped")),
        "missing e.g.",
    ),
]


@pytest.mark.parametrize(("found"), [f for _, f in SAME], ids=[n for n, _ in SAME])
def test_the_same_rows_compare_equal(found: Table):
    assert compare(REFERENCE, found) is None


@pytest.mark.parametrize(
    ("found", "says"), [(f, s) for _, f, s in DIFFERENT], ids=[n for n, _, _ in DIFFERENT]
)
def test_different_rows_say_what_differs(found: Table, says: str):
    difference = compare(REFERENCE, found)
    assert difference is not None and says in difference


def test_only_columns_rejects_an_extra_column():
    found = table("status revenue n", ("paid", 10.0, 1), ("shipped", 3, 2))
    assert compare(REFERENCE, found) is None
    assert "asked for only" in str(compare(REFERENCE, found, only_columns=True))


def test_timestamps_compare_in_utc_and_naive_ones_are_utc():
    at = dt.datetime(2024, 3, 1, 12, tzinfo=UTC)
    reference = table("placed_at", (at,))
    assert compare(reference, table("placed_at", (at.astimezone(CET),))) is None
    assert compare(reference, table("placed_at", (at.replace(tzinfo=None),))) is None
    assert compare(reference, table("placed_at", (at.date(),))) is not None


def test_booleans_and_nulls():
    reference = table("fragile note", (True, None), (False, "x"))
    assert compare(reference, table("fragile note", (1, None), (0, "x"))) is None
    assert compare(reference, table("fragile note", (True, ""), (False, "x"))) is not None
