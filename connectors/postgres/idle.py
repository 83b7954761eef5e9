"""PostgreSQL connections kept open between the activities of a worker, to be used again.

Opening a connection costs an authentication round trip and a backend's start, and a fresh
backend reads its catalog for its first statements: a few milliseconds on each side of every
copy, which is much of a small run. A connection given back in good order (its transaction
settled) is reset, as a new one would be (session settings, temporary objects, cursors,
listeners, advisory locks), and kept for the next caller with the same key.

The key is the caller's, and must hold everything that decides who may use the connection:
the tenant, and the resolved settings (address, database, user, password), so a connection
that was edited never hands out one opened with its old settings. Few are kept (per key and
in all), and none longer than ``idle_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Coroutine, Hashable
from typing import Any

import asyncpg

from connectors.postgres.client import connect
from connectors.postgres.config import PostgresConfig

RESET = "RESET ALL; DISCARD TEMP; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()"
RESET_TIMEOUT_SECONDS = 5.0


class IdleConnections:
    """Connections kept open by key, for one process (each event loop its own)."""

    def __init__(self, *, per_key: int = 2, total: int = 8, idle_seconds: float = 30.0) -> None:
        self.per_key = per_key
        self.total = total
        self.idle_seconds = idle_seconds
        self._idle: OrderedDict[tuple[asyncio.AbstractEventLoop, Hashable], deque] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    async def take(self, key: Hashable, config: PostgresConfig) -> asyncpg.Connection:
        """A kept connection of ``key``, else a new one to ``config``."""
        kept = self._idle.get((asyncio.get_running_loop(), key))
        now = time.monotonic()
        while kept:
            conn, since = kept.popleft()
            if now - since <= self.idle_seconds and not conn.is_closed():
                return conn
            self._background(_close(conn))
        return await connect(config)

    def give_back(self, key: Hashable, conn: asyncpg.Connection) -> None:
        """Keep ``conn`` for ``key`` once it is reset; one left inside a transaction, closed or
        failing its reset is closed instead."""
        if conn.is_closed() or conn.is_in_transaction():
            self._background(_close(conn))
            return
        self._background(self._keep((asyncio.get_running_loop(), key), conn))

    def count(self) -> int:
        """How many connections are kept (all keys, all loops)."""
        return sum(len(kept) for kept in self._idle.values())

    async def close(self) -> None:
        """Close every kept connection of this loop (when the worker stops)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(t for t in self._tasks if t.get_loop() is loop))
        for slot in [s for s in self._idle if s[0] is loop]:
            kept = self._idle.pop(slot)
            await asyncio.gather(*(_close(conn) for conn, _ in kept))

    async def _keep(
        self, slot: tuple[asyncio.AbstractEventLoop, Hashable], conn: asyncpg.Connection
    ) -> None:
        try:
            await conn.execute(RESET, timeout=RESET_TIMEOUT_SECONDS)
        except Exception:
            await _close(conn)
            return
        kept = self._idle.setdefault(slot, deque())
        self._idle.move_to_end(slot)
        kept.append((conn, time.monotonic()))
        while len(kept) > self.per_key:
            await _close(kept.popleft()[0])
        while self.count() > self.total:
            oldest = next(s for s in self._idle if self._idle[s])
            await _close(self._idle[oldest].popleft()[0])
        for empty in [s for s, k in self._idle.items() if not k]:
            del self._idle[empty]

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _close(conn: asyncpg.Connection) -> None:
    """Close without waiting long; a connection that cannot say goodbye is dropped."""
    with contextlib.suppress(Exception):
        await conn.close(timeout=5)
