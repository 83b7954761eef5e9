"""A dataset staged as one Parquet file instead of a table of the run's DuckDB staging.

A files target with format ``parquet`` that loads a source as it is (no transformation or check
reads the rows: the planner's ``to_file``) needs no staging table: the extract writes the
source's Arrow batches with pyarrow into one Parquet file beside the run's DuckDB staging file,
``<staging file>.files/<staging table>.parquet``, and the load links (or copies) that file into
the dataset as its part (``connectors.files.target``). The rows are encoded once instead of
going through a DuckDB table and out again, and written once.

The file is written under a hidden temporary name and renamed into place, so it is whole or
absent: a retried extract writes it again, a retried load places it again. It lives in the
worker's staging directory, never under a tenant's root, and goes with the run's staging
(``activities.engine.remove_staging_file``). Types pyarrow cannot write into Parquet (intervals)
are staged in DuckDB as before: ``writable`` says which.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors.base import Progress
from connectors.duckdb.staging import DuckStaging
from connectors.postgres.arrow_ingest import Stopped
from connectors.postgres.sql import Relation
from connectors.read_ahead import read_ahead

SUFFIX = ".files"


def folder(staging_path: str) -> Path:
    """Where the files staged beside a DuckDB staging file are."""
    return Path(f"{staging_path}{SUFFIX}")


def path_of(staging: DuckStaging, table: Relation) -> Path:
    return folder(staging.path) / f"{table.name}.parquet"


def writable(schema: pa.Schema) -> bool:
    """Whether pyarrow writes every column of ``schema`` into Parquet."""
    import pyarrow.parquet as pq

    try:
        pq.ParquetWriter(pa.BufferOutputStream(), schema).close()
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, TypeError):
        return False
    return True


def write(
    path: Path,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    progress: Progress,
    stop: threading.Event | None = None,
) -> int:
    """``batches`` into the Parquet file ``path``, whole or not at all; returns the rows."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    progress.rows = 0
    ahead = read_ahead(batches)  # the source reads its next batches while pyarrow encodes
    try:
        dictionary: Any = dictionary_columns(schema)  # pyarrow-stubs: bool only; a list works
        with pq.ParquetWriter(temporary, schema, use_dictionary=dictionary) as writer:
            for batch in ahead:
                if stop is not None and stop.is_set():
                    raise Stopped("stopped")
                writer.write_batch(batch)
                progress.rows += batch.num_rows
                progress.bytes += batch.nbytes
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        ahead.close()  # stops the reading: the source is closed here
        close = getattr(batches, "close", None)  # never read: closed here too
        if close is not None:
            with contextlib.suppress(Exception):
                close()
    return progress.rows


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns worth dictionary-encoding: text, bytes and dictionaries. Numbers and times
    are written plain, as DuckDB writes them: trying a dictionary on mostly distinct values
    costs time and makes a larger file."""
    kinds = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_binary,
        pa.types.is_large_binary,
        pa.types.is_dictionary,
    )
    return [f.name for f in schema if any(kind(f.type) for kind in kinds)]


def place(staged: Path, path: Path) -> None:
    """The staged file as the part ``path``: a second name for it (a hard link, no bytes
    copied) when both are on one file system, else a copy. Safe because a staged file is never
    written again: a retried extract renames a new file over its name."""
    try:
        os.link(staged, path)
    except OSError:  # another file system (EXDEV), or links not allowed
        shutil.copyfile(staged, path)


def rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def remove(staging_path: str) -> int:
    """Delete the files staged beside a DuckDB staging file; 1 if there were any."""
    staged = folder(staging_path)
    if not staged.exists():
        return 0
    shutil.rmtree(staged, ignore_errors=True)
    return 1
