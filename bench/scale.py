"""Scale: worker memory, partitioned extract and dlt, each next to a same-run baseline.

    python -m bench.scale [--repeat K] [--dlt-rows N] [--skip-dlt] [--quiet-wait S] [--small]
                          [--keep]                                        (part of ``make bench``)

The Temporal dev server and the API run in this process (the API over ASGI, as in
``bench.pg_to_pg``); the workers are real ``python -m worker`` processes on one task queue,
configured through ``DUCTWORK_*`` variables (dev server address, task queue, data dir, the same
SQLite store and Fernet key as the API). Sources are ``generate_series`` tables of 10 mixed
columns (``bench.pg_to_pg``'s), in the databases ``dw_scale_src`` → ``dw_scale_dst``.

1. Memory: 1,000,000-row and 5,000,000-row replace runs, each size on a fresh worker process;
   the worker's peak resident memory (VmHWM in /proc/<pid>/status) after its runs, next to its
   peak when idle and ready. Rows/s next to the raw binary ``psql \\copy`` pipe of the same
   table. Bar: at most 400 MB, and growing by less than 20% from 1M to 5M.
2. Partitioned extract of a 2,000,000-row table (``partitions: 4, split_by: id``) with one
   worker process, then two, on the same task queue; the unpartitioned run and the psql pipe
   beside them. Each run's CPU seconds are read per process (workers, PostgreSQL's backends by
   database, the dev server, this process, everything else) to show what bounds the speed-up.
3. dlt: ``sql_database`` → ``postgres`` full load (``write_disposition="replace"``) of a
   200,000-row table, with dlt's default backend (SQLAlchemy) and with the ``pyarrow`` and
   ``connectorx`` backends, each in its own process and timed around extract + normalize + load;
   next to Ductwork's replace of the same table (API call to finished run). Bar: 10x dlt's
   default backend.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil

import bench.pg_to_pg as pg
from bench.pg_to_pg import (
    COLUMNS_DDL,
    FILL_SQL,
    PG_HOST,
    PG_PORT,
    PG_USER,
    Run,
    count_rows,
    create_connection,
    create_pipeline,
    create_target,
    drop_database,
    dsn,
    load_average,
    psql_pipe,
    recreate_database,
    timed_run,
)

SRC_DB, DST_DB = "dw_scale_src", "dw_scale_dst"
# pg_to_pg's helpers (checkpoint, psql_pipe, create_target, timed_run) read these two names at
# call time: point them at this benchmark's databases, so that it never drops pg_to_pg's.
pg.SRC_DB, pg.DST_DB = SRC_DB, DST_DB

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
MEMORY_SIZES = (1_000_000, 5_000_000)
PARTITION_ROWS = 2_000_000
PARTITIONS = 4
DLT_ROWS = 200_000
DLT_BACKENDS = ("sqlalchemy", "pyarrow", "connectorx")  # the first is dlt's default
MEMORY_BAR_MB = 400
MEMORY_GROWTH_BAR = 0.20
DLT_BAR = 10.0
WORKER_READY_SECONDS = 60
SAMPLE_SECONDS = 0.025  # PostgreSQL backends' CPU, sampled by a thread during each run


def short(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


def table_name(rows: int) -> str:
    return f"t_{short(rows).lower()}"


# --- source tables -----------------------------------------------------------------------------


async def fill_table(table: str, rows: int) -> str:
    conn = await asyncpg.connect(dsn(SRC_DB))
    try:
        await conn.execute(f"CREATE TABLE {table} ({COLUMNS_DDL.format(pk=' PRIMARY KEY')})")
        await conn.execute(FILL_SQL.format(table=table, rows=rows))
        await conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
        return await conn.fetchval("SELECT pg_size_pretty(pg_table_size($1::regclass))", table)
    finally:
        await conn.close()


async def drop_target(table: str) -> None:
    conn = await asyncpg.connect(dsn(DST_DB))
    try:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        await conn.close()


async def pipe_baseline(table: str, rows: int) -> Run:
    """The raw binary pipe: psql \\copy (SELECT * FROM table) TO STDOUT | psql \\copy FROM STDIN."""
    target = f"pipe_{table}"
    await create_target(target)
    await pg.checkpoint()
    seconds = await asyncio.to_thread(
        psql_pipe,
        f"\\copy (SELECT * FROM {table}) TO STDOUT WITH (FORMAT binary)",
        f"\\copy {target} FROM STDIN WITH (FORMAT binary)",
    )
    got = await count_rows(DST_DB, target)
    if got != rows:
        raise SystemExit(f"psql pipe: {got} rows in {target}, expected {rows}")
    await drop_target(target)
    return Run(seconds)


# --- the stack: dev server and API in this process, workers as processes ----------------------


@dataclass
class Stack:
    api: Any  # httpx.AsyncClient on the API
    client: Any  # temporalio Client
    task_queue: str
    worker_env: dict[str, str]
    log_dir: Path
    temporal: psutil.Process | None


@contextlib.asynccontextmanager
async def stack(data_dir: Path) -> AsyncIterator[Stack]:
    """Temporal dev server and the API in this process, no worker: workers are processes."""
    import httpx
    from cryptography.fernet import Fernet

    from api.main import create_app
    from core.settings import Settings
    from store.migrate import upgrade_async

    key = Fernet.generate_key().decode()
    queue = f"ductwork-scale-{uuid.uuid4()}"
    settings = Settings(
        data_dir=data_dir,
        log_level="WARNING",
        temporal={"task_queue": queue},
        security={"encryption_key": key},
        auth={"bootstrap_api_key": pg.BENCH_API_KEY},
        rate_limit={"enabled": False},  # throughput is measured here, not the plans
    )
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    env = await pg.start_dev_server()
    dev_server = next(
        (p for p in psutil.Process().children(recursive=True) if p.pid not in before), None
    )
    try:
        await upgrade_async(settings.store_url)
        worker_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")},
            "DUCTWORK_TEMPORAL__ADDRESS": env.client.service_client.config.target_host,
            "DUCTWORK_TEMPORAL__TASK_QUEUE": queue,
            "DUCTWORK_DATA_DIR": str(data_dir),
            "DUCTWORK_STORE__URL": settings.store_url,
            "DUCTWORK_SECURITY__ENCRYPTION_KEY": key,
            "DUCTWORK_LOG_LEVEL": "WARNING",
        }
        app = create_app(settings, client=env.client)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://ductwork.scale",
                timeout=60,
                headers={"X-API-Key": pg.BENCH_API_KEY, "X-Tenant-ID": "default"},
            ) as api:
                yield Stack(api, env.client, queue, worker_env, data_dir, dev_server)
    finally:
        await env.shutdown()


class WorkerProcess:
    """``python -m worker`` on the stack's task queue; its log goes to a file."""

    def __init__(self, stack: Stack, name: str) -> None:
        self.name = name
        self.log_path = stack.log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            cwd=REPO,
            env=stack.worker_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.ps = psutil.Process(self.proc.pid)
        self.stack = stack

    @property
    def pid(self) -> int:
        return self.proc.pid

    def status_kb(self, field_name: str) -> int:
        """A ``VmHWM``/``VmRSS`` line of /proc/<pid>/status, in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"{field_name} not in /proc/{self.pid}/status")

    def peak_mb(self) -> float:
        return self.status_kb("VmHWM") / 1024

    def rss_mb(self) -> float:
        return self.status_kb("VmRSS") / 1024

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    async def ready(self) -> None:
        """Wait until this process polls both the workflow and the activity task queue."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        client = self.stack.client
        kinds = (
            TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        )
        deadline = time.perf_counter() + WORKER_READY_SECONDS
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"worker {self.name} exited ({self.proc.returncode}):\n{self.tail()}"
                )
            polling = 0
            for kind in kinds:
                described = await client.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=client.namespace,
                        task_queue=TaskQueue(name=self.stack.task_queue),
                        task_queue_type=kind,
                    )
                )
                polling += any(p.identity.startswith(f"{self.pid}@") for p in described.pollers)
            if polling == len(kinds):
                return
            await asyncio.sleep(0.1)
        raise SystemExit(f"worker {self.name} not polling after {WORKER_READY_SECONDS} s")

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
        self._log.close()

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


