"""The price of the locked-down staging engine for a files target, next to its baseline.

    python -m bench.files_write [--rows N] [--repeat K]                (part of ``make bench``)

A files target's load writes the staged table into a part file. Before the confinement policy,
the staging DuckDB wrote it itself (``COPY ... TO``); now the staging database runs with
external access off, so its rows stream as Arrow batches into an in-memory DuckDB that writes
the file (``connectors.files.target._write``). Both paths run here on the same staged table of
10 mixed columns, fastest of ``--repeat`` rounds, interleaved, per format.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from connectors.duckdb import sandbox
from connectors.files.target import WRITE_BATCH_ROWS

TABLE = """CREATE TABLE t AS SELECT i AS id, i * 2 AS a, 'name' || i AS s, i / 3.0 AS f,
    DATE '2024-01-01' + (i % 365)::INT AS d, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts,
    i % 2 = 0 AS b, (i % 1000)::DECIMAL(12, 2) AS m, md5(i::VARCHAR) AS h, i % 7 AS k
    FROM range({rows}) r(i)"""


def direct(staged: Path, out: Path, fmt: str) -> float:
    """The baseline: the staging database writes the file itself (external access on)."""
    with duckdb.connect(str(staged)) as conn:
        started = time.perf_counter()
        conn.execute(f"COPY (SELECT * FROM t) TO '{out}' (FORMAT {fmt})").fetchall()
        return time.perf_counter() - started


def streamed(staged: Path, out: Path, fmt: str) -> float:
    """Ductwork's path: locked staging → Arrow batches → an in-memory writer."""
    locked = sandbox.connect(str(staged))
    try:
        started = time.perf_counter()
        with duckdb.connect() as writer:
            writer.register(
                "_rows", locked.sql("SELECT * FROM t").to_arrow_reader(WRITE_BATCH_ROWS)
            )
            writer.execute(f"COPY (SELECT * FROM _rows) TO '{out}' (FORMAT {fmt})").fetchall()
        return time.perf_counter() - started
    finally:
        locked.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / "staging.duckdb"
        with duckdb.connect(str(staged)) as conn:
            conn.execute(TABLE.format(rows=args.rows))
        print(f"files target write, {args.rows:,} rows x 10 columns, fastest of {args.repeat}")
        for fmt in ("parquet", "csv"):
            base, ours = [], []
            for _ in range(args.repeat):
                base.append(direct(staged, Path(scratch) / f"direct.{fmt}", fmt))
                ours.append(streamed(staged, Path(scratch) / f"streamed.{fmt}", fmt))
            print(
                f"  {fmt:8} staging COPY (baseline) {min(base):6.2f} s   "
                f"locked staging -> Arrow -> writer {min(ours):6.2f} s   "
                f"ratio {min(base) / min(ours):.2f}"
            )


if __name__ == "__main__":
    main()
