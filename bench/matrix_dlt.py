"""dlt's default path for each pair of bench.matrix, run in a process of its own.

    python -m bench.matrix_dlt '<job as JSON>'

Prints ``{"seconds": ...}``: extract + normalize + load, imports and interpreter start not
counted. dlt's defaults: the ``sql_database`` source with its SQLAlchemy backend, the
``filesystem`` source with ``read_parquet`` / ``read_csv``, a plain resource yielding an HTTP
API's JSON records, and the destination's default file format.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from typing import Any


def source_of(job: dict[str, Any]) -> Any:
    kind = job["source"]
    if kind == "sql":
        from dlt.sources.sql_database import sql_table

        return sql_table(credentials=job["url"], table=job["table"])  # default backend
    if kind in ("parquet", "csv"):
        from dlt.sources.filesystem import filesystem, read_csv, read_parquet

        where = {"bucket_url": job["bucket_url"], "file_glob": job["glob"]}
        if job.get("credentials"):
            where["credentials"] = job["credentials"]
        files = filesystem(**where)
        return (files | (read_parquet() if kind == "parquet" else read_csv())).with_name(
            job["table"]
        )
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
        pipeline.run(source, **options)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