async def start_worker(stack: Stack, name: str) -> WorkerProcess:
    worker = WorkerProcess(stack, name)
    try:
        await worker.ready()
    except BaseException:
        await worker.stop()
        raise
    return worker


# --- CPU accounting ----------------------------------------------------------------------------


def _own_cpu(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy, all cores."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq


def _pg_database(title: str) -> str | None:
    """The database of a client backend from its process title ("postgres: 15/main: user db
    host(port) state"); "" for a background process; None while a new child has no title."""
    if not title.startswith("postgres:"):
        return None
    tokens = title.split()
    for i, token in enumerate(tokens[2:], start=2):
        if token == "[local]" or re.fullmatch(r".+\(\d+\)", token):
            return tokens[i - 1]
    return ""


OTHERS = "others: "  # CPU of work that is not this benchmark's (a shared machine)


class CpuMeter:
    """CPU seconds of one run, by process: each worker, PostgreSQL, the dev server, this process,
    and what else the machine did meanwhile.

    PostgreSQL's total is exact: the postmaster, its live children and the children it reaped
    (a backend that exited counts in the postmaster's children times). A thread samples the
    live backends every 25 ms and splits that total by database from their process titles; a
    backend's CPU after its last sample is "PG unsampled"."""

    def __init__(
        self, postmaster: psutil.Process, temporal: psutil.Process | None, databases: dict[str, str]
    ) -> None:
        self.postmaster = postmaster
        self.temporal = temporal
        self.databases = databases  # database name → label, e.g. "PG source"
        self.me = psutil.Process()
        self._seen: dict[int, list[Any]] = {}  # pid → [process, database, baseline, last]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: list[WorkerProcess] = []
        self._start: dict[str, float] = {}

    def pg_total(self) -> float:
        total = 0.0
        for child in self.postmaster.children():
            with contextlib.suppress(psutil.Error):
                total += _own_cpu(child)
        t = self.postmaster.cpu_times()
        return total + t.user + t.system + t.children_user + t.children_system

    def _children(self) -> list[int]:
        """The postmaster's children: /proc's list is cheap, psutil's scans every process."""
        pid = self.postmaster.pid
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return [c.pid for c in self.postmaster.children()]

    def _sample(self, initial: bool = False) -> None:
        for pid in self._children():
            try:
                seen = self._seen.get(pid)
                if seen is None:
                    child = psutil.Process(pid)
                    cpu = _own_cpu(child)
                    database = _pg_database(" ".join(child.cmdline()))
                    self._seen[pid] = [child, database, cpu if initial else 0.0, cpu]
                else:
                    seen[3] = _own_cpu(seen[0])
                    if seen[1] is None:
                        seen[1] = _pg_database(" ".join(seen[0].cmdline()))
            except psutil.Error:
                continue

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def _times(self) -> dict[str, float]:
        times = {f"worker {w.name}": w.cpu() for w in self._workers}
        times["PG"] = self.pg_total()
        if self.temporal is not None:
            times["Temporal"] = _own_cpu(self.temporal)
        times["API+bench"] = _own_cpu(self.me)
        times["machine"] = _machine_busy()
        return times

    def begin(self, workers: list[WorkerProcess]) -> None:
        self._workers = list(workers)
        self._seen = {}
        self._sample(initial=True)
        self._start = self._times()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cpu-meter", daemon=True)
        self._thread.start()

    def end(self) -> dict[str, float]:
        """CPU seconds since begin(); keys starting with OTHERS are not this benchmark's."""
        assert self._thread is not None
        self._stop.set()
        self._thread.join()
        self._sample()
        now = self._times()
        delta = {k: now[k] - self._start[k] for k in now}
        by_db: dict[str, float] = {}
        for _, database, baseline, last in self._seen.values():
            if database == "":
                label = "PG background"
            elif database in self.databases:
                label = self.databases[database]
            elif database is None:
                label = "PG unsampled"
            else:
                label = OTHERS + "PG other databases"
            by_db[label] = by_db.get(label, 0.0) + last - baseline
        result = {k: v for k, v in delta.items() if k.startswith("worker")}
        for label in (*self.databases.values(), "PG background"):
            result[label] = by_db.get(label, 0.0)
        others_pg = by_db.get(OTHERS + "PG other databases", 0.0)
        sampled = sum(by_db.values())
        result["PG unsampled"] = max(0.0, delta["PG"] - sampled) + by_db.get("PG unsampled", 0.0)
        for key in ("Temporal", "API+bench"):
            if key in delta:
                result[key] = delta[key]
        result[OTHERS + "PG other databases"] = others_pg
        accounted = sum(result.values())
        result[OTHERS + "other processes"] = max(0.0, delta["machine"] - accounted)
        return result


def ours(cpu: dict[str, float]) -> float:
    return sum(v for k, v in cpu.items() if not k.startswith(OTHERS))


def pg_cpu(cpu: dict[str, float]) -> float:
    return sum(v for k, v in cpu.items() if k.startswith("PG"))


def workers_cpu(cpu: dict[str, float]) -> float:
    return sum(v for k, v in cpu.items() if k.startswith("worker"))


async def wait_quiet(limit: float) -> None:
    """Wait up to ``limit`` seconds until other work leaves the machine (under 0.3 cores busy
    over one second); say so when it had to wait, or gave up."""
    if limit <= 0:
        return
    started = time.perf_counter()
    while True:
        before = _machine_busy()
        await asyncio.sleep(1.0)
        busy = _machine_busy() - before
        waited = time.perf_counter() - started
        if busy < 0.3:
            if waited > 1.5:
                print(f"  (waited {waited:.0f} s for other work on the machine to finish)")
            return
        if waited >= limit:
            print(f"  (the machine stayed busy, {busy:.2f} cores, for {waited:.0f} s: going on)")
            return


async def postmaster_process() -> psutil.Process:
    conn = await asyncpg.connect(dsn("postgres"))
    try:  # read while the backend lives
        return psutil.Process(psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).ppid())
    finally:
        await conn.close()


