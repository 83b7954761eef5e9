"""Files as a target: a dataset is a directory of part files (CSV, Parquet or JSON Lines) under
the connection's root, local or on S3.

A sink's ``table`` names the dataset's directory: ``orders`` is ``<root>/orders/``,
``exports.orders`` is ``<root>/exports/orders/``. Its format is the connection's
``properties.format`` (default ``parquet``); CSV takes ``delimiter`` and ``header``.

DuckDB writes each load straight from the staged table (``COPY ... TO``, streaming) into one
part file named after the load, ``part-<load key>.<ext>``; rows staged as a Parquet file
(``connectors.files.staged``) are copied as that part instead. A retried load writes the same name
again, so no run is ever loaded twice, and nothing is ever half-written under a final name:
locally the file is written under a hidden temporary name and renamed into place (atomic);
on S3 it is uploaded under its final key, and an object appears whole or not at all.

An incremental source's high-water mark lives in a small state object next to the dataset,
``<parent>/.<dataset>.ductwork/<pipeline id>.json`` (hidden: readers and the connector's own
listing skip it), one per pipeline, always replaced whole (locally a rename, on S3 one PUT).
Files have no transaction spanning the part and the mark, so a load writes three times:

1. the state with the old marks and ``pending``: the part about to be written;
2. the part file (as above: whole or not at all);
3. the state with the new marks, ``committed``: the load, and no ``pending``.

A crash before 3 leaves the old marks in force, so the next run extracts those rows again.
The retry of the same load writes the same part name again; a later load (another run) finds
the ``pending`` part of a load that never committed and deletes it before writing its own,
so those rows are never in the dataset twice. A retry after 3 (its acknowledgement lost)
finds its load ``committed`` and writes nothing. The extract reads only the committed marks.

``append`` adds the run's part file. ``replace`` makes the run's part file the only one: locally
the new directory is swapped in by two renames (readers see the old parts or the new, except in
the instant between the renames when the directory is missing); on S3 the other parts are
deleted after the new one is uploaded (a reader listing in between sees both).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors import offsets
from connectors.base import LoadSpec, PolicyDenied, TerminalError
from connectors.commit_point import CommitPoint, LoadCancelled, no_cancel
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.files import staged as staged_file
from connectors.files.config import FilesConfig
from connectors.postgres.sql import Relation

EXTENSION = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}
WRITE_BATCH_ROWS = 122_880  # DuckDB's row group: one batch in memory at a time
MARKER = ".ductwork-dataset"
"""Written into every local dataset directory Ductwork creates: ``replace`` swaps only those."""
_PART = re.compile(r"^part-[0-9a-f]{16}\.(parquet|csv|jsonl)$")


def dataset_path(table: str) -> str:
    """The dataset directory of a sink's table, relative to the root."""
    relation = Relation.parse(table)
    parts = [relation.name] if relation.schema == "public" else [relation.schema, relation.name]
    for part in parts:
        if part in ("", ".", "..") or "\\" in part or part.startswith("/"):
            raise TerminalError(
                f"{table!r} is not a dataset path under the root", error_type="INVALID_TARGET"
            )
    return "/".join(p.strip("/") for p in parts)


def part_name(load_id: str, fmt: str) -> str:
    """The one part file a load writes: the same for every attempt of that load."""
    return f"part-{hashlib.sha1(load_id.encode()).hexdigest()[:16]}.{EXTENSION[fmt]}"


def copy_options(config: FilesConfig, fmt: str) -> str:
    if fmt == "parquet":
        return "FORMAT parquet"
    if fmt == "jsonl":
        return "FORMAT json"
    delimiter = config.delimiter.replace("'", "''")
    return f"FORMAT csv, HEADER {'true' if config.header else 'false'}, DELIMITER '{delimiter}'"


def load(
    staging: DuckStaging,
    step: LoadSpec,
    load_id: str,
    config: FilesConfig,
    log: Callable[..., None],
    *,
    commit_point: CommitPoint = no_cancel,
) -> LoadOutcome:
    fmt = config.format or "parquet"
    staged = Relation.parse(step.input_table)
    directory = dataset_path(step.target_table)
    name = part_name(load_id, fmt)
    if step.mode not in ("append", "replace"):
        raise TerminalError(
            f"files cannot be loaded in mode {step.mode!r}: use append or replace",
            error_type="UNSUPPORTED_TARGET",
        )
    fs, base = config.filesystem()
    if not config.s3:
        config.confine(f"{base}/{directory}", f"dataset {directory!r}")
    if step.cursors:
        return _incremental(staging, step, load_id, config, fmt, fs, base, log, commit_point)
    try:
        if config.s3:
            rows = _to_s3(
                staging, staged, config, fmt, fs, f"{base}/{directory}", name, step.mode,
                commit_point,
            )  # fmt: skip
        else:
            rows = _to_local(
                staging, staged, config, fmt, Path(base) / directory, name, step.mode,
                commit_point,
            )  # fmt: skip
    except TerminalError:
        raise
    except Exception as exc:
        raise config.classify(exc) from exc
    log("wrote part file", path=f"{directory}/{name}", rows=rows, mode=step.mode)
    return LoadOutcome(rows)


