"""Errors as a side channel: a connector's error that quotes what it read would hand a tenant
the bytes of a file or a server's banner. Files in the tenant's own root that are not what
their format says, database files that are no databases, and loopback ports that answer with
something else all fail, and no byte of what was read reaches a response, a run's error, its
steps, its log lines or its workflow history.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.pipelines import unique_name
from tests.security.kit import (
    CONNECTIONS,
    Attacker,
    Canary,
    attacker_fixture,  # noqa: F401  (the fixture "attacker")
    attempt_run,
    create_connection,
    own_lake,
    plant,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
)


def _binary(path: Path) -> Canary:
    return plant(path, binary=True)


def _ragged_csv(path: Path) -> Canary:
    canary = plant(path)
    path.write_text(f"id,name\n1,a\n2,{canary.marker},x,y\n3,c\n")
    return canary


def _late_type_change(path: Path) -> Canary:
    """An integer column for the first megabytes, then the marker: a conversion error."""
    canary = plant(path)
    rows = "".join(f"{i},{i}\n" for i in range(250_000))
    path.write_text(f"id,amount\n{rows}250000,{canary.marker}\n")
    return canary


def _bad_json_lines(path: Path) -> Canary:
    canary = plant(path)
    path.write_text(f'{{"id": 1}}\n{{"id": 2, "note": {canary.marker}}}\n')
    return canary


def _text_as_parquet(path: Path) -> Canary:
    canary = plant(path)
    path.write_text(f"{canary.marker} this is no parquet file {canary.marker}\n")
    return canary


FILES: dict[str, tuple[str, str, Callable[[Path], Canary]]] = {
    "binary-as-csv": ("data.csv", "csv", _binary),
    "ragged-csv": ("data.csv", "csv", _ragged_csv),
    "late-type-change": ("data.csv", "csv", _late_type_change),
    "bad-json-lines": ("data.jsonl", "jsonl", _bad_json_lines),
    "text-as-parquet": ("data.parquet", "parquet", _text_as_parquet),
}


@pytest.mark.parametrize("case", FILES.keys())
async def test_a_file_that_fails_to_parse_is_not_quoted(
    attacker: Attacker, policy, client, case: str
):
    name, fmt, make = FILES[case]
    files = attacker.root / "files"
    files.mkdir()
    canary = make(files / name)
    lake = await own_lake(attacker)
    source = await create_connection(
        attacker.editor,
        {"type": "files", "database": str(files), "properties": {"format": fmt}},
    )
    tables = await attacker.editor.get(f"{CONNECTIONS}/{source}/tables")
    assert tables.status_code != 500, tables.text
    response = await post_pipeline(
        attacker.editor, lake.definition({"connection": source, "table": name})
    )
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        outcome = await attempt_run(
            attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
        )
        assert outcome.run is not None and outcome.run["status"] == "FAILED", outcome.text
        assert outcome.run["error"], "the run failed without saying why"
        assert not canary.found_in(outcome.text), "file bytes in the run or its history"
    assert not canary.found_in(attacker.responses()), "file bytes in an API response"
    assert not canary.found_in(lake.landed())


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
async def test_a_database_file_that_is_no_database_is_not_quoted(
    attacker: Attacker, policy, client, kind: str
):
    path = attacker.root / f"fake.{kind}"
    canary = plant(path)
    path.write_text(f"{canary.marker}\n" * 200)
    connection = await create_connection(attacker.editor, {"type": kind, "database": str(path)})
    tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    assert tested.status_code in (200, 422), tested.text
    if tested.status_code == 200:
        assert tested.json()["connected"] is False, tested.text
    await attacker.editor.get(f"{CONNECTIONS}/{connection}/tables")
    lake = await own_lake(attacker)
    response = await post_pipeline(
        attacker.editor, lake.definition({"connection": connection, "query": "SELECT 1 AS id"})
    )
    if response.status_code == 201:
        outcome = await attempt_run(
            attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
        )
        assert outcome.run is not None and outcome.run["status"] == "FAILED", outcome.text
        assert not canary.found_in(outcome.text)
    assert not canary.found_in(attacker.responses())


# --- a loopback port that answers with something else ---------------------------------------------


@contextmanager
def banner_server(banner: bytes) -> Iterator[int]:
    """A loopback TCP server that greets every connection with ``banner`` and reads a little."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def greet(conn: socket.socket) -> None:
        with closing(conn):
            conn.settimeout(1)
            try:
                conn.sendall(banner)
                conn.recv(4096)
                conn.sendall(banner)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=greet, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@pytest.fixture
def banner() -> Iterator[tuple[int, str]]:
    marker = "BNR" + uuid.uuid4().hex
    data = f"SSH-2.0-OpenSSH_9.6 {marker}\r\n".encode() + b"\x00\x00\x01\x14\n\x14" + b"\xff" * 32
    with banner_server(data) as port:
        yield port, marker


@pytest.mark.parametrize("kind", ["postgresql", "mysql", "clickhouse", "http"])
async def test_a_servers_banner_is_not_quoted(
    attacker: Attacker, policy, banner: tuple[int, str], kind: str
):
    port, marker = banner
    if kind == "http":
        policy.set(allowed_networks=["127.0.0.0/8"])  # the operator lets tenants reach loopback
        body = {"type": "http", "host": f"http://127.0.0.1:{port}/api"}
    else:
        body = {"type": kind, "host": "127.0.0.1", "port": port, "database": "x"}
    body["properties"] = {"connect_timeout": 3, "connectionTimeout": 3000, "timeout_s": 3}
    response = await attacker.editor.post(CONNECTIONS, json={"name": unique_name(kind), **body})
    assert response.status_code == 201, response.text
    connection = response.json()["connectionId"]
    tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    assert tested.status_code in (200, 422), tested.text
    if tested.status_code == 200:
        result = tested.json()
        assert result["connected"] is False and result["error"], tested.text
    await attacker.editor.get(f"{CONNECTIONS}/{connection}/tables")
    assert marker not in attacker.responses(), "the banner reached an API response"
    assert marker[:14] not in attacker.responses()