# --- results -----------------------------------------------------------------------------------


@dataclass
class Measured:
    label: str
    rows: int
    runs: list[Run] = field(default_factory=list)
    cpu: list[dict[str, float]] = field(default_factory=list)  # per run, CPU s by process
    extracts_by_worker: list[dict[str, int]] = field(default_factory=list)
    note: str = ""

    @property
    def best_index(self) -> int:
        return min(range(len(self.runs)), key=lambda i: self.runs[i].seconds)

    @property
    def best(self) -> float:
        return self.runs[self.best_index].seconds

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def rate(self) -> float:
        return self.rows / self.best


async def measured_run(
    stack: Stack,
    pipeline_id: str,
    table: str,
    rows: int,
    meter: CpuMeter,
    workers: list[WorkerProcess],
    into: Measured,
) -> Run:
    meter.begin(workers)
    try:
        run = await timed_run(stack.api, pipeline_id, table, rows)
    finally:
        cpu = meter.end()
    into.runs.append(run)
    into.cpu.append(cpu)
    into.extracts_by_worker.append(await extracts_by_worker(stack, run, workers))
    return run


async def extracts_by_worker(
    stack: Stack, run: Run, workers: list[WorkerProcess]
) -> dict[str, int]:
    """Which worker process ran each extract activity, from the workflow's history."""
    workflow_id = (run.execution or {}).get("workflowId")
    if not workflow_id:
        return {}
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    scheduled: dict[int, str] = {}
    counts: dict[str, int] = {w.name: 0 for w in workers}
    names = {f"{w.pid}@": w.name for w in workers}
    for event in history.events:
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.HasField("activity_task_started_event_attributes"):
            started = event.activity_task_started_event_attributes
            if scheduled.get(started.scheduled_event_id) == "extract":
                who = next(
                    (n for prefix, n in names.items() if started.identity.startswith(prefix)),
                    started.identity,
                )
                counts[who] = counts.get(who, 0) + 1
    return counts


