"""How the connection choice ranks a tenant's connections against a description's words."""

from __future__ import annotations

import pytest

from connectors.base import ColumnInfo, TableInfo
from services.connection_choice import _match, words
from store.models import Connection


def _connection(name: str) -> Connection:
    return Connection(id=name, tenant_id="t", name=name, type="postgresql", host="h", port=5432,
                      database="d")  # fmt: skip


def _tables(*names: str, columns: tuple[str, ...] = ()) -> list[TableInfo]:
    return [TableInfo("public", n, [ColumnInfo(c, "text") for c in columns]) for n in names]


@pytest.mark.parametrize(
    "description",
    [
        "Load shipped orders from PostgreSQL to PostgreSQL daily",
        "copy the orders table into the warehouse",
        "orders placed in 2024 with their status",
    ],
)
def test_the_connection_holding_the_table_outranks_one_with_many_lookalikes(description):
    wanted = words(description)
    shop = _match(_connection("db1"), _tables("orders", "customers"), wanted)
    lookalikes = _match(
        _connection("db2"),
        _tables(*(f"{prefix}_orders" for prefix in ("incr", "cancel", "merge", "old", "tmp"))),
        wanted,
    )
    assert shop.score > lookalikes.score, (shop, lookalikes)


def test_a_word_counts_once_for_its_best_place():
    wanted = words("orders with their status")
    one = _match(_connection("a"), _tables("orders", columns=("status",)), wanted)
    many = _match(_connection("b"), _tables("x", "y", "z", columns=("status", "orders")), wanted)
    assert one.score == 4 + 1 and many.score == 1 + 1
    assert one.matched == ("orders", "orders.status")
