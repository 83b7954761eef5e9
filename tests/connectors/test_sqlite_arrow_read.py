"""SQLite read through connectorx gives exactly the types and values of the row-by-row
conversion, and leaves to it every read where a stored value connectorx would read otherwise:
from the start, or (the consumer rolling back) from the batch where the value is found."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from connectors.base import ConnectionSettings, ReadAgain, TerminalError, read_again
from connectors.sqlite import arrow_read, client
from connectors.sqlite.config import SQLiteConfig

MIXED = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT4, big BIGINT, amount REAL, "
    "price DOUBLE PRECISION, name TEXT, code VARCHAR(8), ok BOOLEAN, flag BOOL, day DATE, "
    "at TIMESTAMP, seen DATETIME, data BLOB)"
)
ROWS = [
    (1, 7, 2**62, 1.25, -0.5, "é ü", "A1", 1, 0, "2026-01-31", "2026-01-02 03:04:05",
     "2026-01-02 03:04:05.500", b"\x00\x01"),
    (2, -3, -(2**63), 1e300, 2.0, 12, "", 0, 2, "2024-02-29", "2026-12-31 23:59:59.123456",
     "1970-01-01 00:00:00.100000", b""),
    (3, None, None, None, None, None, None, None, None, None, None, None, None),
]  # fmt: skip


def _file(tmp_path: Path, create: str, rows: list[tuple], name: str = "t.sqlite") -> SQLiteConfig:
    path = tmp_path / name
    conn = sqlite3.connect(path)
    conn.execute(create)
    marks = ", ".join("?" * len(rows[0])) if rows else ""
    if rows:
        conn.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    conn.commit()
    conn.close()
    return SQLiteConfig.from_settings(ConnectionSettings(None, None, str(path)))


def _both(config: SQLiteConfig, query: str, batch_rows: int = 1000) -> tuple[pa.Table, pa.Table]:
    conn = config.open()
    try:
        schema = client.describe_sync(conn, query)
    finally:
        conn.close()
    fast = read_again(
        lambda batches: pa.Table.from_batches(list(batches), schema),
        client.read(config, query, schema, batch_rows),
    )
    rows = client.read_rows(config, query, schema, batch_rows)
    return fast, pa.Table.from_batches(list(rows), schema)


def _fast_path_taken(config: SQLiteConfig, query: str) -> bool:
    conn = config.open()
    try:
        schema = client.describe_sync(conn, query)
    finally:
        conn.close()
    batches = arrow_read.batches(
        config, query, schema, 1000, lambda: client.read_rows(config, query, schema, 1000)
    )
    if batches is None:
        return False
    try:
        list(batches)
    except ReadAgain:
        return False
    return True


def _read_identically_through_connectorx(config: SQLiteConfig, query: str) -> pa.Table:
    """The query's rows through connectorx (asserted taken), asserted equal to the row path's
    in types and values."""
    assert _fast_path_taken(config, query)
    fast, rows = _both(config, query)
    assert fast.schema.equals(rows.schema)
    assert fast.to_pylist() == rows.to_pylist()
    return fast


def test_a_mixed_table_reads_identically_through_connectorx(tmp_path):
    fast = _read_identically_through_connectorx(_file(tmp_path, MIXED, ROWS), "SELECT * FROM t")
    assert fast.column("name").to_pylist() == ["é ü", "12", None]


def test_a_query_with_expressions_and_no_rows_reads_identically(tmp_path):
    config = _file(tmp_path, MIXED, ROWS)
    for query in (
        "SELECT id, id * 2 AS twice, upper(name) AS loud, amount / 2 AS half FROM t",
        "SELECT count(*) AS n, max(day) AS last_day FROM t",
        "SELECT * FROM t WHERE id < 0",
    ):
        fast, rows = _both(config, query)
        assert fast.schema.equals(rows.schema), query
        assert fast.to_pylist() == rows.to_pylist(), query


def _outcome(config: SQLiteConfig, query: str, read: Any, batch_rows: int = 1000) -> Any:
    """The rows read, or the error refusing them (its type and message)."""
    conn = config.open()
    try:
        schema = client.describe_sync(conn, query)
    finally:
        conn.close()
    try:
        return read_again(
            lambda batches: pa.Table.from_batches(list(batches), schema).to_pylist(),
            read(config, query, schema, batch_rows),
        )
    except TerminalError as refused:
        return (refused.error_type, str(refused))


@pytest.mark.parametrize(
    ("column", "value", "checked"),
    [
        ("n", "twelve", True),  # text in an INTEGER column: refused, naming the column
        ("amount", "1.5x", True),
        ("ok", "yes", True),  # booleans as words
        ("flag", 0.5, True),
        ("day", "2026-1-2", True),  # a date connectorx would parse loosely
        ("day", "2026-01-02 10:00", True),
        ("day", "0000-01-01", True),
        ("at", "2026-01-02 03:04:05+02:00", True),  # offsets, Unix seconds, minutes only
        ("at", 1_700_000_000, True),
        ("at", 2**62, True),  # Unix seconds beyond any timestamp: refused, naming the column
        ("seen", 1e300, True),
        ("at", "2026-01-02 03:04", True),
        ("at", "2026-12-31 23:59:60", True),  # a leap second
        ("seen", "2026-01-02 03:04:05.1234567", True),
        ("seen", "2026-01-02 03:04:05.1", True),
        ("seen", "2026-01-02T03:04:05", True),
        ("day", "-001-01-01", True),
        ("at", "0000-12-31 23:59:59.999999", True),  # year 0, with each form of seconds
        ("seen", "0000-12-31 23:59:59", True),
        ("name", b"ab", True),  # a BLOB in a TEXT column: decoded
        ("data", "text in a blob", True),
        ("day", "+2026-01-02", True),  # a sign, a space, a field of one digit
        ("at", " 2026-01-02 03:04:05", True),
        ("at", "2026-01-02  3:04:05", True),
        ("seen", "2026-01-02 03:04:5.123", True),
        ("data", 5, True),
        ("amount", b"\x01", True),
        ("day", "2026-02-30", False),  # no such day: connectorx stops, the row path names it
        ("day", "2026-13-01", False),
        ("seen", "2026-01-02 24:00:00", False),
    ],
)
def test_values_connectorx_would_read_otherwise_read_as_the_row_path_does(
    tmp_path, column, value, checked
):
    config = _file(tmp_path, MIXED, ROWS)
    conn = sqlite3.connect(config.path)
    conn.execute(f"UPDATE t SET {column} = ? WHERE id = 2", (value,))
    conn.commit()
    conn.close()
    query = "SELECT * FROM t"
    if checked:  # the check hands the read to the row path
        assert not _fast_path_taken(config, query)
    through_read = _outcome(config, query, client.read)
    assert through_read == _outcome(config, query, client.read_rows)
    if isinstance(through_read, tuple):
        assert through_read[0] == "DATA_ERROR" and column in through_read[1]


def test_a_first_row_of_nulls_and_booleans_of_any_integer_read_through_connectorx(tmp_path):
    """Each column's type comes from the typing row, not from the query's first row (a
    column of no declared type and a NULL first value included); a boolean stored as any
    integer is true unless 0, as the row path says."""
    create = "CREATE TABLE t (id INTEGER, ok BOOLEAN, at TIMESTAMP, day DATE)"
    rows = [(1, None, None, None), (2, 2, "2026-01-02 03:04:05", "2026-01-02"), (3, -1, None, None)]
    query = "SELECT id, ok, at, day, date(day) AS plain FROM t"
    fast = _read_identically_through_connectorx(_file(tmp_path, create, rows), query)
    assert fast.column("ok").to_pylist() == [None, True, True]


def test_other_declared_types_keep_the_row_path(tmp_path):
    create = "CREATE TABLE t (id INTEGER, price DECIMAL(10,2), at_time TIME, raw)"
    config = _file(tmp_path, create, [(1, 1.5, "10:11:12", 3), (2, None, None, "x")])
    assert not _fast_path_taken(config, "SELECT * FROM t")
    fast, rows = _both(config, "SELECT * FROM t")
    assert fast.to_pylist() == rows.to_pylist()


def test_batches_stay_within_the_batch_size(tmp_path):
    create = "CREATE TABLE t (id INTEGER, note TEXT)"
    config = _file(tmp_path, create, [(i, f"n{i}") for i in range(2500)])
    conn = config.open()
    schema = client.describe_sync(conn, "SELECT * FROM t")
    conn.close()
    query = "SELECT * FROM t"
    batches = arrow_read.batches(
        config, query, schema, 1000, lambda: client.read_rows(config, query, schema, 1000)
    )
    assert batches is not None
    sizes = [batch.num_rows for batch in batches]
    assert sum(sizes) == 2500 and max(sizes) <= 1000


def test_a_value_found_after_batches_were_taken_hands_the_whole_read_to_the_row_path(tmp_path):
    """The consumer has taken whole batches when a later one holds a value connectorx would
    read otherwise: ``ReadAgain`` comes before that batch, and the consumer, starting over,
    gets the row path's rows, each once."""
    create = "CREATE TABLE t (id INTEGER, day DATE)"
    rows = [(i, "2026-01-02") for i in range(2500)]
    rows[2400] = (2400, "2026-01-02 10:00")  # not a DATE for connectorx; the row path's day
    rows[2401] = (2401, 7)  # an integer in a DATE column
    config = _file(tmp_path, create, rows)
    query = "SELECT id FROM t WHERE id <> 2400 AND id <> 2401"
    assert _fast_path_taken(config, query)
    query = "SELECT id, day FROM t WHERE id <> 2400"
    conn = config.open()
    schema = client.describe_sync(conn, query)
    conn.close()
    taken: list[list[pa.RecordBatch]] = []

    def consume(batches: Any) -> int:
        taken.append([])
        for batch in batches:
            taken[-1].append(batch)
        return sum(b.num_rows for b in taken[-1])

    # The first batch holds 999 rows: its first place is the typing row, dropped.
    with pytest.raises(TerminalError) as refused:  # 7 is no date for the row path either
        read_again(consume, client.read(config, query, schema, 1000))
    assert len(taken) == 2 and sum(b.num_rows for b in taken[0]) == 1999
    assert "'day'" in str(refused.value)
    query = "SELECT id, day FROM t WHERE id <> 2401"
    taken.clear()
    assert read_again(consume, client.read(config, query, schema, 1000)) == 2499
    assert len(taken) == 2 and sum(b.num_rows for b in taken[0]) == 1999
    days = pa.Table.from_batches(taken[1]).column("day").to_pylist()
    assert set(days) == {dt.date(2026, 1, 2)} and len(days) == 2499