# --- dlt ---------------------------------------------------------------------------------------


def dlt_child(backend: str, table: str) -> None:
    """Runs in its own process: one dlt full load, prints its figures as JSON."""
    import dlt
    from dlt.sources.sql_database import sql_table

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; dlt[postgres] brings psycopg2.
    source = sql_table(
        credentials=f"postgresql+psycopg2://{PG_USER}:unused@{PG_HOST}:{PG_PORT}/{SRC_DB}",
        table=table,
        schema="public",
        backend=backend,
    )
    with tempfile.TemporaryDirectory(prefix="ductwork-scale-dlt-") as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name=f"scale_{backend}",
            pipelines_dir=pipelines_dir,
            destination=dlt.destinations.postgres(
                f"postgresql://{PG_USER}:unused@{PG_HOST}:{PG_PORT}/{DST_DB}"
            ),
            dataset_name=f"dlt_{backend}",
        )
        t0 = time.perf_counter()
        pipeline.extract(source, write_disposition="replace")
        t1 = time.perf_counter()
        pipeline.normalize()
        t2 = time.perf_counter()
        info = pipeline.load()
        t3 = time.perf_counter()
    formats = sorted(
        {
            job.job_file_info.file_format
            for package in info.load_packages
            for job in package.jobs["completed_jobs"]
            if job.job_file_info.table_name == table
        }
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": t3 - t0,
                "extract": t1 - t0,
                "normalize": t2 - t1,
                "load": t3 - t2,
                "formats": formats,
                "cpu": usage.ru_utime + usage.ru_stime - cpu0,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "dlt": dlt.__version__,
            }
        )
    )


@dataclass
class DltResult:
    backend: str
    rows: int
    seconds: float
    extract: float
    normalize: float
    load: float
    formats: list[str]
    cpu: float
    postgres_cpu: float
    peak_rss_mb: float
    version: str


def dlt_available() -> str | None:
    """None when dlt with the sql_database source and psycopg2 imports, else why not."""
    probe = "import dlt, psycopg2, sqlalchemy; from dlt.sources.sql_database import sql_table"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or ["import failed"])[-1]


async def run_dlt(backend: str, table: str, rows: int, meter: CpuMeter, log_dir: Path) -> DltResult:
    await pg.checkpoint()
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    log = log_dir / f"dlt-{backend}.log"
    meter.begin([])
    with log.open("wb") as err:
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bench.scale", "--dlt-child", backend, "--dlt-table", table],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    cpu = meter.end()
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise SystemExit(f"dlt ({backend}) failed:\n{tail}")
    out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    got = await count_rows(DST_DB, f"dlt_{backend}.{table}")
    if got != rows:
        raise SystemExit(f"dlt ({backend}): {got} rows in dlt_{backend}.{table}, expected {rows}")
    conn = await asyncpg.connect(dsn(DST_DB))
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS dlt_{backend} CASCADE")
    finally:
        await conn.close()
    return DltResult(
        backend,
        rows,
        out["seconds"],
        out["extract"],
        out["normalize"],
        out["load"],
        out["formats"],
        out["cpu"],
        pg_cpu(cpu),
        out["peak_rss_mb"],
        out["dlt"],
    )


# --- report ------------------------------------------------------------------------------------


def cpu_line(cpu: dict[str, float], wall: float) -> str:
    """This benchmark's CPU seconds by process, then what else the machine did."""
    mine = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items() if not k.startswith(OTHERS))
    other = ", ".join(
        f"{k.removeprefix(OTHERS)} {v:.2f}" for k, v in cpu.items() if k.startswith(OTHERS)
    )
    total = ours(cpu)
    return (
        f"CPU s: {mine} = {total:.2f} in {wall:.2f} s = {total / wall:.2f} cores; "
        f"not ours: {other} (machine {sum(cpu.values()) / wall:.2f} "
        f"of {os.cpu_count()} cores busy)"
    )


