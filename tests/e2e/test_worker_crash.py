"""A worker killed with SIGKILL mid-extract and mid-load: the run still ends exactly right."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from api.main import create_app
from core.settings import Settings
from tests import auth
from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    table_fingerprint,
    wait_finished,
)

pytestmark = pytest.mark.e2e


def _worker_env(settings: Settings, temporal_address: str) -> dict[str, str]:
    key = settings.security.encryption_key
    assert key is not None
    return {
        **os.environ,
        "DUCTWORK_DATA_DIR": str(settings.data_dir),
        "DUCTWORK_STORE__URL": settings.store_url,
        "DUCTWORK_SECURITY__ENCRYPTION_KEY": key.get_secret_value(),
        "DUCTWORK_TEMPORAL__ADDRESS": temporal_address,
        "DUCTWORK_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
        "DUCTWORK_DATA_PLANE__HEARTBEAT_SECONDS": "0.3",
        "DUCTWORK_DATA_PLANE__HEARTBEAT_TIMEOUT_SECONDS": "2",
        "DUCTWORK_LOG_LEVEL": "WARNING",
        "DUCTWORK_CONFINEMENT": settings.confinement.model_dump_json(),
    }


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "worker"], env=env)


@asynccontextmanager
async def _api_on(settings: Settings, client) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    app = create_app(settings, client=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        credentials = {"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ductwork.test", headers=credentials
        ) as api:
            yield api


async def _wait_step(
    api: httpx.AsyncClient, execution: str, task: str, attempt: int | None
) -> None:
    """Until ``task`` runs in ``attempt`` (None: in any)."""
    for _ in range(600):
        body = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
        for t in body["tasks"]:
            if t["name"] == task and t["status"] == "RUNNING" and attempt in (None, t["attempt"]):
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{task} attempt {attempt} never ran: {body}")


@pytest.mark.parametrize("straight", [True, False])
async def test_sigkilled_workers_lose_and_duplicate_nothing(
    settings, client, temporal_env, db, source, target, source_db, target_db, straight
):
    """``straight``: the target table has exactly the rows' columns, so the append copies into
    it as it extracts; otherwise (a wider column) its load step inserts the staged rows."""
    queue = f"crash-{uuid.uuid4()}"
    crash_settings = settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
    )
    address = temporal_env.client.service_client.config.target_host
    env = _worker_env(crash_settings, address)
    table = f"crash_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 200_000)
    await fill_mixed_table(target, table, 0)
    if not straight:
        await target.execute(f"ALTER TABLE {table} ALTER COLUMN amount TYPE numeric")
    await target.execute(
        f"INSERT INTO {table} SELECT * FROM (VALUES (-1)) v(id), LATERAL ("
        "SELECT now(), current_date, 1.5, 'already here', true, "
        "md5('x')::uuid, 0.5) r"
    )
    # Every load attempt pauses 2 s inside its transaction: a window to kill the worker in.
    await target.execute(
        f"""
        CREATE FUNCTION {table}_pause() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
        CREATE TRIGGER pause BEFORE INSERT ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION {table}_pause();
        """
    )
    expected = await source.fetchval(f"SELECT count(*) FROM {table}") + 1

    async with _api_on(crash_settings, client) as api:
        src = await create_connection(api, source_db, f"crash-src-{table}")
        dst = await create_connection(api, target_db, f"crash-dst-{table}")
        pipeline = await create_pipeline(
            api,
            f"crash-{table}",
            {
                "sources": {
                    # pg_sleep: the extract takes 2 s, a window to kill the worker in.
                    "rows": {
                        "connection": src,
                        "query": f"SELECT t.* FROM {table} t, pg_sleep(2) s",
                    }
                },
                "sinks": {"wh": {"connection": dst, "table": table, "mode": "append"}},
            },
        )
        workers = [_start_worker(env)]
        try:
            execution = await execute(api, pipeline)
            await _wait_step(api, execution, "extract_rows", attempt=1)
            await asyncio.sleep(0.5)
            workers[-1].send_signal(signal.SIGKILL)
            workers.append(_start_worker(env))
            # A plain copy's extract and load are one activity. Straight into the target, the
            # second kill comes in the next attempt's extract (its COPY paused by the trigger);
            # else in the load of the attempt after the one killed mid-extract.
            if straight:
                await _wait_step(api, execution, "extract_rows", attempt=2)
            else:
                await _wait_step(api, execution, "load_wh", attempt=None)
            await asyncio.sleep(0.5)
            workers[-1].send_signal(signal.SIGKILL)
            workers.append(_start_worker(env))
            run = await wait_finished(api, execution, within=90)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
    assert run["status"] == "COMPLETED", run
    attempts = {t["name"]: t["attempt"] for t in run["tasks"]}
    assert attempts["extract_rows"] >= (3 if straight else 2), attempts
    assert attempts["load_wh"] >= 2, attempts
    assert await target.fetchval(f"SELECT count(*) FROM {table}") == expected
    assert await target.fetchval(f"SELECT count(DISTINCT id) FROM {table}") == expected
    await target.execute(f"DELETE FROM {table} WHERE id = -1")
    assert await table_fingerprint(target, table) == await table_fingerprint(source, table)
