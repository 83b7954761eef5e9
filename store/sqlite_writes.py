"""One write transaction at a time on the SQLite store, handed over in turn, within a process
and between the processes (the API and the workers) that share the file.

SQLite admits one writer at a time. A writer that finds the file locked sleeps in SQLite's
busy handler (1, 2, 5, … up to 100 ms between tries) however soon the lock is free again, so
under many concurrent writes (50 runs started at once, their bookkeeping) the waits, not the
writes, take the time. Here writers queue instead, in two steps:

- within a process, the first statement that writes takes the event loop's turn (an
  ``asyncio.Lock``); the transaction's commit or rollback (or the connection's close) hands it
  to the next writer at once;
- between processes, the holder of a loop's turn also takes an exclusive ``flock`` on a file
  beside the database (``<database>.write-turn``), released at the same moment. The kernel
  wakes the next process's waiter as soon as it is released, where SQLite's busy handler would
  have slept on. A process that does not take part (a shell, a migration) is still kept out
  by SQLite's own lock and busy timeout, which stay as they were.

Reads never wait for a turn (WAL lets them read while another connection writes).

The dialect is ``sqlite+aiosqlite`` with that turn added (``store.db.create_engine`` uses it
for every SQLite URL): ``SQLiteDialect_aiosqlite``'s statement, commit, rollback and close
hooks, each also taking or handing over the turn.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import os
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


_FILE_WAITS = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="sqlite-turn")
"""Threads that wait for another process's turn to end (a blocking ``flock``): at most one
per event loop at a time, since only the holder of its loop's turn waits."""


class FileTurn:
    """The turn among processes: an exclusive ``flock`` on a file beside the database, through
    a descriptor of its own (locks of one open file do not exclude each other)."""

    def __init__(self, path: str) -> None:
        # Read-only is enough for a lock: a process of another user may share the file.
        self._fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)

    async def take(self) -> None:
        """The turn, waiting for it without polling; on cancellation (a timeout), a wait that
        succeeds later gives the turn straight back."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return  # free: the common case costs no thread
        except BlockingIOError:
            pass
        waited = _FILE_WAITS.submit(fcntl.flock, self._fd, fcntl.LOCK_EX)
        try:
            await asyncio.wrap_future(waited)
        except asyncio.CancelledError:
            waited.add_done_callback(self._give_back)
            raise

    def _give_back(self, waited: concurrent.futures.Future[None]) -> None:
        if not waited.cancelled() and waited.exception() is None:
            self.release()

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)  # closing the descriptor also drops its lock


class WriteTurns:
    """The turn of each event loop's writers (one per loop: a lock belongs to its loop), and
    with it the turn among processes when the database is a file (``use_file``)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # as long as SQLite's busy timeout: then "database is locked"
        self._path: str | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._files: weakref.WeakKeyDictionary[asyncio.Lock, FileTurn] = weakref.WeakKeyDictionary()
        self._holders: dict[asyncio.Lock, Any] = {}

    def use_file(self, database: str) -> None:
        """Take turns with the other processes on ``database`` too (a file's path)."""
        self._path = f"{database}.write-turn"

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
            if self._path is not None:
                try:
                    turn = self._files[lock] = FileTurn(self._path)
                except OSError:  # no lock file here: SQLite's own lock still keeps writes apart
                    self._path = None
                else:
                    weakref.finalize(lock, turn.close)
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
                try:
                    file_turn = self._files.get(lock)
                    if file_turn is not None:
                        await file_turn.take()
                except BaseException:
                    lock.release()
                    raise
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
                file_turn = self._files.get(lock)
                if file_turn is not None:
                    file_turn.release()
                lock.release()


def writes(statement: str) -> bool:
    return not statement.lstrip().upper().startswith(READS)


def _raw(connection: Any) -> Any:
    """The driver-level connection under SQLAlchemy's pool proxy (or itself)."""
    return getattr(connection, "dbapi_connection", None) or connection


def _in_transaction(connection: Any) -> bool:
    """Whether ``connection`` (aiosqlite's, under SQLAlchemy's adapter) has a transaction
    open; True when it cannot tell."""
    try:
        return bool(connection.driver_connection.in_transaction)
    except Exception:  # closed, or not aiosqlite's
        return True


class SQLiteTurnsDialect(SQLiteDialect_aiosqlite):
    """``sqlite+aiosqlite`` whose writers take turns (``WriteTurns``)."""

    supports_statement_cache = True  # what it compiles is its parent's

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.turns = WriteTurns(BUSY_TIMEOUT_SECONDS)  # each engine's own

    def create_connect_args(self, url: Any) -> Any:
        # Called once, with the engine's URL: a database in a file is shared by processes.
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            self.turns.use_file(url.database)
        return super().create_connect_args(url)

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
        # The pool rolls back every connection it takes back: with no transaction open (one
        # committed, or only reads) there is nothing to undo, and no trip to aiosqlite's thread.
        try:
            if _in_transaction(_raw(dbapi_connection)):
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
