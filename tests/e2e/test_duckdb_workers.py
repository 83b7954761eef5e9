"""Two worker processes on one DuckDB target file, then a SIGKILL in the middle of the load.

DuckDB lets one process at a time open a file read-write. The extract ranges of one run land
on both workers and take turns on the file (a step that finds it locked waits for it, see
connectors/duckdb/staging.py; with only 2 attempts per step a failing step would end the
run); then the worker holding the file for the load is killed, and after a new worker starts
the run finishes with exactly the source rows in the target."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.e2e.test_worker_crash import _api_on, _start_worker, _wait_step, _worker_env
from tests.pipelines import create_connection, create_pipeline, execute, wait_finished
from tests.sources import duckdb_file, file_body, register

pytestmark = pytest.mark.e2e

ROWS = 20_000


def _holds(pid: int, path: str) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux: its file descriptors)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            continue
    return False


async def test_two_workers_share_a_duckdb_file_and_a_killed_load_is_redone(
    settings, client, temporal_env, db, source, source_db, tmp_path
):
    queue = f"duck-{uuid.uuid4()}"
    duck_settings = settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
    )
    env = _worker_env(duck_settings, temporal_env.client.service_client.config.target_host)
    table = f"duck_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE {table} AS SELECT g AS id, timestamptz '2026-01-01 00:00:00+00' + "
        f"g * interval '1 second' AS created_at, round((g % 997)::numeric / 7, 2)::numeric(12, 2) "
        f"AS amount, 'note ' || g AS note FROM generate_series(1, {ROWS}) g"
    )
    lake = str(tmp_path / "lake.duckdb")
    # The load fills ``pad`` by a deliberately slow default: a window of a few seconds inside
    # the load's transaction to kill its worker in.
    duckdb_file(
        lake,
        "CREATE SCHEMA wh",
        "CREATE TABLE wh.events (id BIGINT, created_at TIMESTAMPTZ, amount DECIMAL(12,2), "
        "note VARCHAR, pad BIGINT DEFAULT (length(repeat('x', 20000 + CAST(random() AS INT)))))",
    )

    async with _api_on(duck_settings, client) as api:
        src = await create_connection(api, source_db, f"duck-src-{table}")
        dst = await register(api, file_body("duckdb", lake, f"duck-lake-{table}"))
        pipeline = await create_pipeline(
            api,
            f"duck-{table}",
            {
                "sources": {
                    "events": {
                        "connection": src,
                        # pg_sleep: each range holds the DuckDB file for a second or more
                        "query": f"SELECT t.* FROM {table} t, pg_sleep(1) s",
                        "partitions": 4,
                        "split_by": "id",
                    }
                },
                "sinks": {"wh": {"connection": dst, "table": "wh.events", "mode": "append"}},
                "orchestration": {"retries": 1},
            },
        )
        workers: list[subprocess.Popen[bytes]] = [_start_worker(env), _start_worker(env)]
        try:
            execution = await execute(api, pipeline)
            await _wait_step(api, execution, "load_wh", attempt=1)
            holder = None
            for _ in range(100):
                holder = next((w for w in workers if _holds(w.pid, lake)), None)
                if holder is not None:
                    break
                await asyncio.sleep(0.05)
            assert holder is not None, "no worker holds the DuckDB file during the load"
            await asyncio.sleep(0.5)
            holder.send_signal(signal.SIGKILL)
            workers.append(_start_worker(env))
            run = await wait_finished(api, execution, within=120)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
    assert run["status"] == "COMPLETED", run
    attempts = {t["name"]: t["attempt"] for t in run["tasks"]}
    assert attempts["load_wh"] == 2, attempts
    assert sorted(n for n in attempts if n.startswith("extract")) == [
        f"extract_events_p{i}" for i in range(1, 5)
    ]
    expected = await source.fetchrow(
        f"SELECT count(*), count(DISTINCT id), sum(id), sum(amount), sum(length(note)) FROM {table}"
    )
    with duckdb.connect(lake, read_only=True) as conn:
        got = conn.execute(
            "SELECT count(*), count(DISTINCT id), sum(id), sum(amount), sum(length(note)) "
            "FROM wh.events"
        ).fetchone()
    assert tuple(got) == tuple(expected)
    assert not list(Path(lake).parent.glob("*.wal"))
