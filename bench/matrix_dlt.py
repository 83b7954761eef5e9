"""dlt's default path for each pair of bench.matrix, run in a process of its own.

    python -m bench.matrix_dlt '<job as JSON>'

Prints ``{"seconds": ...}``: extract + normalize + load, imports and interpreter start not
counted. The job's ``backend``:

- ``default``: the ``sql_database`` source with its SQLAlchemy backend, the ``filesystem``
  source with ``read_parquet`` / ``read_csv``, a plain resource yielding an HTTP API's JSON
  records, and the destination's default file format;
- ``best``: dlt's Arrow paths: ``sql_database`` with the ``pyarrow`` backend, ``read_parquet``
  or each CSV file read by ``pyarrow.csv``, each HTTP page yielded as an Arrow table, and the
  destination's bulk file format (``csv`` into PostgreSQL through COPY, ``parquet`` into DuckDB
  and files).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from typing import Any


def read_csv_arrow() -> Any:
    """Each CSV file as one Arrow table (dlt's ``read_csv_duckdb`` does not run on DuckDB 2)."""
    import dlt

    @dlt.transformer(standalone=True)
    def csv_tables(items: Any) -> Any:
        import pyarrow.csv as pcsv

        for item in items:
            with item.open() as f:
                options = pcsv.ConvertOptions(strings_can_be_null=True)
                yield pcsv.read_csv(f, convert_options=options)

    return csv_tables()


def source_of(job: dict[str, Any]) -> Any:
    kind, best = job["source"], job.get("backend") == "best"
    if kind == "sql":
        from dlt.sources.sql_database import sql_table

        if best:
            return sql_table(credentials=job["url"], table=job["table"], backend="pyarrow")
        return sql_table(credentials=job["url"], table=job["table"])  # SQLAlchemy
    if kind in ("parquet", "csv"):
        from dlt.sources.filesystem import filesystem, read_csv, read_parquet

        where = {"bucket_url": job["bucket_url"], "file_glob": job["glob"]}
        if job.get("credentials"):
            where["credentials"] = job["credentials"]
        files = filesystem(**where)
        csv_reader = read_csv_arrow if best else read_csv
        reader = read_parquet() if kind == "parquet" else csv_reader()
        return (files | reader).with_name(job["table"])
    if kind == "http":
        import dlt
        import httpx

        @dlt.resource(name=job["table"])
        def records() -> Any:
            offset = 0
            with httpx.Client() as client:
                while True:
                    page = client.get(
                        job["url"], params={"offset": offset, "limit": job["page_size"]}
                    ).json()["items"]
                    if not page:
                        return
                    if best:
                        import pyarrow as pa

                        yield pa.Table.from_pylist(page)
                    else:
                        yield page
                    offset += len(page)

        return records()
    raise SystemExit(f"unknown dlt source {kind!r}")


def destination_of(job: dict[str, Any], workdir: str) -> Any:
    import dlt

    kind = job["destination"]
    if kind == "postgres":
        return dlt.destinations.postgres(job["target_url"])
    if kind == "duckdb":
        return dlt.destinations.duckdb(job["target_path"])
    if kind == "parquet":
        return dlt.destinations.filesystem(job["target_path"])
    raise SystemExit(f"unknown dlt destination {kind!r}")


def main(argv: list[str]) -> int:
    import dlt

    job = json.loads(argv[0])
    with tempfile.TemporaryDirectory(prefix="ductwork-matrix-dlt-") as workdir:
        pipeline = dlt.pipeline(
            pipeline_name=f"matrix_{job['name']}",
            pipelines_dir=workdir,
            destination=destination_of(job, workdir),
            dataset_name=job["dataset"],
        )
        source = source_of(job)
        started = time.perf_counter()
        options: dict[str, Any] = {"write_disposition": "replace"}
        if job["destination"] == "parquet":
            options["loader_file_format"] = "parquet"
        elif job.get("backend") == "best":
            options["loader_file_format"] = "csv" if job["destination"] == "postgres" else "parquet"
        pipeline.run(source, **options)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
