"""Files as a target: a dataset is a directory of part files (CSV, Parquet or JSON Lines) under
the connection's root, local or on S3.

A sink's ``table`` names the dataset's directory: ``orders`` is ``<root>/orders/``,
``exports.orders`` is ``<root>/exports/orders/``. Its format is the connection's
``properties.format`` (default ``parquet``); CSV takes ``delimiter`` and ``header``.

DuckDB writes each load straight from the staged table (``COPY ... TO``, streaming) into one
part file named after the load, ``part-<load key>.<ext>``: a retried load writes the same name
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
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.base import TerminalError
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.files.config import FilesConfig
from connectors.postgres.sql import Relation
from workflows.payloads import LoadStep

EXTENSION = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}


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
    step: LoadStep,
    load_id: str,
    config: FilesConfig,
    log: Callable[..., None],
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
    if step.cursors:
        return _incremental(staging, step, load_id, config, fmt, fs, base, log)
    try:
        if config.s3:
            rows = _to_s3(staging, staged, config, fmt, fs, f"{base}/{directory}", name, step.mode)
        else:
            rows = _to_local(staging, staged, config, fmt, Path(base) / directory, name, step.mode)
    except TerminalError:
        raise
    except Exception as exc:
        raise config.classify(exc) from exc
    log("wrote part file", path=f"{directory}/{name}", rows=rows, mode=step.mode)
    return LoadOutcome(rows)


def _write(
    staging: DuckStaging, staged: Relation, config: FilesConfig, fmt: str, path: Path
) -> int:
    """DuckDB writes the staged rows into ``path``; returns their number."""
    target = str(path).replace("'", "''")
    with staging.connect() as conn:
        (rows,) = conn.execute(
            f"COPY (SELECT * FROM {staged.sql}) TO '{target}' ({copy_options(config, fmt)})"
        ).fetchone()
    return int(rows)


def _to_local(
    staging: DuckStaging,
    staged: Relation,
    config: FilesConfig,
    fmt: str,
    directory: Path,
    name: str,
    mode: str,
) -> int:
    directory.parent.mkdir(parents=True, exist_ok=True)
    if mode == "append":
        directory.mkdir(exist_ok=True)
        temporary = directory / f".{name}.tmp"  # hidden: readers skip it
        rows = _write(staging, staged, config, fmt, temporary)
        os.replace(temporary, directory / name)  # atomic; a retry replaces the same name
        return rows
    fresh = directory.parent / f".{directory.name}.{name}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    rows = _write(staging, staged, config, fmt, fresh / name)
    retired = directory.parent / f".{directory.name}.{name}.old"
    shutil.rmtree(retired, ignore_errors=True)
    if directory.exists():
        os.replace(directory, retired)
    os.replace(fresh, directory)
    shutil.rmtree(retired, ignore_errors=True)
    return rows


def _to_s3(
    staging: DuckStaging,
    staged: Relation,
    config: FilesConfig,
    fmt: str,
    fs: Any,
    directory: str,
    name: str,
    mode: str,
) -> int:
    from pyarrow.fs import FileSelector, FileType

    with tempfile.TemporaryDirectory(dir=Path(staging.path).parent) as scratch:
        local = Path(scratch) / name
        rows = _write(staging, staged, config, fmt, local)
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
    step: LoadStep,
    load_id: str,
    config: FilesConfig,
    fmt: str,
    fs: Any,
    base: str,
    log: Callable[..., None],
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
        if pending and pending != name:
            orphan = f"{base}/{directory}/{pending}"
            with contextlib.suppress(FileNotFoundError):
                fs.delete_file(orphan)
            log("removed the part file of a load that never committed", path=orphan)
        new_marks = dict(marks)
        for cursor in step.cursors:
            mark = staging.max_text(Relation.parse(cursor.staging_table), cursor.column)
            if mark is not None:
                new_marks[cursor.source] = mark
        write_state(fs, path, {"marks": marks, "pending": name}, s3=config.s3)
        if config.s3:
            rows = _to_s3(staging, staged, config, fmt, fs, f"{base}/{directory}", name, "append")
        else:
            rows = _to_local(staging, staged, config, fmt, Path(base) / directory, name, "append")
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