def print_row(label: str, rows: int, best: float, median: float | None, base: float, extra: str):
    med = f"{median:>8.2f}" if median is not None else f"{'':>8}"
    print(
        f"{label:<38} {rows:>10,} {best:>7.2f} {med} {rows / best:>10,.0f} "
        f"{base / best:>7.2f}  {extra}"
    )


def header() -> None:
    line = (
        f"{'path':<38} {'rows':>10} {'best s':>7} {'median s':>8} {'rows/s':>10} "
        f"{'vs pipe':>7}  note"
    )
    print(line)
    print("-" * (len(line) + 40))


def task_spans(run: Run) -> list[tuple[str, float]]:
    from bench.pg_to_pg import _ts

    spans = []
    for task in (run.execution or {}).get("tasks", []):
        a, b = _ts(task.get("startedAt")), _ts(task.get("finishedAt"))
        if a is not None and b is not None:
            spans.append((task["name"], b - a))
    return spans


def steps_line(run: Run) -> str:
    """Each data step's seconds and what is left of the run (API, planning, scheduling,
    recording, polling)."""
    spans = task_spans(run)
    extracts = [sec for name, sec in spans if name.startswith("extract")]
    others = [(name, sec) for name, sec in spans if not name.startswith("extract")]
    busy = max(extracts, default=0.0) + sum(sec for _, sec in others)
    return (
        f"steps: extract {', '.join(f'{sec:.2f}' for sec in extracts)} s; "
        + "".join(f"{name} {sec:.2f} s; " for name, sec in others)
        + f"the rest of the {run.seconds:.2f} s (API, plan, scheduling, records, polls) "
        f"{run.seconds - busy:.2f} s"
    )


