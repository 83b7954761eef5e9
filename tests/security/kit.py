"""The attack kit: a tenant with an editor and an admin key, the strict confinement policy,
planted canaries, and searches for their bytes in responses, histories and targets. A module
uses the fixtures by importing ``policy_fixture``, ``attacker_fixture`` or ``key_files_fixture``.

Written against the confinement contract, not its implementation: every attack is built
against the strict default (``ConfinementSettings()``) unless it checks an operator allowance,
and every refusal is checked by its status and error code, never by the implementation's
wording beyond the setting it must name.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from core import temporal
from core.settings import ConfinementSettings, Settings
from store.db import Database
from store.models.core import utcnow
from store.models.lifecycle import Approval
from tests import auth
from tests.pipelines import FINISHED, decoded_history, unique_name

CONNECTIONS = "/v1/pipelines/connections"
SETTING = "DUCTWORK_CONFINEMENT__"
POLICY_DENIED = "POLICY_DENIED"
# SQL may be refused by the policy or as a statement that is not a SELECT (this surface calls
# a definition's structural problems INVALID_DEFINITION).
SQL_REFUSALS = {POLICY_DENIED, "VALIDATION_ERROR", "INVALID_DEFINITION"}


# --- the policy -------------------------------------------------------------------------------


class Policy:
    """Switches the shared settings' confinement; the fixture restores the previous one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def set(self, **fields: Any) -> ConfinementSettings:
        self.settings.confinement = ConfinementSettings(**fields)
        return self.settings.confinement

    def strict(self) -> ConfinementSettings:
        return self.set()


@pytest.fixture(name="policy")
def policy_fixture(settings: Settings) -> Iterator[Policy]:
    """The strict default policy for the test (the suite's conftest is more permissive)."""
    previous = settings.confinement
    switch = Policy(settings)
    switch.strict()
    try:
        yield switch
    finally:
        settings.confinement = previous


# --- the attacker -----------------------------------------------------------------------------


@dataclass
class Attacker:
    """A second tenant: its editor key (the attacker) and its admin key, both recorded."""

    tenant_id: str
    root: Path  # <data_dir>/tenants/<tenant_id>: the only local root of the strict policy
    editor: httpx.AsyncClient
    admin: httpx.AsyncClient
    seen: list[str] = field(default_factory=list)  # every response, headers included

    def responses(self) -> str:
        return "\n".join(self.seen)


def _recording_client(app: Any, credential: str, tenant: str, seen: list[str]) -> httpx.AsyncClient:
    async def record(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        seen.append(
            f"{request.method} {request.url} {response.status_code}\n"
            f"{response.headers}\n{response.text}"
        )

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(credential, tenant),
        event_hooks={"response": [record]},
        timeout=30,
    )


