"""Async engine and sessions for the metadata store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, event, inspect, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.base import Executable
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from store import sqlite_writes

T = TypeVar("T")

READ_NOW = "ductwork.read_now"
"""The key, in the ``info`` of a SQLite store's sessions, of its in-thread reader (``read_now``)."""
READ_NOW_BUSY_SECONDS = 0.05
"""How long an in-thread read waits for a busy file before it reads through aiosqlite instead."""


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        # Writers of this process take turns (store.sqlite_writes) instead of polling the lock.
        turns = make_url(url).set(drivername=f"sqlite+{sqlite_writes.DRIVER}")
        engine = create_async_engine(
            turns, echo=echo, connect_args={"timeout": sqlite_writes.BUSY_TIMEOUT_SECONDS}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while the worker writes; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit (~10 ms each on a busy disk):
    # a commit survives the process being killed; only a crash of the machine itself may lose
    # the last ones, never corrupt the file. Temporal holds each run's truth meanwhile.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(sqlite_writes.BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _in_thread_reader(url: str) -> tuple[Engine, sessionmaker[Session]] | None:
    """On SQLite, a read-only engine whose statements run in the calling thread (``read_now``)."""
    if not url.startswith("sqlite"):
        return None
    plain = make_url(url).set(drivername="sqlite")
    engine = create_sync_engine(
        plain, connect_args={"timeout": READ_NOW_BUSY_SECONDS, "check_same_thread": False}
    )
    event.listen(engine, "connect", _read_only)
    return engine, sessionmaker(engine, class_=Session, expire_on_commit=False)


def _read_only(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def read_now(
    session: AsyncSession, statement: Executable, params: dict[str, Any]
) -> list[tuple[Any, ...]] | None:
    """The rows of a read-only ``statement``, read in the calling thread (the event loop's) on
    a SQLite store: a read there takes tens of microseconds, less than the hop to aiosqlite's
    thread and back for each step of it (about 0.8 ms of CPU for one status read). None on
    another store, once ``session`` has used its connection or holds changes (the read must
    see what it wrote), or when the file stays busy (a checkpoint): read through ``session``
    then. The rows' objects belong to no session (``get_now`` puts one in)."""
    reader = session.info.get(READ_NOW)
    if reader is None or not _untouched(session):
        return None
    try:
        with reader() as quick:
            return [tuple(row) for row in quick.execute(statement, params)]
    except OperationalError:
        return None


async def read_rows(
    session: AsyncSession, statement: Executable, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a read-only ``statement``: in the caller's thread when it can be
    (``read_now``: its objects then belong to no session), else through ``session``."""
    quick = read_now(session, statement, params)
    if quick is not None:
        return quick
    return await session.run_sync(
        lambda sync: [tuple(row) for row in sync.execute(statement, params)]
    )


def _untouched(session: AsyncSession) -> bool:
    """Whether ``session`` has neither read nor written through its connection in its
    transaction, nor holds a change a query would flush: a transaction begun by ``merge``
    alone (``get_now``'s) has done nothing a read elsewhere would miss."""
    transaction = session.sync_session.get_transaction()
    if transaction is None:
        return True
    return not transaction.connections and not (session.new or session.dirty or session.deleted)


_GET_STATEMENTS: dict[type, Executable] = {}
"""``get_now``'s statement per model, built once."""


async def get_now(session: AsyncSession, model: type[T], ident: str) -> T | None:
    """``session.get(model, ident)``, read in the calling thread when it can be (``read_now``),
    the row then put in the session as if read there. A row the session holds is its own."""
    if identity_key(model, ident) not in session.identity_map:
        statement = _GET_STATEMENTS.get(model)
        if statement is None:
            (key,) = inspect(model).primary_key
            statement = _GET_STATEMENTS[model] = select(model).where(key == bindparam("ident"))
        rows = read_now(session, statement, {"ident": ident})
        if rows is not None:
            return await held(session, rows[0][0]) if rows else None
    return await session.get(model, ident)


async def held(session: AsyncSession, row: T) -> T:
    """``row`` as ``session``'s own: put in without a read (``merge``) when it was read
    elsewhere (``read_now``), so a change to it goes through ``session``."""
    return row if row in session else await session.merge(row, load=False)


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self._reader = _in_thread_reader(url)
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            info={READ_NOW: self._reader[1]} if self._reader else None,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._reader is not None:
            self._reader[0].dispose()
