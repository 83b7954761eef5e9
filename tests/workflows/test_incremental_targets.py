"""Incremental sources into files and ClickHouse targets, through the API and real runs: the
high-water mark moves only together with the rows it covers, so a retried load, a load that
died between its rows and its mark, and a run that failed half-way neither lose nor repeat a
row on the next run. Files are tested on a local path and on S3 (moto's server on loopback)."""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import chdb.session as chdb_session
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.base import TerminalError, TransientError
from connectors.clickhouse import target as ch_target
from connectors.files import target as files_target
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name
from tests.s3 import s3_server  # noqa: F401  (the session fixture)
from tests.sources import register


async def _events(source, table: str, first: int, last: int) -> None:
    """Rows ``first..last``; every three ids share one cursor value (ties across blocks);
    a ``first`` of 3k+1 starts a new value (a row late for a value already loaded is lost to
    any incremental load by ``>``)."""
    await source.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, seen timestamptz NOT NULL, "
        "note text)"
    )
    await source.execute(
        f"INSERT INTO {table} SELECT g, timestamptz '2026-01-01 00:00:00+00' + ((g - 1) / 3) * "
        f"interval '1 second', 'n' || g FROM generate_series({first}, {last}) g"
    )


def _definition(src: str, dst: str, table: str, target: str, **sink: Any) -> dict:
    return {
        "sources": {
            "events": {
                "connection": src,
                "query": f"SELECT id, seen, note FROM {table}",
                "incremental": True,
                "cursor": "seen",
            }
        },
        "sinks": {"out": {"connection": dst, "table": target, "mode": "append", **sink}},
        "orchestration": {"retries": 2},
    }