def tenant_client(app: Any, credential: str, tenant: str) -> httpx.AsyncClient:
    """A client of the app as ``credential`` in ``tenant`` (the other tenant of an attack)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(credential, tenant),
        timeout=60,
    )


def pending_approval(tenant: str, subject: str, run: str | None = None) -> Approval:
    """An approval request waiting in ``tenant`` (a row: no workflow needs to wait for it)."""
    now = utcnow()
    return Approval(
        id=f"apr_{uuid.uuid4().hex}",
        tenant_id=tenant,
        workflow_id=f"run-{tenant}-{run or uuid.uuid4().hex}",
        kind="run",
        subject=subject,
        execution_id=run,
        status="PENDING",
        requested_by=subject,
        reason=subject,
        requested_at=now,
        expires_at=now + timedelta(days=1),
    )


@pytest.fixture(name="attacker")
async def attacker_fixture(app: Any, db: Database, settings: Settings) -> AsyncIterator[Attacker]:
    tenant = f"atk-{uuid.uuid4().hex[:8]}"
    editor_key = await auth.make_key(db, tenant, "editor")
    admin_key = await auth.make_key(db, tenant, "admin")
    root = settings.data_dir / "tenants" / tenant
    root.mkdir(parents=True, exist_ok=True)
    seen: list[str] = []
    async with (
        _recording_client(app, editor_key, tenant, seen) as editor,
        _recording_client(app, admin_key, tenant, seen) as admin,
    ):
        yield Attacker(tenant, root, editor, admin, seen)


# --- canaries: unique bytes in protected places ------------------------------------------------


@dataclass(frozen=True)
class Canary:
    path: Path
    marker: str

    @property
    def needles(self) -> tuple[str, ...]:
        """The marker and a prefix of it: an excerpt cut short still gives itself away."""
        return (self.marker, self.marker[:14])

    def found_in(self, text: str) -> bool:
        return any(needle in text for needle in self.needles)


def plant(path: Path, *, binary: bool = False) -> Canary:
    """A file holding a unique marker: a one-column CSV (``secret``), or bytes that are no CSV."""
    marker = "CNRY" + uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    if binary:
        path.write_bytes(b"\x00\x89PNG\r\n\x1a\n\xff\xfe" + marker.encode() + b"\x00\x01\xc3\x28")
    else:
        path.write_text(f"secret\n{marker}\n")
    return Canary(path, marker)


@pytest.fixture(name="key_files")
def key_files_fixture(settings: Settings) -> Iterator[list[Canary]]:
    """The data directory's key files (planted when the settings gave the keys instead)."""
    planted: list[Path] = []
    found: list[Canary] = []
    for name in ("secret.key", "jwt.key"):
        path = settings.data_dir / name
        if not path.exists():
            path.write_text("K" + uuid.uuid4().hex + uuid.uuid4().hex + "\n")
            path.chmod(0o600)
            planted.append(path)
        found.append(Canary(path, path.read_text().strip()))
    yield found
    for path in planted:
        path.unlink(missing_ok=True)


# --- refusals -----------------------------------------------------------------------------------


def error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    return error.get("code") if isinstance(error, dict) else body.get("error_code")


def assert_policy_denied(response: httpx.Response, *, names_setting: bool = True) -> str:
    """A 422 (or 400) POLICY_DENIED whose message names the setting that would allow it."""
    assert response.status_code in (400, 422), (response.status_code, response.text)
    body = response.json()
    assert body["error"]["code"] == POLICY_DENIED, body
    assert body["error_code"] == POLICY_DENIED, body
    message = body["error"]["message"]
    if names_setting:
        assert SETTING in message, message
    return message


def assert_sql_refused(response: httpx.Response) -> None:
    assert response.status_code == 422, (response.status_code, response.text)
    assert error_code(response) in SQL_REFUSALS, response.text