# --- main --------------------------------------------------------------------------------------


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each path (3); the table shows the fastest and the median",
    )
    parser.add_argument(
        "--dlt-rows", type=int, default=DLT_ROWS, help=f"rows of the dlt table ({DLT_ROWS:,})"
    )
    parser.add_argument("--skip-dlt", action="store_true", help="leave out part 3")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each part, wait up to S seconds for other work on the machine to end (60)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the two databases afterwards")
    parser.add_argument(
        "--small", action="store_true", help="a tenth of every row count: a quick smoke run"
    )
    parser.add_argument("--dlt-child", help=argparse.SUPPRESS)
    parser.add_argument("--dlt-table", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dlt_child:
        dlt_child(args.dlt_child, args.dlt_table)
        return 0
    if args.repeat < 1 or args.dlt_rows < 1000:
        parser.error("--repeat must be at least 1 and --dlt-rows at least 1000")

    if args.small:
        global MEMORY_SIZES, PARTITION_ROWS
        MEMORY_SIZES = tuple(n // 10 for n in MEMORY_SIZES)
        PARTITION_ROWS //= 10
        args.dlt_rows //= 10
    started = time.perf_counter()
    dlt_missing = None if args.skip_dlt else dlt_available()
    if dlt_missing:
        print(
            f"dlt is not usable ({dlt_missing}): part 3 is left out. "
            "Install it with: .venv/bin/pip install 'dlt[postgres,sql_database]' "
            "(or make install, which installs the bench extra)"
        )
    with_dlt = not args.skip_dlt and dlt_missing is None
    print("Ductwork scale benchmark: worker memory, partitioned extract, dlt")
    print(
        f"PostgreSQL {PG_HOST}:{PG_PORT}, {SRC_DB} → {DST_DB}; {os.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average {load_average()}"
    )
    sizes = {*MEMORY_SIZES, PARTITION_ROWS, *([args.dlt_rows] if with_dlt else [])}
    await recreate_database(SRC_DB)
    await recreate_database(DST_DB)
    try:
        for rows in sorted(sizes):
            t0 = time.perf_counter()
            size = await fill_table(table_name(rows), rows)
            print(
                f"source {table_name(rows)}: {rows:,} rows, {size}, "
                f"generated in {time.perf_counter() - t0:.1f} s"
            )
        postmaster = await postmaster_process()
        with tempfile.TemporaryDirectory(prefix="ductwork-scale-") as tmp:
            async with stack(Path(tmp)) as st:
                meter = CpuMeter(
                    postmaster, st.temporal, {SRC_DB: "PG source", DST_DB: "PG target"}
                )
                src = await create_connection(st.api, SRC_DB, "scale-src")
                dst = await create_connection(st.api, DST_DB, "scale-dst")

                async def pipeline(name: str, table: str, target: str, **source: Any) -> str:
                    definition = {
                        "sources": {
                            "src": {"connection": src, "table": f"public.{table}", **source}
                        },
                        "sinks": {
                            "out": {
                                "connection": dst,
                                "table": f"public.{target}",
                                "mode": "replace",
                            }
                        },
                    }
                    return await create_pipeline(st.api, name, definition)

                await wait_quiet(args.quiet_wait)
                memory = await part_memory(st, meter, pipeline, args.repeat)
                await wait_quiet(args.quiet_wait)
                partition = await part_partitions(st, meter, pipeline, args.repeat)
                dlt_part = None
                if with_dlt:
                    await wait_quiet(args.quiet_wait)
                    dlt_part = await part_dlt(st, meter, pipeline, args.dlt_rows, args.repeat)
        report(memory, partition, dlt_part, time.perf_counter() - started)
    finally:
        if args.keep:
            print(f"\nkept databases {SRC_DB} and {DST_DB}")
        else:
            await drop_database(SRC_DB)
            await drop_database(DST_DB)
    return 0


# --- part 1: memory ----------------------------------------------------------------------------


@dataclass
class MemoryResult:
    rows: int
    pipe: Measured
    service: Measured
    idle_peak_mb: float
    run_peak_mb: float
    rss_after_mb: float


async def part_memory(st: Stack, meter: CpuMeter, pipeline: Any, repeat: int) -> list[MemoryResult]:
    print(
        f"\n1. worker memory: replace runs, a fresh worker process for each size, {repeat} "
        f"runs each (load {load_average()})"
    )
    results = []
    for rows in MEMORY_SIZES:
        table = table_name(rows)
        target = f"svc_{table}"
        pipeline_id = await pipeline(f"scale-memory-{table}", table, target)
        pipe = Measured("baseline: psql binary pipe", rows)
        service = Measured(f"service: replace, {short(rows)}", rows)
        worker = await start_worker(st, f"mem-{table}")
        try:
            idle = worker.peak_mb()
            for _ in range(repeat):
                pipe.runs.append(await pipe_baseline(table, rows))
                await measured_run(st, pipeline_id, target, rows, meter, [worker], service)
                print(
                    f"  {rows:>9,} rows: pipe {pipe.runs[-1].seconds:.2f} s, service "
                    f"{service.runs[-1].seconds:.2f} s; worker VmHWM {worker.peak_mb():.0f} MB "
                    f"(load {load_average()})"
                )
            peak, rss = worker.peak_mb(), worker.rss_mb()
        finally:
            await worker.stop()
        await drop_target(target)
        results.append(MemoryResult(rows, pipe, service, idle, peak, rss))
    return results


# --- part 2: partitions ------------------------------------------------------------------------


@dataclass
class PartitionResult:
    rows: int
    pipe: Measured
    whole: Measured
    one: Measured
    two: Measured


async def part_partitions(
    st: Stack, meter: CpuMeter, pipeline: Any, repeat: int
) -> PartitionResult:
    rows = PARTITION_ROWS
    table = table_name(rows)
    print(
        f"\n2. partitioned extract, {rows:,} rows, partitions {PARTITIONS} split_by id "
        f"(load {load_average()})"
    )
    whole_id = await pipeline(f"scale-whole-{table}", table, f"svc_{table}_whole")
    part_id = await pipeline(
        f"scale-part-{table}", table, f"svc_{table}_part", partitions=PARTITIONS, split_by="id"
    )
    result = PartitionResult(
        rows,
        Measured("baseline: psql binary pipe", rows),
        Measured("service: unpartitioned, 1 worker", rows),
        Measured(f"service: {PARTITIONS} partitions, 1 worker", rows),
        Measured(f"service: {PARTITIONS} partitions, 2 workers", rows),
    )
    first = await start_worker(st, "A")
    try:
        for round_no in range(1, repeat + 1):
            result.pipe.runs.append(await pipe_baseline(table, rows))
            await measured_run(
                st, whole_id, f"svc_{table}_whole", rows, meter, [first], result.whole
            )
            await measured_run(st, part_id, f"svc_{table}_part", rows, meter, [first], result.one)
            second = await start_worker(st, "B")
            try:
                await measured_run(
                    st, part_id, f"svc_{table}_part", rows, meter, [first, second], result.two
                )
            finally:
                await second.stop()
            done = (result.pipe, result.whole, result.one, result.two)
            times = ", ".join(f"{m.runs[-1].seconds:.2f}" for m in done)
            print(
                f"  round {round_no}: pipe, unpartitioned, 1 worker, 2 workers: {times} s "
                f"(load {load_average()})"
            )
    finally:
        await first.stop()
    await drop_target(f"svc_{table}_whole")
    await drop_target(f"svc_{table}_part")
    return result


# --- part 3: dlt -------------------------------------------------------------------------------


@dataclass
class DltPart:
    rows: int
    pipe: Measured
    service: Measured
    dlt: list[DltResult]


async def part_dlt(st: Stack, meter: CpuMeter, pipeline: Any, rows: int, repeat: int) -> DltPart:
    table = table_name(rows)
    print(f"\n3. dlt sql_database → postgres, {rows:,} rows (load {load_average()})")
    target = f"svc_{table}"
    pipeline_id = await pipeline(f"scale-dlt-{table}", table, target)
    part = DltPart(
        rows,
        Measured("baseline: psql binary pipe", rows),
        Measured("service: replace", rows, note="API call to finished run"),
        [],
    )
    worker = await start_worker(st, "A")
    try:
        for _ in range(repeat):
            part.pipe.runs.append(await pipe_baseline(table, rows))
            await measured_run(st, pipeline_id, target, rows, meter, [worker], part.service)
    finally:
        await worker.stop()
    await drop_target(target)
    for backend in DLT_BACKENDS:
        result = await run_dlt(backend, table, rows, meter, st.log_dir)
        part.dlt.append(result)
        print(
            f"  dlt {backend}: {result.seconds:.2f} s (extract {result.extract:.2f}, normalize "
            f"{result.normalize:.2f}, load {result.load:.2f}; {'/'.join(result.formats)})"
        )
    return part


# --- the report --------------------------------------------------------------------------------


def report(
    memory: list[MemoryResult],
    part: PartitionResult,
    dlt_part: DltPart | None,
    total_seconds: float,
) -> None:
    print("\n" + "=" * 100)
    print("1. Peak resident memory of the worker process (VmHWM), replace runs")
    header()
    for m in memory:
        base = m.pipe.best
        print_row(
            f"baseline: psql binary pipe, {short(m.rows)}",
            m.rows,
            base,
            m.pipe.median,
            base,
            "",
        )
        i = m.service.best_index
        print_row(
            f"service: replace, {short(m.rows)}",
            m.rows,
            m.service.best,
            m.service.median,
            base,
            f"worker peak {m.run_peak_mb:.0f} MB (idle {m.idle_peak_mb:.0f} MB), "
            f"worker CPU {workers_cpu(m.service.cpu[i]):.2f} s",
        )
    small, large = memory[0], memory[-1]
    growth = large.run_peak_mb / small.run_peak_mb - 1
    worst = max(m.run_peak_mb for m in memory)
    ok = worst <= MEMORY_BAR_MB and growth < MEMORY_GROWTH_BAR
    print(
        "idle: the fresh worker's VmHWM once it polls the task queue (the baseline); peak: its "
        f"VmHWM after all {len(small.service.runs)} runs."
    )
    print(
        f"peak {worst:.0f} MB (bar {MEMORY_BAR_MB} MB); {small.rows:,} → {large.rows:,} rows: "
        f"{growth:+.1%} (bar < {MEMORY_GROWTH_BAR:.0%}); above idle: "
        + ", ".join(f"{m.run_peak_mb - m.idle_peak_mb:+.0f} MB" for m in memory)
        + f" → {'meets' if ok else 'MISSES'} the bar"
    )
    for m in memory:
        i = m.service.best_index
        print(
            f"  {short(m.rows)}, fastest service run: {cpu_line(m.service.cpu[i], m.service.best)}"
        )
        print(f"    {steps_line(m.service.runs[i])}")
    caution([m.service for m in memory])
    print(
        "CPU s: CPU seconds during the run of each worker process; PostgreSQL's backends on the "
        "source and target\ndatabases, its background processes, and backend CPU after the last "
        "25 ms sample (unsampled); the Temporal\ndev server; this process (API, Temporal client, "
        "status polls). 'not ours': other databases' backends and\nevery other process (the "
        "machine may be shared)."
    )

    print("\n" + "=" * 100)
    print(
        f"2. Partitioned extract, {part.rows:,} rows, partitions: {PARTITIONS}, split_by: id "
        f"({len(part.pipe.runs)} rounds)"
    )
    header()
    base = part.pipe.best
    print_row(part.pipe.label, part.rows, part.pipe.best, part.pipe.median, base, "")
    for m in (part.whole, part.one, part.two):
        who = m.extracts_by_worker[m.best_index]
        spread = ", ".join(f"{k}: {v}" for k, v in sorted(who.items()))
        print_row(m.label, m.rows, m.best, m.median, base, f"extract steps run by {spread}")
    speedup = part.one.best / part.two.best
    print(
        f"speed-up, 2 worker processes vs 1: {speedup:.2f}x fastest "
        f"({part.one.median / part.two.median:.2f}x median); "
        f"{PARTITIONS} partitions vs unpartitioned, 1 worker: "
        f"{part.whole.best / part.one.best:.2f}x"
    )
    for m in (part.whole, part.one, part.two):
        i = m.best_index
        print(f"  {m.label}, fastest: {cpu_line(m.cpu[i], m.runs[i].seconds)}")
        print(f"    {steps_line(m.runs[i])}")
    print(explain_partitions(part))
    caution([part.whole, part.one, part.two])

    if dlt_part is not None:
        print("\n" + "=" * 100)
        d = dlt_part
        default = d.dlt[0]
        print(
            f"3. dlt {default.version} sql_database → postgres, full load (replace), "
            f"{d.rows:,} rows (a smaller N: dlt's default backend moves ~10,000 rows/s here)"
        )
        header()
        base = d.pipe.best
        print_row(d.pipe.label, d.rows, d.pipe.best, d.pipe.median, base, "")
        i = d.service.best_index
        ratio = d.service.rate / (d.rows / default.seconds)
        print_row(
            "Ductwork: replace",
            d.rows,
            d.service.best,
            d.service.median,
            base,
            f"{ratio:.1f}x dlt default; worker CPU {workers_cpu(d.service.cpu[i]):.2f} s, "
            f"PostgreSQL {pg_cpu(d.service.cpu[i]):.2f} s",
        )
        for r in d.dlt:
            label = f"dlt: {r.backend} backend" + (" (default)" if r is default else "")
            print_row(
                label,
                r.rows,
                r.seconds,
                None,
                base,
                f"extract {r.extract:.1f} + normalize {r.normalize:.1f} + load {r.load:.1f} s, "
                f"{'/'.join(r.formats)}; dlt CPU {r.cpu:.1f} s, PostgreSQL {r.postgres_cpu:.1f} s, "
                f"peak {r.peak_rss_mb:.0f} MB",
            )
        print(f"  Ductwork, fastest: {steps_line(d.service.runs[i])}")
        caution([d.service])
        fastest = min(d.dlt, key=lambda r: r.seconds)
        print(
            "dlt: pipeline.extract + normalize + load, timed inside a process of its own "
            "(interpreter start and imports\nnot counted), one run per backend; Ductwork: API "
            "call to finished run; PostgreSQL: CPU of the source and target backends."
        )
        print(
            f"Ductwork ÷ dlt default backend: {ratio:.1f}x "
            f"({'meets' if ratio >= DLT_BAR else 'BELOW'} the {DLT_BAR:.0f}x bar); ÷ dlt's "
            f"fastest ({fastest.backend}): {d.service.rate / (d.rows / fastest.seconds):.1f}x"
        )
    print(f"\nwhole benchmark: {total_seconds:.0f} s; load average at the end {load_average()}")


def others_cores(m: Measured) -> float:
    """Cores that other work on the machine took during the fastest run of ``m``."""
    i = m.best_index
    return sum(v for k, v in m.cpu[i].items() if k.startswith(OTHERS)) / m.runs[i].seconds


def caution(paths: list[Measured]) -> None:
    noisy = [(m.label, others_cores(m)) for m in paths if others_cores(m) > 0.2]
    if noisy:
        print(
            "CAUTION: other work on the machine took "
            + ", ".join(f"{v:.2f} cores during '{k}'" for k, v in noisy)
            + "; those times carry that noise."
        )


def explain_partitions(part: PartitionResult) -> str:
    """Two lines on what bounds the 2-worker speed-up, from the measured CPU."""
    cores = os.cpu_count() or 1
    iw, i1, i2 = part.whole.best_index, part.one.best_index, part.two.best_index
    cpuw, cpu1, cpu2 = part.whole.cpu[iw], part.one.cpu[i1], part.two.cpu[i2]
    wallw, wall1, wall2 = (
        part.whole.runs[iw].seconds,
        part.one.runs[i1].seconds,
        part.two.runs[i2].seconds,
    )
    busyw, busy1, busy2 = ours(cpuw) / wallw, ours(cpu1) / wall1, ours(cpu2) / wall2
    machine1 = sum(cpu1.values()) / wall1
    worker1 = workers_cpu(cpu1) / wall1
    pg1 = pg_cpu(cpu1) / wall1
    read1, write1 = cpu1["PG source"] / wall1, cpu1["PG target"] / wall1
    lines = [
        f"why {wall1 / wall2:.2f}x: one worker already runs the {PARTITIONS} ranges at once (up "
        f"to 32 activities per process), and it used {worker1:.2f} of a core. This benchmark "
        f"kept {busy1:.2f} of {cores} cores busy ({busy2:.2f} with 2 workers, {busyw:.2f} "
        f"unpartitioned; the machine {machine1:.2f}),\nPostgreSQL {pg1:.2f} of them (source "
        f"backends {read1:.2f}, target backends {write1:.2f})."
    ]
    splits = [
        ", ".join(f"{k} {v}" for k, v in sorted(c.items())) for c in part.two.extracts_by_worker
    ]
    lines.append(
        f"  With 2 workers Temporal handed out the ranges as: {'; '.join(splits)} (per run). A "
        "worker takes activity tasks\n  while it has free slots (32), so nothing spreads the "
        "ranges evenly over the processes."
    )
    if machine1 >= 0.85 * cores and pg1 >= worker1:
        lines.append(
            f"  The {cores} cores are the bound, most of them spent by PostgreSQL encoding and "
            "decoding COPY rows; a second worker\n  process only adds Python CPU, which was not "
            "short. Workers on other machines add throughput only while the\n  database servers "
            "have cores to spare."
        )
    elif worker1 >= 0.85:
        lines.append(
            "  One worker process (one event loop) was the bound; a second one on free cores "
            "relieves it."
        )
    else:
        lines.append(
            "  Neither the cores nor the worker's event loop were saturated: waits (I/O, locks, "
            "orchestration) bound the run."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
