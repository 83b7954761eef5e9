"""An activity's step records, written to the store in the order they were made.

One writer per activity writes them in the background: whatever queues up while a write is
under way, or while the writer lingers before it (``LINGER_SECONDS``), goes into the next
one, in one transaction. A step that ends where the next one starts (a fused extract and load)
costs one write, not two; a short activity's steps, started and ended within the linger, one
write in all. The activity waits only for its last record (``settled``), which ends the
linger. Each record keeps the time its state was reached, so a record written a little later
still shows the step's own start and end.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from store import runs as run_store
from store.db import Database
from store.models import RunLog, utcnow

LINGER_SECONDS = 0.1
"""How long a record waits for the ones that follow it before it is written: a running step
shows in the store at most this late (with its own start time)."""


@dataclass
class StepRecord:
    """A step's state as of ``at``, and the log lines written with it."""

    execution_id: str
    name: str
    kind: str
    status: str
    attempt: int
    rows: int
    bytes: int
    error: str | None = None
    lines: list[RunLog] = field(default_factory=list)
    at: datetime = field(default_factory=utcnow)


class StepRecords:
    """The writer of one activity's step records."""

    def __init__(self, db: Database, linger: float = LINGER_SECONDS) -> None:
        self.db = db
        self.linger = linger
        self._queued: list[StepRecord] = []
        self._writer: asyncio.Task[None] | None = None
        self._due = asyncio.Event()  # set by ``settled``: no more lingering

    def save(self, record: StepRecord) -> None:
        """Queue ``record``; it is written with whatever else is queued when its turn comes."""
        self._queued.append(record)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def settled(self) -> None:
        """Until every record saved so far is written. A write that failed is tried once more
        with what queued behind it; a second failure is raised."""
        self._due.set()
        for last_try in (False, True):
            if self._writer is not None:
                try:
                    await asyncio.shield(self._writer)
                except Exception:
                    if last_try:
                        raise
            if not self._queued:
                return
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        if not self._due.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.linger):
                    await self._due.wait()
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                await self._commit(batch)
            except BaseException:
                self._queued[:0] = batch  # kept for the next write, in their order
                raise

    async def _commit(self, batch: list[StepRecord]) -> None:
        async with self.db.session() as session:
            await run_store.insert_logs(session, [line for r in batch for line in r.lines])
            for record in batch:
                await run_store.write_step(
                    session,
                    record.execution_id,
                    record.name,
                    kind=record.kind,
                    status=record.status,
                    attempt=record.attempt,
                    rows=record.rows,
                    bytes_=record.bytes,
                    error=record.error,
                    at=record.at,
                )
            await session.commit()