async def create_connection(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post(CONNECTIONS, json={"name": unique_name("conn"), **body})
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


async def create_pipeline(client: httpx.AsyncClient, definition: dict[str, Any]) -> str:
    response = await post_pipeline(client, definition)
    assert response.status_code == 201, response.text
    return response.json()["pipelineId"]


async def post_pipeline(client: httpx.AsyncClient, definition: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/v1/pipelines", json={"name": unique_name("atk"), "definition": definition}
    )


@dataclass
class OwnLake:
    """What the attacker may legitimately use: a CSV source and a DuckDB target in its root."""

    source: str  # a files connection on the tenant root
    target: str  # a DuckDB connection on <root>/out.duckdb
    target_path: Path
    seed_marker: str  # in seed.csv: what a run that reads it lands

    def definition(self, source: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """seed.csv (or ``source``) into out.duckdb's loot.rows, replaced."""
        return {
            "sources": {"seed": source or {"connection": self.source, "table": "seed.csv"}},
            "sinks": {"out": {"connection": self.target, "table": "loot.rows", "mode": "replace"}},
            **extra,
        }

    def landed(self) -> str:
        return duckdb_text(self.target_path)


async def own_lake(attacker: Attacker) -> OwnLake:
    seed_marker = "SEED" + uuid.uuid4().hex
    (attacker.root / "seed.csv").write_text(f"id,name\n1,{seed_marker}\n2,b\n")
    source = await create_connection(
        attacker.editor, {"type": "files", "database": str(attacker.root)}
    )
    target_path = attacker.root / "out.duckdb"
    target = await create_connection(
        attacker.editor, {"type": "duckdb", "database": str(target_path)}
    )
    return OwnLake(source, target, target_path, seed_marker)


# --- runs ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How an attempt to run ended: refused when submitted, or a finished run and its history."""

    submitted: httpx.Response
    run: dict[str, Any] | None = None
    history: str = ""  # every payload decoded
    failures: list[tuple[str, bool]] = field(default_factory=list)  # (type, non-retryable)

    @property
    def text(self) -> str:
        return "\n".join([self.submitted.text, json.dumps(self.run), self.history])


def _failures(history_json: str) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            info = node.get("applicationFailureInfo")
            if isinstance(info, dict):
                found.append((info.get("type", ""), bool(info.get("nonRetryable", False))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return found


async def attempt_run(
    client: httpx.AsyncClient,
    temporal_client: Client,
    tenant: str,
    pipeline_id: str,
    within: float = 45,
    **parameters: Any,
) -> Outcome:
    submitted = await client.post(
        f"/v1/pipelines/{pipeline_id}/execute", json={"parameters": parameters}
    )
    if submitted.status_code != 202:
        return Outcome(submitted)
    execution_id = submitted.json()["executionId"]
    deadline = time.monotonic() + within
    while True:
        run = (await client.get(f"/v1/pipelines/executions/{execution_id}")).json()
        if run["status"] in FINISHED:
            break
        assert time.monotonic() < deadline, f"the run is still {run['status']}: retried forever?"
        await asyncio.sleep(0.25)
    await client.get(f"/v1/pipelines/executions/{execution_id}/logs", params={"lines": 10_000})
    handle = temporal_client.get_workflow_handle(temporal.workflow_id("run", tenant, execution_id))
    history_json = (await handle.fetch_history()).to_json()
    return Outcome(submitted, run, decoded_history(history_json), _failures(history_json))


def assert_refused_at_run_time(outcome: Outcome, *, policy_type: bool = True) -> None:
    """Refused when submitted (a 4xx naming the policy), or a FAILED run whose terminal error,
    when ``policy_type``, is a non-retryable POLICY_DENIED."""
    if outcome.run is None:
        assert outcome.submitted.status_code in (400, 422), outcome.submitted.text
        if policy_type:
            assert error_code(outcome.submitted) == POLICY_DENIED, outcome.submitted.text
        return
    assert outcome.run["status"] == "FAILED", outcome.run
    if policy_type:
        denied = [retry for kind, retry in outcome.failures if kind == POLICY_DENIED]
        assert denied, f"no POLICY_DENIED failure: {outcome.failures}; {outcome.run['error']}"
        assert any(denied), "a POLICY_DENIED failure must not be retried"


# --- what landed ------------------------------------------------------------------------------


def duckdb_text(path: Path) -> str:
    """Every row of every table of a DuckDB file (staging schemas included), as text."""
    if not path.exists():
        return ""
    import duckdb

    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
        parts = [str(tables)]
        for schema, name in tables:
            rows = conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
            parts.append(f"{schema}.{name}: {rows}")
        return "\n".join(parts)
    finally:
        conn.close()


def tree_bytes(directory: Path) -> bytes:
    """The bytes of every file under ``directory`` (DuckDB and Parquet files decoded too)."""
    if not directory.exists():
        return b""
    parts: list[bytes] = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        parts.append(path.read_bytes())
        if path.suffix == ".duckdb":
            parts.append(duckdb_text(path).encode())
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            parts.append(str(pq.read_table(path).to_pylist()).encode())
    return b"\n".join(parts)
