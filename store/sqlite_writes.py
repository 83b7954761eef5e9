"""One write transaction at a time per process on the SQLite store, handed over in turn.

SQLite admits one writer at a time. A writer that finds the file locked sleeps in SQLite's
busy handler (1, 2, 5, … up to 100 ms between tries) however soon the lock is free again, so
under many concurrent writes (50 runs started at once, their bookkeeping) the waits, not the
writes, take the time. Here a process's writers queue instead: the first statement that
writes takes the process's turn, and the transaction's commit or rollback (or the
connection's close) hands it to the next writer at once. Between processes (the API and the
workers) SQLite's lock and busy timeout still decide. Reads never wait for a turn (WAL lets
them read while another connection writes).

The dialect is ``sqlite+aiosqlite`` with that turn added (``store.db.create_engine`` uses it
for every SQLite URL): ``SQLiteDialect_aiosqlite``'s statement, commit, rollback and close
hooks, each also taking or handing over the turn.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.util import await_only

DRIVER = "aiosqlite_turns"
"""The driver name of the dialect (``sqlite+aiosqlite_turns://``), registered on import."""
BUSY_TIMEOUT_SECONDS = 30.0
"""How long a writer waits for the file (SQLite's busy timeout) or for its turn."""
READS = ("SELECT", "PRAGMA", "EXPLAIN")
"""Statements that take no write lock (pysqlite opens no transaction for them either)."""


class WriteTurns:
    """The turn of each event loop's writers (one per loop: a lock belongs to its loop)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # as long as SQLite's busy timeout: then "database is locked"
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._holders: dict[asyncio.Lock, Any] = {}

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def take(self, connection: Any) -> None:
        """The turn for ``connection`` (a no-op when it has it already)."""
        lock = self._lock()
        if self._holders.get(lock) is connection:
            return
        try:
            # Not wait_for: its inner task can take the lock and still raise when cancelled.
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._holders[lock] = connection

    def waiting(self) -> int:
        """How many writers of this loop wait for the turn."""
        waiters = self._lock()._waiters  # asyncio.Lock keeps them there
        return len(waiters) if waiters else 0

    def hand_over(self, connection: Any) -> None:
        """End ``connection``'s turn, if it has one."""
        for lock, holder in list(self._holders.items()):
            if holder is connection:
                del self._holders[lock]
                lock.release()


def writes(statement: str) -> bool:
    return not statement.lstrip().upper().startswith(READS)


def _raw(connection: Any) -> Any:
    """The driver-level connection under SQLAlchemy's pool proxy (or itself)."""
    return getattr(connection, "dbapi_connection", None) or connection


class SQLiteTurnsDialect(SQLiteDialect_aiosqlite):
    """``sqlite+aiosqlite`` whose writers take turns (``WriteTurns``)."""

    supports_statement_cache = True  # what it compiles is its parent's

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.turns = WriteTurns(BUSY_TIMEOUT_SECONDS)  # each engine's own

    def _before(self, statement: str, context: Any) -> Any:
        if context is None or not writes(statement):
            return None
        connection = _raw(context.root_connection.connection)
        await_only(self.turns.take(connection))
        return connection

    def _after(self, connection: Any) -> None:
        # A write outside a transaction (autocommit) is over once it has run.
        if connection is not None and not connection.driver_connection.in_transaction:
            self.turns.hand_over(connection)

    def do_execute(self, cursor, statement, parameters, context=None):  # type: ignore[no-untyped-def]
        connection = self._before(statement, context)
        try:
            super().do_execute(cursor, statement, parameters, context)
        finally:
            self._after(connection)

    def do_executemany(self, cursor, statement, parameters, context=None):  # type: ignore[no-untyped-def]
        connection = self._before(statement, context)
        try:
            super().do_executemany(cursor, statement, parameters, context)
        finally:
            self._after(connection)

    def do_execute_no_params(self, cursor, statement, context=None):  # type: ignore[no-untyped-def]
        connection = self._before(statement, context)
        try:
            super().do_execute_no_params(cursor, statement, context)
        finally:
            self._after(connection)

    def do_commit(self, dbapi_connection):  # type: ignore[no-untyped-def]
        try:
            super().do_commit(dbapi_connection)
        finally:
            self.turns.hand_over(_raw(dbapi_connection))

    def do_rollback(self, dbapi_connection):  # type: ignore[no-untyped-def]
        try:
            super().do_rollback(dbapi_connection)
        finally:
            self.turns.hand_over(_raw(dbapi_connection))

    def do_close(self, dbapi_connection):  # type: ignore[no-untyped-def]
        try:
            super().do_close(dbapi_connection)
        finally:
            self.turns.hand_over(_raw(dbapi_connection))

    def do_terminate(self, dbapi_connection):  # type: ignore[no-untyped-def]
        # A statement cancelled mid-way (its task cancelled) ends its connection this way.
        try:
            super().do_terminate(dbapi_connection)
        finally:
            self.turns.hand_over(_raw(dbapi_connection))


registry.register(f"sqlite.{DRIVER}", __name__, SQLiteTurnsDialect.__name__)