def _write(
    staging: DuckStaging, staged: Relation, config: FilesConfig, fmt: str, path: Path
) -> int:
    """The staged rows written into ``path``; returns their number. Rows staged as a Parquet
    file (``connectors.files.staged``) are that file, linked (or copied). The staging database is
    locked down (no file access), so rows staged there stream as Arrow batches into an
    in-memory DuckDB of our own, which writes the file and never runs tenant SQL."""
    staged_path = staged_file.path_of(staging, staged)
    if staged_path.exists():
        if fmt == "parquet":
            staged_file.place(staged_path, path)
            return staged_file.rows(staged_path)
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(staged_path)
        batches = parquet.iter_batches(WRITE_BATCH_ROWS)
        return _encode(
            pa.RecordBatchReader.from_batches(parquet.schema_arrow, batches), config, fmt, path
        )
    with staging.connect() as conn:
        reader = conn.sql(f"SELECT * FROM {staged.sql}").to_arrow_reader(WRITE_BATCH_ROWS)
        return _encode(reader, config, fmt, path)


def _encode(reader: pa.RecordBatchReader, config: FilesConfig, fmt: str, path: Path) -> int:
    """Arrow batches written into ``path`` in the target's format by an in-memory DuckDB."""
    import duckdb

    target = str(path).replace("'", "''")
    with duckdb.connect() as writer:
        writer.execute("SET TimeZone = 'UTC'")
        writer.register("_dw_rows", reader)
        written = writer.execute(
            f"COPY (SELECT * FROM _dw_rows) TO '{target}' ({copy_options(config, fmt)})"
        ).fetchall()
    return int(written[0][0])  # COPY answers one row: the rows written first


def _to_local(
    staging: DuckStaging,
    staged: Relation,
    config: FilesConfig,
    fmt: str,
    directory: Path,
    name: str,
    mode: str,
    commit_point: CommitPoint = no_cancel,
) -> int:
    directory.parent.mkdir(parents=True, exist_ok=True)
    if mode == "append":
        if directory.exists():
            _ensure_ours(directory)
        directory.mkdir(exist_ok=True)
        (directory / MARKER).touch()
        temporary = directory / f".{name}.tmp"  # hidden: readers skip it
        rows = _write(staging, staged, config, fmt, temporary)
        _reach(commit_point, lambda: temporary.unlink(missing_ok=True))
        os.replace(temporary, directory / name)  # atomic; a retry replaces the same name
        return rows
    fresh = directory.parent / f".{directory.name}.{name}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    (fresh / MARKER).touch()
    rows = _write(staging, staged, config, fmt, fresh / name)
    _reach(commit_point, lambda: shutil.rmtree(fresh, ignore_errors=True))
    retired = directory.parent / f".{directory.name}.{name}.old"
    shutil.rmtree(retired, ignore_errors=True)
    if directory.exists():
        _ensure_ours(directory)
        os.replace(directory, retired)
    os.replace(fresh, directory)
    shutil.rmtree(retired, ignore_errors=True)
    return rows


def _reach(commit_point: CommitPoint, undo: Callable[[], None]) -> None:
    """The load's commit point; cancelled before it, the load removes what it wrote aside."""
    try:
        commit_point()
    except LoadCancelled:
        undo()
        raise


def committed_rows(config: FilesConfig, step: LoadSpec, load_id: str) -> int | None:
    """The rows of a load that reached the dataset; None: it never did. An incremental load
    is committed by its state, any other by its part file under the final name."""
    from pyarrow.fs import FileType

    fs, base = config.filesystem()
    try:
        if step.cursors:
            state = read_state(fs, state_path(base, step.target_table, step.ref.pipeline_id))
            return int(state.get("rows", 0)) if state.get("committed") == load_id else None
        name = part_name(load_id, config.format or "parquet")
        info = fs.get_file_info(f"{base}/{dataset_path(step.target_table)}/{name}")
    except Exception as exc:
        raise config.classify(exc) from exc
    return (step.input_rows or 0) if info.type == FileType.File else None


def _ensure_ours(directory: Path) -> None:
    """Refuse to write into (or replace) a directory that Ductwork did not create: one without
    its marker that holds anything but Ductwork's part files."""
    if directory.is_symlink() or not directory.is_dir():
        raise PolicyDenied(f"dataset path {directory.name!r} exists and is not a dataset directory")
    if (directory / MARKER).exists():
        return
    if any(not _PART.match(entry.name) for entry in directory.iterdir()):
        raise PolicyDenied(
            f"dataset directory {directory.name!r} holds files Ductwork did not write; "
            "load into another table name (Ductwork never replaces a directory it did not create)"
        )


