"""Goal 3: every source → target pair through the service, next to the best hand-written path
with the same libraries and dlt's default and best backends, in one run.

    python -m bench.matrix [--rows N] [--also-rows K] [--dlt-rows M] [--only PAIR,...] [--skip-dlt]
                           [--repeat R]

Pairs: MySQL (MariaDB), SQLite, Parquet and CSV (local, and on S3 served by moto) and an HTTP
JSON API → PostgreSQL; PostgreSQL → Parquet files and → DuckDB. Each pair copies N rows
(1,000,000) of six mixed columns, and again K rows (200,000) for the ratio's second column,
R rounds (3) of the service and the raw path interleaved, the fastest of each compared:

- **service**: a pipeline through the ``make run`` stack, timed from the execute call until a
  status GET (every 20 ms) says COMPLETED;
- **raw**: the shortest path a programmer would write with the same libraries: connectorx or
  pyarrow (parquet, csv, S3 file system) or httpx into an Arrow table, then ADBC's bulk ingest
  into PostgreSQL; ADBC's Arrow fetch into ``pyarrow.parquet`` or DuckDB;
- **dlt default / best**: ``bench.matrix_dlt`` in its own process on M rows (20,000; dlt's
  default paths run at thousands of rows/s), compared as rows/s.

Bars: service ≥ 0.8x raw at N rows (a run's fixed cost, goal 1, is a small part of it; the K-row
ratio beside it shows how much more it weighs on a small run), and ≥ 20x dlt's default
(rows/s). Every target is checked: row count, sum of ids and count of non-null notes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pyarrow as pa

from bench import pg_to_pg as pg
from bench.common import dsn, pipeline, post, run_to_end
from bench.report import Goal
from bench.stack import REPO, RunningStack, free_port, make_run_stack, spawn
from stack.processes import Child, wait_for_port

SRC_DB, DST_DB = "dw_matrix_src", "dw_matrix_dst"
MYSQL_DB = "dw_matrix"
MYSQL_URL = f"mysql://root@127.0.0.1:3306/{MYSQL_DB}"
RAW_BAR, DLT_BAR = 0.8, 20.0
ROWS, ALSO_ROWS, DLT_ROWS = 1_000_000, 200_000, 20_000
POLL_SECONDS = 0.02
PAGE_SIZE = 10_000
BUCKET = "dw-matrix"


def rows_table(n: int, start: int = 1) -> pa.Table:
    """n rows: id, amount, note (every 7th null), ok, day, at."""
    ids = list(range(start, start + n))
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "amount": pa.array([i * 1.25 for i in ids], pa.float64()),
            "note": pa.array([None if i % 7 == 0 else f"note {i}" for i in ids], pa.string()),
            "ok": pa.array([i % 2 == 0 for i in ids], pa.bool_()),
            "day": pa.array([dt.date(2026, 1, 1) + dt.timedelta(days=i % 365) for i in ids]),
            "at": pa.array(
                [base + dt.timedelta(seconds=i) for i in ids], pa.timestamp("us", tz="UTC")
            ),
        }
    )


def expected(n: int) -> tuple[int, int, int]:
    return n, n * (n + 1) // 2, n - n // 7


CHECK_SQL = "SELECT count(*), sum(id), count(note) FROM {}"

# --- the data's places --------------------------------------------------------------------


@dataclass
class Places:
    """Where each pair's source data is, and the servers this run started. Every size n has
    its own copy: table ``t_<n>`` (MySQL, PostgreSQL), ``src_<n>.sqlite``, folder
    ``files_<n>`` (S3 prefix ``n<n>``), HTTP path ``/<n>/items``."""

    root: Path  # local files, the SQLite files, DuckDB and Parquet targets
    sizes: list[int]  # the rows each pair copies: the headline size first
    dlt_rows: int
    s3_endpoint: str = ""
    http_url: str = ""
    repeat: int = 3  # rounds of each pair, service and raw interleaved: the fastest counts

    @property
    def rows(self) -> int:
        return self.sizes[0]


def _mysql(sql: str) -> None:
    done = subprocess.run(
        ["mysql", "-h", "127.0.0.1", "-P", "3306", "-u", "root", "-e", sql],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"mysql: {done.stderr.strip()}")


def mysql_fill(table: str, n: int) -> None:
    """MariaDB's sequence engine generates the rows on the server."""
    _mysql(
        f"CREATE DATABASE IF NOT EXISTS {MYSQL_DB}; DROP TABLE IF EXISTS {MYSQL_DB}.{table}; "
        f"CREATE TABLE {MYSQL_DB}.{table} (id BIGINT PRIMARY KEY, amount DOUBLE, note TEXT, "
        f"ok BOOLEAN, day DATE, at DATETIME(6)); "
        f"INSERT INTO {MYSQL_DB}.{table} SELECT seq, seq * 1.25, "
        f"IF(seq % 7 = 0, NULL, CONCAT('note ', seq)), seq % 2 = 0, "
        f"DATE_ADD('2026-01-01', INTERVAL seq % 365 DAY), "
        f"TIMESTAMPADD(SECOND, seq, '2026-01-01') FROM {MYSQL_DB}.seq_1_to_{n}"
    )


