"""Writers of one process take turns on the SQLite store (store.sqlite_writes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from store import sqlite_writes
from store.db import Database


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    async with database.session() as session:
        await session.exec(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
        await session.commit()
    yield database
    await database.dispose()


async def values(db: Database) -> list[str]:
    async with db.session() as session:
        return list((await session.exec(text("SELECT v FROM t ORDER BY v"))).scalars())


async def test_the_store_engine_takes_turns_and_keeps_its_statement_cache(db: Database) -> None:
    dialect = db.engine.dialect
    assert isinstance(dialect, sqlite_writes.SQLiteTurnsDialect)
    assert dialect.supports_statement_cache


async def test_concurrent_writers_each_commit_or_roll_back_their_own(db: Database) -> None:
    async def write(index: int) -> None:
        async with db.session() as session:
            await session.exec(text("SELECT count(*) FROM t"))
            await session.exec(text("INSERT INTO t (v) VALUES (:v)"), params={"v": f"{index:02}"})
            if index % 5 == 0:
                await session.rollback()
            else:
                await session.commit()

    await asyncio.gather(*(write(i) for i in range(40)))
    assert await values(db) == [f"{i:02}" for i in range(40) if i % 5]


async def test_a_reader_does_not_wait_for_an_open_write(db: Database) -> None:
    async with db.session() as writer:
        await writer.exec(text("INSERT INTO t (v) VALUES ('pending')"))
        assert await values(db) == []  # another session reads while the write is open
        await writer.commit()
    assert await values(db) == ["pending"]


async def test_a_writer_cancelled_mid_transaction_hands_its_turn_over(db: Database) -> None:
    written = asyncio.Event()

    async def stuck() -> None:
        async with db.session() as session:
            await session.exec(text("INSERT INTO t (v) VALUES ('never')"))
            written.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.session() as session:
        await session.exec(text("INSERT INTO t (v) VALUES ('next')"))
        await session.commit()
    assert await values(db) == ["next"]


async def test_a_failed_write_hands_its_turn_over(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(Exception, match="NOT NULL"):
            await session.exec(text("INSERT INTO t (v) VALUES (NULL)"))
        await session.rollback()
        await session.exec(text("INSERT INTO t (v) VALUES ('after')"))
        await session.commit()
    assert await values(db) == ["after"]


async def test_an_invalidated_connection_hands_its_turn_over(db: Database) -> None:
    async with db.session() as session:
        await session.exec(text("INSERT INTO t (v) VALUES ('lost')"))
        connection = await session.connection()
        await connection.invalidate()  # what a statement cancelled mid-way comes to
    async with db.session() as session:
        await session.exec(text("INSERT INTO t (v) VALUES ('next')"))
        await session.commit()
    assert await values(db) == ["next"]


async def test_a_writer_cancelled_while_it_waits_leaves_the_turn_to_the_others(
    db: Database,
) -> None:
    async def insert(value: str) -> None:
        async with db.session() as session:
            await session.exec(text("INSERT INTO t (v) VALUES (:v)"), params={"v": value})
            await session.commit()

    async with db.session() as holder:
        await holder.exec(text("INSERT INTO t (v) VALUES ('first')"))
        waiting = asyncio.create_task(insert("cancelled"))
        queued = asyncio.create_task(insert("queued"))
        turns = db.engine.dialect.turns  # type: ignore[attr-defined]
        while turns.waiting() < 2:  # noqa: ASYNC110 - no event says a writer waits
            await asyncio.sleep(0)
        waiting.cancel()
        await holder.commit()
    await queued
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await values(db) == ["first", "queued"]


@pytest.fixture
async def other_process(db: Database) -> AsyncIterator[Database]:
    """A second engine on the same file: its turns are another process's (its own lock file
    descriptor), as the API's are the worker's."""
    database = Database(db.url)
    yield database
    await database.dispose()


async def test_writers_of_two_processes_hand_the_file_over_without_sqlites_busy_wait(
    db: Database, other_process: Database
) -> None:
    async with db.session() as holder:
        await holder.exec(text("INSERT INTO t (v) VALUES ('first')"))

        async def insert_without_busy_wait() -> None:
            async with other_process.session() as session:
                # SQLite's own wait is off: reaching the locked file would fail at once.
                await session.exec(text("PRAGMA busy_timeout=0"))
                await session.exec(text("INSERT INTO t (v) VALUES ('second')"))
                await session.commit()

        second = asyncio.create_task(insert_without_busy_wait())
        turns = other_process.engine.dialect.turns  # type: ignore[attr-defined]
        while not turns._lock().locked():  # noqa: ASYNC110 - its writer took its loop's turn
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)  # and waits for the file's: it neither wrote nor failed
        assert not second.done()
        await holder.commit()
    await second
    assert await values(db) == ["first", "second"]


async def test_a_process_whose_wait_was_given_up_hands_the_file_turn_back(
    db: Database, other_process: Database
) -> None:
    turns = other_process.engine.dialect.turns  # type: ignore[attr-defined]
    turns.timeout = 0.05
    async with db.session() as holder:
        await holder.exec(text("INSERT INTO t (v) VALUES ('first')"))
        async with other_process.session() as session:
            with pytest.raises(Exception, match="database is locked"):
                await session.exec(text("INSERT INTO t (v) VALUES ('given up')"))
        await holder.commit()
    turns.timeout = sqlite_writes.BUSY_TIMEOUT_SECONDS
    async with other_process.session() as session:
        await session.exec(text("PRAGMA busy_timeout=0"))
        await session.exec(text("INSERT INTO t (v) VALUES ('after')"))
        await session.commit()
    async with db.session() as session:  # and the first process gets it back in turn
        await session.exec(text("INSERT INTO t (v) VALUES ('last')"))
        await session.commit()
    assert await values(db) == ["after", "first", "last"]


async def test_where_no_lock_file_can_be_made_sqlites_own_lock_keeps_writes_apart(
    tmp_path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'unlocked.db'}")
    turns = database.engine.dialect.turns  # type: ignore[attr-defined]
    turns.use_file(str(tmp_path / "no-such-folder" / "unlocked.db"))
    try:
        async with database.session() as session:
            await session.exec(text("CREATE TABLE t (v TEXT NOT NULL)"))
            await session.exec(text("INSERT INTO t (v) VALUES ('written')"))
            await session.commit()
        assert await values(database) == ["written"]
    finally:
        await database.dispose()


async def test_a_connection_given_back_rolls_back_only_an_open_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool rolls back each connection it takes back. After a commit, or reads only, no
    transaction is open: no trip to aiosqlite's thread. A session closed in the middle of its
    write is rolled back, and its turn goes to the next writer."""
    import aiosqlite

    rollbacks: list[bool] = []
    rollback = aiosqlite.Connection.rollback

    async def counted(self: aiosqlite.Connection) -> None:
        rollbacks.append(self.in_transaction)
        await rollback(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    async with db.session() as session:
        await session.exec(text("INSERT INTO t (v) VALUES ('kept')"))
        await session.commit()
    await values(db)
    assert rollbacks == []
    async with db.session() as session:
        await session.exec(text("INSERT INTO t (v) VALUES ('dropped')"))
    assert rollbacks == [True]
    async with asyncio.timeout(5):  # the turn was handed over: this write does not wait
        async with db.session() as session:
            await session.exec(text("INSERT INTO t (v) VALUES ('next')"))
            await session.commit()
    assert await values(db) == ["kept", "next"]
