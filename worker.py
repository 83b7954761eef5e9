"""The Ductwork worker: runs workflows and activities from the task queue until stopped."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.preload import preload
from activities.registry import build_activities
from activities.runtime import ActivityDeps
from core import telemetry, temporal
from core.logging import configure_logging, get_logger
from core.secrets import Cipher
from core.settings import Settings, get_settings
from store.db import Database
from workflows.registry import WORKFLOWS

log = get_logger("ductwork.worker")


def build_worker(
    client: Client,
    settings: Settings,
    db: Database,
    task_queue: str,
    deps: ActivityDeps | None = None,
) -> Worker:
    """The worker of a task queue; ``deps``: the activities' own (tests set hooks on them)."""
    deps = deps or ActivityDeps(db, Cipher.from_settings(settings), settings)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=build_activities(deps),
        max_concurrent_activities=32,
        # Heartbeats carry cancellation: sent at least this often, a cancel reaches a
        # running step within about a second instead of 0.8 x its heartbeat timeout.
        max_heartbeat_throttle_interval=timedelta(seconds=1),
    )


async def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    # Beside the start, not before it: the worker polls meanwhile (see activities.preload).
    preloading = asyncio.create_task(asyncio.to_thread(preload))
    telemetry.configure_tracing(settings.telemetry, "worker")
    client = await temporal.connect(settings)
    await temporal.ensure_search_attributes(client)
    db = Database(settings.store_url)
    deps = ActivityDeps(db, Cipher.from_settings(settings), settings)
    worker = build_worker(client, settings, db, settings.temporal.task_queue, deps)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", task_queue=settings.temporal.task_queue)
    async with worker:
        await stop.wait()
        log.info("worker stopping")
    await preloading
    await deps.kept.close()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
