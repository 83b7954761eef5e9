"""The DuckDB staging engine on its own: a failed extract leaves nothing and keeps its cause's
class, ranges replace only their rows, concurrent steps share one file, types compare as
PostgreSQL's."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyarrow as pa
import pytest

from connectors.base import Progress, TransientError
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import comparable_type
from connectors.postgres.schema import fits
from connectors.postgres.sql import Relation

SCHEMA = pa.schema([("id", pa.int64()), ("note", pa.string())])
TABLE = Relation("_ductwork", "r_x_orders")


def _batches(ids: range, fail_after: int | None = None) -> Iterator[pa.RecordBatch]:
    for i, start in enumerate(ids):
        if fail_after is not None and i == fail_after:
            raise TransientError("connection reset by the source", error_type="CONNECTION_FAILED")
        yield pa.record_batch([pa.array([start]), pa.array([f"n{start}"])], schema=SCHEMA)


def test_a_failed_ingest_rolls_back_and_stays_transient(tmp_path):
    staging = DuckStaging(str(tmp_path / "s.duckdb"), "_ductwork")
    assert staging.ingest(TABLE, SCHEMA, _batches(range(3)), Progress()) == 3
    with pytest.raises(TransientError, match="connection reset"):
        staging.ingest(TABLE, SCHEMA, _batches(range(10, 20), fail_after=5), Progress())
    assert staging.rows(TABLE) == 3  # the first load's rows, untouched


def test_ranges_replace_their_own_rows_and_run_side_by_side(tmp_path):
    staging = DuckStaging(str(tmp_path / "s.duckdb"), "_ductwork")
    ranges = [(range(0, 50), '"id" < 50'), (range(50, 100), '"id" >= 50')]
    errors: list[BaseException] = []

    def load(ids: range, scope: str) -> None:
        try:
            staging.ingest(TABLE, SCHEMA, _batches(ids), Progress(), scope=scope)
        except BaseException as exc:
            errors.append(exc)

    for _ in range(2):  # the second time: a retry of every range, in parallel threads
        threads = [threading.Thread(target=load, args=r) for r in ranges]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert staging.fetchrow(f"SELECT count(*), sum(id) FROM {TABLE.sql}") == {
        "count_star()": 100,
        "sum(id)": sum(range(100)),
    }


def test_duckdb_types_compare_as_postgresql_types():
    assert comparable_type("DECIMAL(12,2)") == "numeric(12,2)"
    assert comparable_type("TIMESTAMP WITH TIME ZONE") == "timestamp with time zone"
    assert comparable_type("INTEGER[]") == "integer[]"
    assert fits(comparable_type("INTEGER"), comparable_type("BIGINT"))
    assert fits(comparable_type("DECIMAL(10,2)"), comparable_type("DECIMAL(12,2)"))
    assert not fits(comparable_type("BIGINT"), comparable_type("INTEGER"))
    assert not fits(comparable_type("VARCHAR"), comparable_type("INTEGER"))