async def test_incremental_into_files(api, source, source_db, tmp_path, monkeypatch):
    table = unique_name("events")
    await _events(source, table, 1, 99)
    src = await create_connection(api, source_db, unique_name("src"))
    root = tmp_path / "lake"
    dst = await register(
        api,
        {"name": unique_name("lake"), "type": "files", "database": str(root),
         "properties": {"format": "parquet"}},
    )  # fmt: skip
    pipeline = await create_pipeline(
        api, unique_name("incr-files"), _definition(src, dst, table, "exports.events")
    )
    directory = root / "exports" / "events"
    state_file = root / "exports" / ".events.ductwork" / f"{pipeline}.json"

    def ids() -> list[int]:
        return sorted(pq.read_table(directory).column("id").to_pylist())

    real_write = files_target.write_state
    commits: list[str] = []

    def commit_fails(times: int, error: Exception):
        def write(fs, path, state, *, s3):
            if "committed" in state and len(commits) < times:
                commits.append(state["committed"])
                raise error  # the part is written, the mark is not: a crash in between
            real_write(fs, path, state, s3=s3)

        return write

    # 1. The first attempt dies between its part and its mark; the retry rewrites the part.
    monkeypatch.setattr(
        files_target, "write_state", commit_fails(1, TransientError("lost", error_type="X"))
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert len(commits) == 1
    assert ids() == list(range(1, 100))
    assert len([p for p in directory.iterdir() if not p.name.startswith(".")]) == 1
    state = json.loads(state_file.read_text())
    assert state["marks"] == {"events": "2026-01-01 00:00:32+00"}
    assert "pending" not in state

    # 2. A run whose load writes its part and then fails for good: its mark never moves.
    await _events(source, table, 100, 108)
    commits.clear()
    monkeypatch.setattr(
        files_target, "write_state", commit_fails(9, TerminalError("gone", error_type="X"))
    )
    failed = await run_to_end(api, pipeline)
    assert failed["status"] == "FAILED", failed
    assert (
        len([p for p in directory.iterdir() if not p.name.startswith(".")]) == 2
    )  # the orphan part is there, uncommitted
    assert json.loads(state_file.read_text())["pending"]

    # 3. The next run extracts from the old mark, deletes the orphan, writes its own part; its
    # acknowledgement is lost once, and the retry finds the load committed.
    await _events(source, table, 109, 114)
    monkeypatch.setattr(files_target, "write_state", real_write)
    real_load = files_target.load
    outcomes: list[Any] = []

    def load_then_lose_the_ack(*args, **kwargs):
        outcome = real_load(*args, **kwargs)
        outcomes.append(outcome)
        if len(outcomes) == 1:
            raise TransientError("connection lost after the load", error_type="X")
        return outcome

    monkeypatch.setattr(files_target, "load", load_then_lose_the_ack)
    third = await run_to_end(api, pipeline)
    assert third["status"] == "COMPLETED", third
    assert [(o.rows, o.already_loaded) for o in outcomes] == [(15, False), (15, True)]
    assert ids() == list(range(1, 115))  # each row exactly once
    assert len([p for p in directory.iterdir() if not p.name.startswith(".")]) == 2
    assert json.loads(state_file.read_text())["marks"] == {"events": "2026-01-01 00:00:37+00"}

    # 4. Nothing new: nothing loaded.
    monkeypatch.setattr(files_target, "load", real_load)
    fourth = await run_to_end(api, pipeline)
    assert fourth["metrics"]["rowsLoaded"] == 0, fourth
    assert ids() == list(range(1, 115))


class ChdbExecutor:
    """The connector's statements run in chDB (embedded ClickHouse) instead of over HTTP."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.fail_inserts_after: int | None = None
        self.failure: Exception | None = None
        self.inserts = 0

    def command(self, sql: str) -> None:
        self.session.query(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        table = self.session.query(sql, "ArrowTable")
        return [tuple(r.values()) for r in table.to_pylist()]

    def insert(self, sql: str, data: Any) -> None:
        self.inserts += 1
        if self.fail_inserts_after is not None and self.inserts > self.fail_inserts_after:
            assert self.failure is not None
            raise self.failure
        self.session.query(f"{sql} SELECT * FROM Python(data)")

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def chdb(tmp_path_factory):
    session = chdb_session.Session(str(tmp_path_factory.mktemp("chdb")))
    yield ChdbExecutor(session)
    session.close()


async def test_incremental_into_clickhouse(api, source, source_db, chdb, monkeypatch):
    table = unique_name("events")
    await _events(source, table, 1, 99)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(
        api,
        {"name": unique_name("ch"), "type": "clickhouse", "host": "127.0.0.1", "port": 8123,
         "database": "analytics", "username": "default"},
    )  # fmt: skip
    monkeypatch.setattr(ch_target, "executor_for", lambda config: chdb)
    monkeypatch.setattr(ch_target, "BLOCK_ROWS", 10)  # 3 rows per value: blocks of 10..12
    ch_table = unique_name("events")
    pipeline = await create_pipeline(
        api, unique_name("incr-ch"), _definition(src, dst, table, f"analytics.{ch_table}")
    )

    def loaded() -> list[tuple[int, int]]:
        return chdb.rows(f"SELECT count(), uniqExact(id) FROM analytics.{ch_table}")

    # 1. The first attempt dies after 3 blocks; the retry's first 3 blocks are deduplicated.
    chdb.inserts, chdb.fail_inserts_after = 0, 3
    chdb.failure = ConnectionResetError("connection reset by peer")

    def heal_after_one_failure(*args: Any, **kwargs: Any) -> Any:
        try:
            return real_load(*args, **kwargs)
        finally:
            chdb.fail_inserts_after = None

    real_load = ch_target.load
    monkeypatch.setattr(ch_target, "load", heal_after_one_failure)
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert chdb.inserts > 3
    assert loaded() == [(99, 99)]

    # 2. A run that inserts 1 block of its 3 and then fails for good.
    await _events(source, table, 100, 129)
    chdb.inserts, chdb.fail_inserts_after = 0, 1
    chdb.failure = RuntimeError("Code: 241. DB::Exception: memory limit exceeded")
    monkeypatch.setattr(ch_target, "load", real_load)
    failed = await run_to_end(api, pipeline)
    assert failed["status"] == "FAILED", failed
    assert 99 < loaded()[0][0] < 129

    # 3. The next run extracts past the target's maximum: the rest, once.
    chdb.fail_inserts_after = None
    third = await run_to_end(api, pipeline)
    assert third["status"] == "COMPLETED", third
    assert loaded() == [(129, 129)]
    assert (await run_to_end(api, pipeline))["metrics"]["rowsLoaded"] == 0
    assert loaded() == [(129, 129)]


def test_clickhouse_cursor_blocks_never_split_a_value(tmp_path):
    import duckdb

    from connectors.duckdb.staging import DuckStaging
    from connectors.postgres.sql import Relation

    staging = DuckStaging(str(tmp_path / "s.duckdb"), "_ductwork")
    with duckdb.connect(staging.path) as conn:
        conn.execute(
            "CREATE TABLE t AS SELECT i AS id, CASE WHEN i < 3 THEN NULL ELSE i // 7 END AS c "
            "FROM range(100) r(i) ORDER BY random()"
        )
    blocks = list(ch_target.cursor_blocks(staging, Relation("main", "t"), "c", 10))
    assert sum(b.num_rows for b in blocks) == 100
    values = [b.column("c").to_pylist() for b in blocks]
    assert values[0][:3] == [None, None, None]
    for before, after in itertools.pairwise(values):
        assert before == sorted(before, key=lambda v: -1 if v is None else v)
        assert max(v for v in before if v is not None) < min(after)  # no value in two blocks
    again = list(ch_target.cursor_blocks(staging, Relation("main", "t"), "c", 10))
    assert [b.to_pylist() for b in again] == [b.to_pylist() for b in blocks]
    with pytest.raises(TerminalError, match="cursor column 'seen'"):
        from workflows.payloads import Cursor, LoadStep, StepRef

        step = LoadStep(StepRef("e", "t", "p", "load_out"), "c", "x", "t", "append", True)
        step.cursors = [Cursor("events", "seen", "x", False, False, "t")]
        ch_target._cursor_order(step, blocks[0].schema)


async def test_incremental_into_s3_parquet(api, source, source_db, s3_server, monkeypatch):  # noqa: F811
    table = unique_name("events")
    await _events(source, table, 1, 99)
    src = await create_connection(api, source_db, unique_name("src"))
    prefix = unique_name("lake")
    body = s3_server.body(unique_name("s3"), prefix)
    body["properties"]["format"] = "parquet"
    dst = await register(api, body)
    pipeline = await create_pipeline(
        api, unique_name("incr-s3"), _definition(src, dst, table, "exports.events")
    )
    s3 = s3_server.client()
    bucket = s3_server.bucket
    state_key = f"{prefix}/exports/.events.ductwork/{pipeline}.json"

    def parts() -> list[str]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/exports/events/")
        # (directory markers "…/" are not parts)
        return sorted(o["Key"] for o in listed.get("Contents", []) if not o["Key"].endswith("/"))

    def ids() -> list[int]:
        tables = [
            pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))
            for k in parts()
        ]
        return sorted(pa.concat_tables(tables).column("id").to_pylist())

    def state() -> dict:
        return json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())

    real_write = files_target.write_state
    lost: list[str] = []

    def commit_fails_once(fs, path, new_state, *, s3):
        if "committed" in new_state and not lost:
            lost.append(new_state["committed"])
            raise TransientError("lost", error_type="X")  # the part is on S3, the mark is not
        real_write(fs, path, new_state, s3=s3)

    # 1. All rows; the first attempt dies between its part and its mark, the retry rewrites
    # the same part: one part, each row once, the mark committed.
    monkeypatch.setattr(files_target, "write_state", commit_fails_once)
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert len(lost) == 1
    assert first["metrics"]["rowsLoaded"] == 99, first
    assert len(parts()) == 1
    assert ids() == list(range(1, 100))
    assert state()["marks"] == {"events": "2026-01-01 00:00:32+00"}
    assert "pending" not in state()

    # 2. New rows in the source: the second run loads only them, into a second part.
    monkeypatch.setattr(files_target, "write_state", real_write)
    await _events(source, table, 100, 114)
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsLoaded"] == 15, second
    assert len(parts()) == 2
    assert ids() == list(range(1, 115))  # each row exactly once
    assert state()["marks"] == {"events": "2026-01-01 00:00:37+00"}
    assert "pending" not in state()
