"""A DuckDB replace whose dataset is staged beside its target table: swapped in by a rename in
the load's transaction. A failure or a cancel anywhere before the commit leaves the old table
and the staged one as they were, a retry swaps, and a retry after the commit loads nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from connectors.base import ConnectorError
from connectors.commit_point import LoadCancelled
from connectors.duckdb import target as duckdb_target
from connectors.duckdb.staging import DuckStaging
from workflows.payloads import LoadStep, StepRef

ROWS = 1_000
LOAD_ID = "exec-sw/load_sw"
STAGED = "main.r_0123456789ab_x_orders"


def _log(*_: Any, **__: Any) -> None:
    return None


def _step(*, private: bool = True) -> LoadStep:
    return LoadStep(
        ref=StepRef("exec-sw", "default", "pipe-sw", "load_sw"),
        connection_id="conn-sw",
        input_table=STAGED,
        target_table="orders",
        mode="replace",
        input_is_private=private,
        input_rows=ROWS,
    )


def _lake(path: Path) -> DuckStaging:
    """The old target (one row, another shape) and the run's rows staged beside it."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute("CREATE TABLE main.orders AS SELECT -1 AS id, 'old' AS note, 1 AS gone")
        conn.execute(
            f"CREATE TABLE {STAGED} AS "
            f"SELECT i AS id, 'new ' || i AS note FROM range(1, {ROWS + 1}) r(i)"
        )
    finally:
        conn.close()
    return DuckStaging(str(path), "_ductwork")


def _duck(path: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    rows = _duck(path, "SELECT table_schema || '.' || table_name FROM information_schema.tables")
    return {r[0] for r in rows}


def _as_before(path: Path) -> None:
    assert _duck(path, "SELECT * FROM main.orders") == [(-1, "old", 1)]
    assert _duck(path, f"SELECT count(*) FROM {STAGED}") == [(ROWS,)]


def crashes() -> None:
    raise RuntimeError("worker lost between the swap and the commit")


def cancelled() -> None:
    raise LoadCancelled


def test_a_replace_swaps_the_staged_table_in_once(tmp_path: Path):
    path = tmp_path / "lake.duckdb"
    staging = _lake(path)
    outcome = duckdb_target.load(staging, _step(), LOAD_ID, None, _log)
    assert (outcome.rows, outcome.already_loaded) == (ROWS, False)
    assert _duck(path, "SELECT count(*), sum(id), min(note) FROM main.orders") == [
        (ROWS, ROWS * (ROWS + 1) // 2, "new 1")
    ]
    assert "main.r_0123456789ab_x_orders" not in _tables(path)  # moved, not copied
    assert [c for (c,) in _duck(path, "SELECT column_name FROM duckdb_columns() "
                                      "WHERE table_name = 'orders'")] == ["id", "note"]  # fmt: skip

    again = duckdb_target.load(staging, _step(), LOAD_ID, None, _log)  # its ack was lost
    assert (again.rows, again.already_loaded) == (ROWS, True)
    assert _duck(path, "SELECT count(*) FROM main.orders") == [(ROWS,)]


@pytest.mark.parametrize("stop", [crashes, cancelled], ids=["failure", "cancel"])
def test_a_load_stopped_after_the_swap_leaves_both_tables_and_a_retry_swaps(tmp_path, stop):
    path = tmp_path / "lake.duckdb"
    staging = _lake(path)
    with pytest.raises((ConnectorError, LoadCancelled)):
        duckdb_target.load(staging, _step(), LOAD_ID, None, _log, commit_point=stop)
    _as_before(path)
    assert duckdb_target.committed_rows(staging, LOAD_ID) is None  # no ledger row

    outcome = duckdb_target.load(staging, _step(), LOAD_ID, None, _log)
    assert outcome.rows == ROWS
    assert _duck(path, "SELECT count(*) FROM main.orders") == [(ROWS,)]
    assert duckdb_target.committed_rows(staging, LOAD_ID) == ROWS


def test_a_dataset_another_load_reads_is_copied(tmp_path: Path):
    path = tmp_path / "lake.duckdb"
    staging = _lake(path)
    duckdb_target.load(staging, _step(private=False), LOAD_ID, None, _log)
    assert _duck(path, "SELECT count(*) FROM main.orders") == [(ROWS,)]
    assert _duck(path, f"SELECT count(*) FROM {STAGED}") == [(ROWS,)]  # still there to read


def test_cleanup_drops_a_runs_tables_beside_the_target_too(tmp_path: Path):
    path = tmp_path / "lake.duckdb"
    staging = _lake(path)
    conn = duckdb.connect(str(path))
    try:
        conn.execute("CREATE SCHEMA _ductwork")
        conn.execute("CREATE TABLE _ductwork.r_0123456789ab_t_kept AS SELECT 1 AS x")
        conn.execute("CREATE TABLE _ductwork.r_ffffffffffff_t_other AS SELECT 1 AS x")
    finally:
        conn.close()
    assert staging.drop("r_0123456789ab_") == 2
    assert _tables(path) == {"main.orders", "_ductwork.r_ffffffffffff_t_other"}