def _to_s3(
    staging: DuckStaging,
    staged: Relation,
    config: FilesConfig,
    fmt: str,
    fs: Any,
    directory: str,
    name: str,
    mode: str,
    commit_point: CommitPoint = no_cancel,
) -> int:
    from pyarrow.fs import FileSelector, FileType

    with tempfile.TemporaryDirectory(dir=Path(staging.path).parent) as scratch:
        local = Path(scratch) / name
        rows = _write(staging, staged, config, fmt, local)
        commit_point()  # an object appears whole or not at all: the upload is the commit
        with local.open("rb") as data, fs.open_output_stream(f"{directory}/{name}") as out:
            shutil.copyfileobj(data, out, 8 << 20)
    if mode == "replace":
        infos = fs.get_file_info(FileSelector(directory, recursive=True, allow_not_found=True))
        for info in infos:
            if info.type == FileType.File and info.path != f"{directory}/{name}":
                with contextlib.suppress(FileNotFoundError):
                    fs.delete_file(info.path)
    return rows


def state_path(base: str, table: str, pipeline_id: str) -> str:
    """Where a pipeline keeps the marks of its incremental sources loaded into a dataset."""
    parent, _, name = f"{base}/{dataset_path(table)}".rpartition("/")
    return f"{parent}/.{name}.ductwork/{pipeline_id}.json"


def read_state(fs: Any, path: str) -> dict[str, Any]:
    try:
        with fs.open_input_stream(path) as data:
            return json.loads(data.read())
    except FileNotFoundError:
        return {}


def write_state(fs: Any, path: str, state: dict[str, Any], *, s3: bool) -> None:
    """Replace the state object whole: locally written aside, flushed and renamed into place;
    on S3 one PUT (an object appears whole or not at all)."""
    body = json.dumps(state, sort_keys=True).encode()
    if s3:
        with fs.open_output_stream(path) as out:
            out.write(body)
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    temporary = f"{path}.tmp"
    with open(temporary, "wb") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def stored_mark(config: FilesConfig, table: str, pipeline_id: str, source: str) -> str | None:
    """The committed high-water mark of ``source`` for this dataset; None: none yet."""
    fs, base = config.filesystem()
    try:
        state = read_state(fs, state_path(base, table, pipeline_id))
    except Exception as exc:
        raise config.classify(exc) from exc
    return (state.get("marks") or {}).get(source)


def _incremental(
    staging: DuckStaging,
    step: LoadSpec,
    load_id: str,
    config: FilesConfig,
    fmt: str,
    fs: Any,
    base: str,
    log: Callable[..., None],
    commit_point: CommitPoint = no_cancel,
) -> LoadOutcome:
    """An append that moves the marks of its incremental sources (see the module's text)."""
    staged = Relation.parse(step.input_table)
    directory = dataset_path(step.target_table)
    name = part_name(load_id, fmt)
    path = state_path(base, step.target_table, step.ref.pipeline_id)
    try:
        state = read_state(fs, path)
        if state.get("committed") == load_id:
            return LoadOutcome(int(state.get("rows", 0)), already_loaded=True)
        marks = dict(state.get("marks") or {})
        pending = state.get("pending")
        if pending and pending != name and _PART.match(str(pending)):
            orphan = f"{base}/{directory}/{pending}"
            with contextlib.suppress(FileNotFoundError):
                fs.delete_file(orphan)
            log("removed the part file of a load that never committed", path=orphan)
        new_marks = dict(marks)
        for cursor in step.cursors:
            staged_rows = Relation.parse(cursor.staging_table)
            if cursor.kind == "offsets":
                old = offsets.parse(marks.get(cursor.source))
                ranges = staging.query_rows(offsets.ranges_sql(staged_rows.sql))
                new_marks[cursor.source] = offsets.dump(offsets.advance(old, ranges, cursor.source))
                continue
            mark = staging.max_text(staged_rows, cursor.column)
            if mark is not None:
                new_marks[cursor.source] = mark
        write_state(fs, path, {"marks": marks, "pending": name}, s3=config.s3)
        if config.s3:
            rows = _to_s3(
                staging, staged, config, fmt, fs, f"{base}/{directory}", name, "append",
                commit_point,
            )  # fmt: skip
        else:
            rows = _to_local(
                staging, staged, config, fmt, Path(base) / directory, name, "append",
                commit_point,
            )  # fmt: skip
        write_state(
            fs, path, {"marks": new_marks, "committed": load_id, "rows": rows}, s3=config.s3
        )
    except TerminalError:
        raise
    except Exception as exc:
        raise config.classify(exc) from exc
    log("wrote part file", path=f"{directory}/{name}", rows=rows, mode=step.mode)
    for cursor in step.cursors:
        log("cursor advanced", source=cursor.source, to=new_marks.get(cursor.source))
    return LoadOutcome(rows)
