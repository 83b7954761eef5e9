"""Rows staged as one Parquet file for a files target: whole or absent, read by the load in
any format, gone with the run's staging."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from activities.engine import remove_staging_file
from connectors.base import Progress
from connectors.commit_point import no_cancel
from connectors.duckdb.staging import DuckStaging
from connectors.files import staged as staged_file
from connectors.files import target as files_target
from connectors.files.config import FilesConfig
from connectors.postgres.arrow_ingest import Stopped
from connectors.postgres.sql import Relation
from workflows.payloads import LoadStep, StepRef

SCHEMA = pa.schema([pa.field("id", "int64"), pa.field("note", "string")])


def _batches(count: int, stop_after: threading.Event | None = None) -> Iterator[pa.RecordBatch]:
    for i in range(count):
        yield pa.record_batch([pa.array([i, i + 100]), pa.array(["a", None])], schema=SCHEMA)
        if stop_after is not None:
            stop_after.set()


def _log(*_: Any, **__: Any) -> None:
    return None


def test_a_stopped_write_leaves_no_file_and_a_finished_one_is_whole(tmp_path: Path):
    path = tmp_path / "run.duckdb.files" / "staged.parquet"
    stop = threading.Event()
    with pytest.raises(Stopped):
        staged_file.write(path, SCHEMA, _batches(5, stop_after=stop), Progress(), stop)
    assert list(path.parent.iterdir()) == []  # neither the file nor its temporary

    progress = Progress()
    assert staged_file.write(path, SCHEMA, _batches(5), progress) == 10
    assert progress.rows == 10 and staged_file.rows(path) == 10
    assert [p.name for p in path.parent.iterdir()] == ["staged.parquet"]


def test_types_parquet_cannot_hold_are_left_to_duckdb():
    assert staged_file.writable(SCHEMA)
    assert not staged_file.writable(pa.schema([("gap", pa.month_day_nano_interval())]))


def test_a_csv_target_reads_the_staged_file_and_the_cleanup_removes_it(tmp_path: Path):
    staging = DuckStaging(str(tmp_path / "r_1_conn.duckdb"), "_ductwork")
    relation = Relation("_ductwork", "r_1_x_orders")
    staged_file.write(staged_file.path_of(staging, relation), SCHEMA, _batches(3), Progress())
    config = FilesConfig(root=str(tmp_path / "lake"), format="csv")
    step = LoadStep(
        ref=StepRef("exec-s", "default", "pipe-s", "load_s"),
        connection_id="conn",
        input_table=str(relation),
        target_table="orders",
        mode="replace",
        input_is_private=True,
        input_rows=6,
    )
    outcome = files_target.load(
        staging, step, "exec-s/load_s", config, _log, commit_point=no_cancel
    )
    assert outcome.rows == 6
    (part,) = (tmp_path / "lake" / "orders").glob("part-*.csv")
    table = pcsv.read_csv(part)
    assert table.column("id").to_pylist() == [0, 100, 1, 101, 2, 102]

    assert remove_staging_file(staging.path) == 1
    assert not staged_file.folder(staging.path).exists()


def test_only_text_columns_are_dictionary_encoded(tmp_path: Path):
    import pyarrow.parquet as pq

    path = tmp_path / "staged.parquet"
    staged_file.write(path, SCHEMA, _batches(3), Progress())
    chunk = pq.read_metadata(path).row_group(0)
    encodings = {chunk.column(i).path_in_schema: chunk.column(i).encodings for i in range(2)}
    assert "RLE_DICTIONARY" not in encodings["id"]
    assert "RLE_DICTIONARY" in encodings["note"]