async def pg_fill(table: str, n: int) -> None:
    conn = await asyncpg.connect(dsn(SRC_DB))
    try:
        await conn.execute(
            f"CREATE TABLE {table} AS SELECT g::bigint AS id, g * 1.25::float8 AS amount, "
            f"CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END AS note, g % 2 = 0 AS ok, "
            f"date '2026-01-01' + (g % 365) AS day, "
            f"timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second' AS at "
            f"FROM generate_series(1, {n}) AS g"
        )
    finally:
        await conn.close()


def sqlite_fill(path: Path, data: pa.Table) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, amount REAL, note TEXT, ok BOOLEAN, "
            "day DATE, at TIMESTAMP)"
        )
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
            (
                (r["id"], r["amount"], r["note"], r["ok"], str(r["day"]), f"{r['at']:%F %T}")
                for r in data.to_pylist()
            ),
        )
        conn.commit()
    finally:
        conn.close()


def write_files(folder: Path, data: pa.Table) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, folder / "t.parquet")
    pcsv.write_csv(data, folder / "t.csv")


@contextlib.contextmanager
def s3_server(folders: dict[str, Path]) -> Iterator[str]:
    """moto's S3 server on loopback, in a process of its own (in this one, it would wait for
    this process's GIL while the service reads from it), with ``folders`` uploaded under their
    prefixes."""
    import boto3

    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = Child("moto", argv, spawn(argv, dict(os.environ), Path(os.devnull)))
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(server, "127.0.0.1", port, 30, stopped=lambda: False)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        )
        s3.create_bucket(Bucket=BUCKET)
        for prefix, folder in folders.items():
            for path in folder.iterdir():
                s3.upload_file(str(path), BUCKET, f"{prefix}/{path.name}")
        yield endpoint
    finally:
        server.stop()


