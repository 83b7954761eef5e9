"""Every target's commit point, at the connector: a load cancelled there leaves the target as
it was and nothing written aside; a load that passes it commits. (The runs around it:
tests/workflows/test_cancel_honesty.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.base import Progress
from connectors.commit_point import LoadCancelled
from connectors.duckdb import target as duckdb_target
from connectors.duckdb.staging import DuckStaging
from connectors.files import staged as staged_file
from connectors.files import target as files_target
from connectors.files.config import FilesConfig
from connectors.postgres.sql import Relation
from workflows.payloads import LoadStep, StepRef

ROWS = 1_000


def cancelled() -> None:
    raise LoadCancelled


def passes() -> None:
    return None


def _log(*_: Any, **__: Any) -> None:
    return None


def _step(target: str, mode: str, **extra: Any) -> LoadStep:
    return LoadStep(
        ref=StepRef("exec-cp", "default", "pipe-cp", "load_cp"),
        connection_id="conn-cp",
        input_table="_ductwork.staged",
        target_table=target,
        mode=mode,
        input_is_private=True,
        input_rows=ROWS,
        **extra,
    )


def _staging(path: Path) -> DuckStaging:
    conn = duckdb.connect(str(path))
    try:
        conn.execute("CREATE SCHEMA IF NOT EXISTS _ductwork")
        conn.execute(
            "CREATE OR REPLACE TABLE _ductwork.staged AS "
            f"SELECT i AS id, 'new ' || i AS note FROM range(1, {ROWS + 1}) r(i)"
        )
        conn.execute(
            "CREATE OR REPLACE TABLE main.orders AS SELECT CAST(-1 AS BIGINT) AS id, 'old' AS note"
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


@pytest.mark.parametrize("mode", ["append", "merge", "replace"])
def test_duckdb_rolls_back_at_its_commit_point(tmp_path: Path, mode: str):
    staging = _staging(tmp_path / "lake.duckdb")
    keys = {"keys": ["id"]} if mode == "merge" else {}
    step = _step("orders", mode, **keys)
    with pytest.raises(LoadCancelled):
        duckdb_target.load(staging, step, "exec-cp/load_cp", None, _log, commit_point=cancelled)
    assert _duck(tmp_path / "lake.duckdb", "SELECT id, note FROM orders") == [(-1, "old")]
    assert duckdb_target.committed_rows(staging, "exec-cp/load_cp") is None  # no ledger row

    outcome = duckdb_target.load(staging, step, "exec-cp/load_cp", None, _log, commit_point=passes)
    assert outcome.rows == ROWS
    expected = ROWS + (0 if mode == "replace" else 1)
    assert _duck(tmp_path / "lake.duckdb", "SELECT count(*) FROM orders") == [(expected,)]
    assert duckdb_target.committed_rows(staging, "exec-cp/load_cp") == ROWS


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_files_leave_nothing_aside_at_their_commit_point(tmp_path: Path, mode: str):
    staging = _staging(tmp_path / "staging.duckdb")
    root = tmp_path / "files"
    config = FilesConfig(root=str(root), format="parquet")
    step = _step("exports.orders", mode)
    with pytest.raises(LoadCancelled):
        files_target.load(staging, step, "exec-cp/load_cp", config, _log, commit_point=cancelled)
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert [p for p in left if "part-" in p] == [], left  # no part, final or aside
    assert files_target.committed_rows(config, step, "exec-cp/load_cp") is None

    outcome = files_target.load(staging, step, "exec-cp/load_cp", config, _log, commit_point=passes)
    assert outcome.rows == ROWS
    assert files_target.committed_rows(config, step, "exec-cp/load_cp") == ROWS


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_files_staged_as_a_parquet_file_leave_nothing_aside_at_their_commit_point(
    tmp_path: Path, mode: str
):
    staging = DuckStaging(str(tmp_path / "staging.duckdb"), "_ductwork")  # no table in it
    rows = pa.table({"id": pa.array(range(1, ROWS + 1), pa.int64())})
    staged = staged_file.path_of(staging, Relation("_ductwork", "staged"))
    staged_file.write(staged, rows.schema, iter(rows.to_batches()), Progress())
    root = tmp_path / "files"
    config = FilesConfig(root=str(root), format="parquet")
    step = _step("exports.orders", mode)
    with pytest.raises(LoadCancelled):
        files_target.load(staging, step, "exec-cp/load_cp", config, _log, commit_point=cancelled)
    assert [p for p in root.rglob("*") if p.is_file() and "part-" in p.name] == []
    assert files_target.committed_rows(config, step, "exec-cp/load_cp") is None

    outcome = files_target.load(staging, step, "exec-cp/load_cp", config, _log, commit_point=passes)
    assert outcome.rows == ROWS
    assert pq.read_table(root / "exports" / "orders").equals(rows)
    assert not (tmp_path / "staging.duckdb").exists()  # the rows never went through DuckDB


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_clickhouse_inserts_nothing_before_its_commit_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
):
    chdb_session = pytest.importorskip("chdb.session")
    from connectors.clickhouse import target as ch_target
    from connectors.clickhouse.config import ClickHouseConfig
    from tests.connectors.test_clickhouse import ChdbExecutor

    session = chdb_session.Session(str(tmp_path / "chdb"))
    try:
        chdb = ChdbExecutor(session)
        monkeypatch.setattr(ch_target, "executor_for", lambda config: chdb)
        chdb.command("CREATE DATABASE IF NOT EXISTS analytics")
        chdb.command(
            "CREATE TABLE analytics.orders (id Int64, note Nullable(String)) "
            "ENGINE = MergeTree ORDER BY id"
        )
        chdb.command("INSERT INTO analytics.orders VALUES (-1, 'old')")
        staging = _staging(tmp_path / "staging.duckdb")
        config = ClickHouseConfig(host="127.0.0.1", port=8123, database="analytics")
        step = _step("orders", mode)
        with pytest.raises(LoadCancelled):
            ch_target.load(staging, step, "exec-cp/load_cp", config, _log, commit_point=cancelled)
        assert chdb.rows("SELECT id, note FROM analytics.orders") == [(-1, "old")]
        tables = chdb.rows("SELECT name FROM system.tables WHERE database = 'analytics'")
        assert tables == [("orders",)]  # no half-filled table left for a swap

        outcome = ch_target.load(
            staging, step, "exec-cp/load_cp", config, _log, commit_point=passes
        )
        assert outcome.rows == ROWS
        expected = ROWS + (0 if mode == "replace" else 1)
        assert chdb.rows("SELECT count() FROM analytics.orders") == [(expected,)]
    finally:
        session.close()