def test_an_endless_query_streams_from_its_first_batch(tmp_path):
    """The exactness check is made on each batch as it comes, not by a scan before it: a huge
    or endless query hands over its first batch at once (and stops when the reader is
    closed)."""
    config = _file(tmp_path, "CREATE TABLE t (i INTEGER)", [(1,)])
    endless = (
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000000000) "
        "SELECT n FROM g"
    )
    conn = config.open()
    schema = client.describe_sync(conn, endless)
    conn.close()
    batches = arrow_read.batches(config, endless, schema, 1000, lambda: iter(()))
    assert batches is not None
    first = next(batches)
    assert first.num_rows == 999 and first.column(0).to_pylist()[:3] == [1, 2, 3]
    batches.close()


_ODD_VALUES = [
    None, 0, 1, 2, -7, 2**62, 1.5, -0.0, 1e300, "", " ", "x", "12", "1.5", "true", "t",
    "2026-01-02", "2026-1-2", "+2026-01-02", "2026-02-30", "0000-01-01", "2026-01-02 03:04:05",
    "2026-01-02T03:04:05", "2026-01-02 03:04:60", " 2026-01-02 03:04:05", "2026-01-02 3:04:05",
    "2026-01-02 03:04:05.123", "2026-01-02 03:04:05.123456", "2026-01-02 03:04:05.1",
    "2026-01-02 03:04:05Z", "9999-12-31 23:59:59.999999", "0001-01-01 00:00:00", b"", b"\x00",
    b"2026-01-02", "é ✓",
]  # fmt: skip
_USUAL = {
    "n": lambda r: r.randint(-1000, 1000),
    "amount": lambda r: r.random() * 100,
    "name": lambda r: f"name {r.randint(0, 99)}",
    "ok": lambda r: r.randint(0, 1),
    "day": lambda r: f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "at": lambda r: f"2025-12-{r.randint(1, 31):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
    ":00",
    "seen": lambda r: f"2026-03-01 10:00:{r.randint(0, 59):02d}.{r.randint(0, 999999):06d}",
    "data": lambda r: bytes([r.randint(0, 255)]),
}  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_read_as_the_row_path_reads_them(tmp_path, seed):
    """Tables of usual values with, now and then, any odd value in any column: the read
    through connectorx ends exactly as the row path does (the same rows, or the same error
    naming the column), at any batch size."""
    import random

    rnd = random.Random(seed)
    create = (
        "CREATE TABLE t (id INTEGER, n INTEGER, amount REAL, name TEXT, ok BOOLEAN, day DATE, "
        "at TIMESTAMP, seen DATETIME, data BLOB)"
    )
    odd = rnd.choice([0.0, 0.01, 0.05])
    rows = [
        (i, *(rnd.choice(_ODD_VALUES) if rnd.random() < odd else usual(rnd)
              for usual in _USUAL.values()))
        for i in range(rnd.randint(0, 60))
    ]  # fmt: skip
    config = _file(tmp_path, create, rows or [tuple([0] + [None] * len(_USUAL))])
    batch_rows = rnd.choice([1, 3, 7, 1000])
    for query in ("SELECT * FROM t", "SELECT id, day, at FROM t WHERE id % 2 = 0"):
        read = _outcome(config, query, client.read, batch_rows)
        assert read == _outcome(config, query, client.read_rows, batch_rows), (seed, query)