@contextlib.contextmanager
def http_server(records: dict[int, list[dict]]) -> Iterator[str]:
    """An HTTP JSON API: ``GET /<n>/items?offset=&limit=`` answers ``{"items": [...]}``. The
    pages of ``PAGE_SIZE`` records are encoded beforehand, so the server answers at the speed
    of its socket, and the clients' reading is what the pair measures."""
    pages = {
        (n, offset): json.dumps({"items": rows[offset : offset + PAGE_SIZE]}).encode()
        for n, rows in records.items()
        for offset in range(0, len(rows) + 1, PAGE_SIZE)
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            size = int(parts.path.strip("/").split("/")[0])
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", [str(PAGE_SIZE)])[0])
            body = pages.get((size, offset)) if limit == PAGE_SIZE else None
            if body is None:
                body = json.dumps({"items": records[size][offset : offset + limit]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    # Listening before the fork, so the first request can come at once. A process of its own:
    # it shares the pages without pickling them, and neither the raw path's client nor the
    # service's status polls wait for its GIL.
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serving = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    serving.start()
    server.server_close()  # the child's copy of the socket serves
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        serving.terminate()
        serving.join(10)


def json_records(data: pa.Table) -> list[dict]:
    return [{**r, "day": str(r["day"]), "at": r["at"].isoformat()} for r in data.to_pylist()]


# --- raw paths ------------------------------------------------------------------------------


def adbc_ingest(table: str, data: pa.Table | pa.RecordBatchReader) -> None:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(dsn(DST_DB)) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.adbc_ingest(table, data, mode="create")
        conn.commit()


def adbc_fetch(query: str) -> pa.Table:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(dsn(SRC_DB)) as conn, conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetch_arrow_table()


def s3_filesystem(endpoint: str) -> Any:
    from pyarrow import fs

    return fs.S3FileSystem(
        access_key="bench",
        secret_key="bench-secret",
        endpoint_override=endpoint,
        scheme="http",
        region="us-east-1",
    )


S3_CSV_BLOCK_BYTES = 16 << 20  # pyarrow's 1 MiB blocks are one S3 GET each: the service's size


def raw_paths(places: Places, n: int) -> dict[str, Callable[[str], None]]:
    """Each pair's hand-written path for n rows; the argument is the target (table or path)."""
    import connectorx as cx
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    def connectorx(url: str, table: str) -> pa.Table:
        return cx.read_sql(url, f"SELECT * FROM {table}", return_type="arrow")

    def read_csv(source: Any, block_size: int | None = None) -> pa.Table:
        # An empty field is a null, as the service reads it.
        return pcsv.read_csv(
            source,
            read_options=pcsv.ReadOptions(block_size=block_size or pcsv.ReadOptions().block_size),
            convert_options=pcsv.ConvertOptions(strings_can_be_null=True),
        )

    def read_s3_csv(source: Any) -> pa.Table:
        return read_csv(source, S3_CSV_BLOCK_BYTES)

    def http(target: str) -> None:
        import httpx

        pages, offset = [], 0
        with httpx.Client() as client:
            while True:
                url = f"{places.http_url}/{n}/items"
                page = client.get(url, params={"offset": offset, "limit": PAGE_SIZE}).json()
                if not page["items"]:
                    break
                pages.extend(page["items"])
                offset += len(page["items"])
        adbc_ingest(target, pa.Table.from_pylist(pages))

    def s3_read(key: str, reader: Callable[[Any], pa.Table]) -> pa.Table:
        with s3_filesystem(places.s3_endpoint).open_input_file(f"{BUCKET}/{key}") as f:
            return reader(f)

    def to_duckdb(target: str) -> None:
        import duckdb

        data = adbc_fetch(f"SELECT * FROM t_{n}")
        conn = duckdb.connect(target)
        try:
            conn.register("fetched", data)
            conn.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM fetched")
        finally:
            conn.close()

    local = places.root / f"files_{n}"
    sqlite_url = f"sqlite://{places.root / f'src_{n}.sqlite'}"
    return {
        "mysql": lambda t: adbc_ingest(t, connectorx(MYSQL_URL, f"t_{n}")),
        "sqlite": lambda t: adbc_ingest(t, connectorx(sqlite_url, "t")),
        "parquet": lambda t: adbc_ingest(t, pq.read_table(local / "t.parquet")),
        "csv": lambda t: adbc_ingest(t, read_csv(local / "t.csv")),
        "s3 parquet": lambda t: adbc_ingest(t, s3_read(f"n{n}/t.parquet", pq.read_table)),
        "s3 csv": lambda t: adbc_ingest(t, s3_read(f"n{n}/t.csv", read_s3_csv)),
        "http json": http,
        "pg→parquet": lambda t: pq.write_table(adbc_fetch(f"SELECT * FROM t_{n}"), t),
        "pg→duckdb": to_duckdb,
    }


# --- checks -----------------------------------------------------------------------------------


async def pg_check(table: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(dsn(DST_DB))
    try:
        row = await conn.fetchrow(CHECK_SQL.format(table))
        assert row is not None
        return int(row[0]), int(row[1] or 0), int(row[2])
    finally:
        await conn.close()


def duck_check(relation: str, database: str | None = None) -> tuple[int, int, int]:
    import duckdb

    conn = duckdb.connect(database or ":memory:", read_only=database is not None)
    try:
        row = conn.execute(CHECK_SQL.format(relation)).fetchone()
        assert row is not None
        return int(row[0]), int(row[1] or 0), int(row[2])
    finally:
        conn.close()


# --- the pairs --------------------------------------------------------------------------------


@dataclass
class Pair:
    name: str
    source: dict  # the connection's API body (name added)
    source_spec: dict  # the pipeline source's table or query
    target: str  # "postgres", "parquet" or "duckdb"
    dlt_job: dict
    service_s: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # extract / load seconds, summed
    raw_s: float = 0.0
    dlt_s: dict[str, float] = field(default_factory=dict)  # dlt's backend → seconds
    dlt_note: str = ""


def pairs(places: Places, n: int) -> list[Pair]:
    """The pairs on n rows (their dlt jobs on the dlt size)."""
    root, m = places.root, places.dlt_rows
    s3_body = {
        "type": "files",
        "database": f"s3://{BUCKET}/n{n}",
        "username": "bench",
        "password": "bench-secret",
        "properties": {"endpoint_url": places.s3_endpoint, "region": "us-east-1"},
    }
    s3_dlt = {
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench-secret",
        "endpoint_url": places.s3_endpoint,
    }
    pg_src_url = f"postgresql+psycopg2://postgres:unused@127.0.0.1:5432/{SRC_DB}"
    http_body = {
        "type": "http",
        "host": f"{places.http_url}/{n}",
        "properties": {
            "pagination": "offset",
            "record_path": "items",
            "page_size": PAGE_SIZE,
        },
    }
    files = {"type": "files", "database": str(root / f"files_{n}")}
    small = f"file://{root / f'files_{m}'}"
    return [
        Pair(
            "mysql",
            {"type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": MYSQL_DB,
             "username": "root"},
            {"table": f"t_{n}"},
            "postgres",
            {"source": "sql", "url": f"mysql+pymysql://root@127.0.0.1:3306/{MYSQL_DB}",
             "table": f"t_{m}"},
        ),
        Pair(
            "sqlite",
            {"type": "sqlite", "database": str(root / f"src_{n}.sqlite")},
            {"table": "t"},
            "postgres",
            {"source": "sql", "url": f"sqlite:///{root / f'src_{m}.sqlite'}", "table": "t"},
        ),
        Pair("parquet", files, {"table": "t.parquet"}, "postgres",
             {"source": "parquet", "bucket_url": small, "glob": "t.parquet", "table": "t"}),
        Pair("csv", files, {"table": "t.csv"}, "postgres",
             {"source": "csv", "bucket_url": small, "glob": "t.csv", "table": "t"}),
        Pair("s3 parquet", s3_body, {"table": "t.parquet"}, "postgres",
             {"source": "parquet", "bucket_url": f"s3://{BUCKET}/n{m}", "glob": "t.parquet",
              "table": "t", "credentials": s3_dlt}),
        Pair("s3 csv", s3_body, {"table": "t.csv"}, "postgres",
             {"source": "csv", "bucket_url": f"s3://{BUCKET}/n{m}", "glob": "t.csv",
              "table": "t", "credentials": s3_dlt}),
        Pair("http json", http_body, {"table": "items"}, "postgres",
             {"source": "http", "url": f"{places.http_url}/{m}/items",
              "page_size": PAGE_SIZE, "table": "items"}),
        Pair("pg→parquet", {}, {"table": f"public.t_{n}"}, "parquet",
             {"source": "sql", "url": pg_src_url, "table": f"t_{m}"}),
        Pair("pg→duckdb", {}, {"table": f"public.t_{n}"}, "duckdb",
             {"source": "sql", "url": pg_src_url, "table": f"t_{m}"}),
    ]  # fmt: skip


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


async def add_connection(st: RunningStack, body: dict) -> str:
    return str((await post(st.api, "/v1/pipelines/connections", body, 201))["connectionId"])


def step_seconds(body: dict) -> dict[str, float]:
    """Seconds of the run's data steps by kind (extract, load), from the execution's tasks."""
    seconds: dict[str, float] = {}
    for task in body.get("tasks", []):
        began, ended = pg._ts(task.get("startedAt")), pg._ts(task.get("finishedAt"))
        if began is not None and ended is not None:
            seconds[task["kind"]] = seconds.get(task["kind"], 0.0) + ended - began
    return seconds


async def service_pipeline(
    st: RunningStack, places: Places, pair: Pair, connections: dict, name: str
) -> tuple[str, str]:
    """The pair's target table and pipeline, made on its first run (kept in ``connections``)."""
    from bench.common import connection as pg_connection

    if name in connections:
        return connections[name]
    body = pair.source or None
    if body is None:  # a PostgreSQL source
        src = connections.setdefault("pg-src", await pg_connection(st.api, SRC_DB))
    else:
        src = await add_connection(st, {**body, "name": f"src-{name}"})
    if pair.target == "postgres":
        dst = connections.setdefault("pg-dst", await pg_connection(st.api, DST_DB))
        table = f"public.svc_{name}"
    elif pair.target == "parquet":
        out = places.root / "out-svc"
        out.mkdir(exist_ok=True)
        target = {"type": "files", "database": str(out), "properties": {"format": "parquet"}}
        dst = await add_connection(st, {**target, "name": f"dst-{name}"})
        table = f"svc_{name}"
    else:
        target = {"type": "duckdb", "database": str(places.root / "svc.duckdb")}
        dst = await add_connection(st, {**target, "name": f"dst-{name}"})
        table = f"main.svc_{name}"
    pipeline_id = await pipeline(
        st.api,
        f"matrix-{name}",
        {
            "sources": {"src": {"connection": src, **pair.source_spec}},
            "sinks": {"out": {"connection": dst, "table": table, "mode": "replace"}},
        },
    )
    connections[name] = (table, pipeline_id)
    return table, pipeline_id


async def service_run(
    st: RunningStack, places: Places, pair: Pair, connections: dict, n: int
) -> tuple[float, dict[str, float]]:
    """The pair through the stack on n rows, its target checked: seconds, and its data
    steps' seconds."""
    name = f"{slug(pair.name)}_{n}"
    table, pipeline_id = await service_pipeline(st, places, pair, connections, name)
    run = await run_to_end(st.api, pipeline_id, POLL_SECONDS)
    if pair.target == "postgres":
        got = await pg_check(table)
    elif pair.target == "parquet":
        got = duck_check(f"read_parquet('{places.root / 'out-svc' / table}/**/*.parquet')")
    else:
        got = duck_check(table, str(places.root / "svc.duckdb"))
    if got != expected(n):
        raise SystemExit(f"{pair.name} (service): target has {got}, expected {expected(n)}")
    return run.seconds, step_seconds(run.body)


async def raw_run(places: Places, pair: Pair, raw: Callable[[str], None], n: int) -> float:
    name = f"{slug(pair.name)}_{n}"
    if pair.target == "postgres":
        target = f"raw_{name}"
    elif pair.target == "parquet":
        target = str(places.root / f"raw_{name}.parquet")
    else:
        target = str(places.root / f"raw_{name}.duckdb")
    started = time.perf_counter()
    await asyncio.to_thread(raw, target)
    seconds = time.perf_counter() - started
    if pair.target == "postgres":
        got = await pg_check(target)
    elif pair.target == "parquet":
        got = duck_check(f"read_parquet('{target}')")
    else:
        got = duck_check("t", target)
    if got != expected(n):
        raise SystemExit(f"{pair.name} (raw): target has {got}, expected {expected(n)}")
    return seconds


def dlt_available() -> str | None:
    probe = "import dlt, psycopg2, pymysql; from dlt.sources.sql_database import sql_table"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


DLT_BACKENDS = ("default", "best")  # see bench.matrix_dlt


async def dlt_run(places: Places, pair: Pair, backend: str) -> float:
    name = f"{slug(pair.name)}_{backend}"
    dataset = f"dlt_{name}"
    job = {**pair.dlt_job, "name": name, "dataset": dataset, "destination": pair.target}
    job["backend"] = backend
    job["target_url"] = f"postgresql://postgres:unused@127.0.0.1:5432/{DST_DB}"
    job["target_path"] = str(
        places.root / (f"dlt_{name}_db.duckdb" if pair.target == "duckdb" else f"dlt_{name}")
    )
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bench.matrix_dlt", json.dumps(job)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        errors = [line for line in done.stderr.splitlines() if "Error" in line] or ["failed"]
        raise RuntimeError(errors[-1].strip()[:300])
    seconds = float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
    table = pair.dlt_job["table"]
    if pair.target == "postgres":
        got = await pg_check(f"{dataset}.{table}")
    elif pair.target == "parquet":
        got = duck_check(f"read_parquet('{job['target_path']}/{dataset}/{table}/*.parquet')")
    else:
        got = duck_check(f"{dataset}.{table}", job["target_path"])
    if got != expected(places.dlt_rows):
        raise RuntimeError(f"dlt loaded {got}, expected {expected(places.dlt_rows)}")
    return seconds


# --- main -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def prepared(root: Path, sizes: list[int], dlt_rows: int) -> Any:
    """Every source's data, for the service and raw (each of ``sizes``) and for dlt."""
    for name in (SRC_DB, DST_DB):
        await pg.recreate_database(name)
    records = {}
    for n in dict.fromkeys([*sizes, dlt_rows]):
        data = rows_table(n)
        await asyncio.to_thread(mysql_fill, f"t_{n}", n)
        await pg_fill(f"t_{n}", n)
        await asyncio.to_thread(sqlite_fill, root / f"src_{n}.sqlite", data)
        write_files(root / f"files_{n}", data)
        records[n] = json_records(data)
    places = Places(root, sizes, dlt_rows)
    folders = {f"n{n}": root / f"files_{n}" for n in records}
    try:
        with s3_server(folders) as endpoint, http_server(records) as url:
            places.s3_endpoint, places.http_url = endpoint, url
            yield places
    finally:
        for name in (SRC_DB, DST_DB):
            await pg.drop_database(name)
        _mysql(f"DROP DATABASE IF EXISTS {MYSQL_DB}")


async def kafka_pair(goal: Goal, messages: int) -> None:
    """Kafka → PostgreSQL (bench.kafka_to_pg): the service's batch run, on a stack of its own,
    next to a raw consumer → COPY loop; dlt has no Kafka source among its defaults."""
    from bench import kafka_to_pg as kafka

    try:
        broker, bootstrap = kafka.start_broker()
    except (ImportError, OSError) as exc:
        goal.notes.append(f"kafka: not run (no broker: {exc})")
        return
    batch = max(1, messages // 4)
    await pg.recreate_database(kafka.DATABASE)
    try:
        topic = await asyncio.to_thread(kafka.fill_topic, bootstrap, messages)
        raw = await kafka.raw_loop(bootstrap, topic, messages, batch)
        service = await kafka.through_service(bootstrap, topic, messages, batch)
    finally:
        broker.terminate()
        await asyncio.to_thread(broker.wait, 10)
        await pg.drop_database(kafka.DATABASE)
    ratio = raw / service["batch"]
    goal.add(
        "kafka: service (batch run) vs raw",
        f"{service['batch']:.2f} s",
        f"{raw:.2f} s",
        ratio,
        f"≥ {RAW_BAR}",
        ratio >= RAW_BAR,
    )
    goal.notes.append(
        f"kafka: a continuous run (micro-batches of {batch:,}) took {service['continuous']:.2f} s "
        "until every message was loaded"
    )


def confinement_env(root: Path) -> dict[str, str]:
    """The stack may read the benchmark's files and reach its loopback S3 and HTTP servers."""
    return {
        "DUCTWORK_CONFINEMENT__ROOTS": json.dumps([str(root)]),
        "DUCTWORK_CONFINEMENT__ALLOWED_NETWORKS": json.dumps(["127.0.0.1/32"]),
    }


def size(n: int) -> str:
    return f"{n // 1000:,}k" if n % 1000 == 0 else f"{n:,}"


async def measure(st: RunningStack, places: Places, only: set[str] | None, skip_dlt: bool) -> Goal:
    others = places.sizes[1:]
    goal = Goal(3, f"every pair vs its raw path and dlt ({places.rows:,} rows)")
    if others:
        goal.beside = "vs raw at " + ", ".join(size(n) for n in others) + " rows"
    missing_dlt = "skipped" if skip_dlt else dlt_available()
    connections: dict[str, str] = {}
    for n in places.sizes:  # the pairs at each size, the headline size first
        raw = raw_paths(places, n)
        for pair in pairs(places, n):
            if only and pair.name not in only:
                continue
            for _ in range(places.repeat):  # interleaved rounds; the fastest of each counts
                seconds, steps = await service_run(st, places, pair, connections, n)
                if not pair.service_s or seconds < pair.service_s:
                    pair.service_s, pair.steps = seconds, steps
                raw_s = await raw_run(places, pair, raw[pair.name], n)
                pair.raw_s = min(pair.raw_s or raw_s, raw_s)
            if n == places.rows:
                goal.notes.append(
                    f"{pair.name}: data steps "
                    + ", ".join(f"{kind} {s:.2f} s" for kind, s in pair.steps.items())
                    + f" (raw {pair.raw_s:.2f} s)"
                )
                await add_pair(goal, places, pair, missing_dlt)
            else:
                note_ratio(goal, pair, n)
    if only is None or "kafka" in only:
        await kafka_pair(goal, min(places.sizes) // 2)
    measured = [r for r in goal.rows if r.ratio is not None and "raw" in r.label]
    if measured:
        worst = min(measured, key=lambda r: r.ratio or 0.0)
        goal.notes.append(f"furthest from its raw path: {worst.label} ({worst.ratio:.2f})")
    goal.notes.append(
        f"service: execute call → COMPLETED seen (includes the run's fixed cost); raw: the "
        f"library calls alone; each the fastest of {places.repeat} interleaved rounds; dlt on "
        "fewer rows, compared as rows/s; every target checked"
    )
    return goal


async def add_pair(goal: Goal, places: Places, pair: Pair, missing_dlt: str | None) -> None:
    """The pair's rows at the headline size: vs raw, then vs each of dlt's backends."""
    ratio = pair.raw_s / pair.service_s
    goal.add(
        f"{pair.name}: service vs raw",
        f"{pair.service_s:.2f} s",
        f"{pair.raw_s:.2f} s",
        ratio,
        f"≥ {RAW_BAR}",
        ratio >= RAW_BAR,
    )
    if missing_dlt is not None:
        goal.notes.append(f"{pair.name}: dlt not run ({missing_dlt})")
        return
    for backend in DLT_BACKENDS:
        try:
            pair.dlt_s[backend] = await dlt_run(places, pair, backend)
        except RuntimeError as exc:
            goal.notes.append(f"{pair.name}: dlt {backend} failed: {exc}")
            continue
        speedup = (places.rows / pair.service_s) / (places.dlt_rows / pair.dlt_s[backend])
        bar = backend == "default"  # the bar is on dlt's default; its best is shown beside it
        goal.add(
            f"{pair.name}: service vs dlt {backend}",
            f"{places.rows / pair.service_s:,.0f} rows/s",
            f"{places.dlt_rows / pair.dlt_s[backend]:,.0f} rows/s",
            speedup,
            f"≥ {DLT_BAR:g}" if bar else "-",
            speedup >= DLT_BAR if bar else None,
        )


def note_ratio(goal: Goal, pair: Pair, n: int) -> None:
    """The pair's ratio to raw at another size, in the column beside its headline row."""
    label = f"{pair.name}: service vs raw"
    row = next((r for r in goal.rows if r.label == label), None)
    ratio = pair.raw_s / pair.service_s
    text = f"{ratio:.2f} ({pair.service_s:.2f} s / {pair.raw_s:.2f} s)"
    if row is not None:
        row.beside = f"{row.beside}; {text}" if row.beside else text


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matrix")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--also-rows", type=int, default=ALSO_ROWS, help="0: none")
    parser.add_argument("--dlt-rows", type=int, default=DLT_ROWS)
    parser.add_argument("--only", default="", help="comma-separated pair names")
    parser.add_argument("--skip-dlt", action="store_true")
    parser.add_argument("--repeat", type=int, default=Places.repeat, help="rounds per pair")
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()} or None
    sizes = [args.rows, *([args.also_rows] if args.also_rows else [])]
    with tempfile.TemporaryDirectory(prefix="ductwork-matrix-") as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        stack_dir = Path(tmp) / "stack"
        stack_dir.mkdir()
        async with (
            prepared(root, sizes, args.dlt_rows) as places,
            make_run_stack(stack_dir, confinement_env(root)) as st,
        ):
            places.repeat = args.repeat
            goal = await measure(st, places, only, args.skip_dlt)
    goal.print()
    print()
    print(goal.summary())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
