"""Secrets never leak: not in any API response, log line, workflow history or webhook body.

A real API process and a real worker (their output kept in files) run pipelines whose
connections carry a distinctive password, with a webhook whose secret is just as distinctive;
then every response, every log line and every decoded workflow history is searched for both.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from core import temporal
from domain.webhooks import signing
from store.db import Database
from tests import auth
from tests.pipelines import decoded_history, fill_mixed_table, unique_name
from tests.service_processes import Services
from tests.services import PG_HOST, PG_PORT, PG_USER
from tests.webhook_receiver import receiving

pytestmark = pytest.mark.postgres


class Tour:
    """An API client that keeps the text of every response (headers included)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.seen: list[str] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        t0 = time.monotonic()
        response = await self.http.request(method, path, **kwargs)
        print(f"TIMING {time.monotonic() - t0:.2f} {method} {path} {response.status_code}")
        self.seen.append(
            f"{method} {path} {response.status_code}\n{response.headers}\n{response.text}"
        )
        return response

    async def wait_finished(self, execution_id: str) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = (await self.call("GET", f"/v1/pipelines/executions/{execution_id}")).json()
            if body["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                return body
            await asyncio.sleep(0.2)
        raise TimeoutError(f"run {execution_id} did not finish")


def _connection(database: str, name: str, password: str) -> dict:
    return {
        "name": name,
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": password,  # trust authentication: the server ignores it, we search for it
    }


async def _every_get_route(tour: Tour, ids: dict[str, str]) -> int:
    """GET every route of the OpenAPI document whose path parameters we can fill."""
    paths = (await tour.call("GET", "/openapi.json")).json()["paths"]
    called = 0
    for path, operations in sorted(paths.items()):
        if "get" not in operations or path in ("/openapi.json", "/docs", "/redoc"):
            continue
        filled = path
        for param in re.findall(r"{([^}]+)}", path):
            value = next((v for k, v in ids.items() if k in param.lower()), None)
            if value is None:
                break
            filled = filled.replace(f"{{{param}}}", value)
        else:
            try:
                await tour.call("GET", filled, timeout=15)
                called += 1
            except httpx.TimeoutException:
                pass
    return called


async def test_passwords_and_webhook_secrets_never_leak(
    client: Client, services: Services, source, source_db, target_db
):
    password = f"pw-{uuid.uuid4().hex}-never-seen"
    hook_secret = f"whsec-{uuid.uuid4().hex}-never-seen"
    table = f"leak_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 200)
    name = f"leak-{table}"
    with receiving() as receiver:
        async with httpx.AsyncClient(
            base_url=services.base_url, headers=services.headers, timeout=30
        ) as http:
            tour = Tour(http)
            src = await tour.call(
                "POST",
                "/v1/pipelines/connections",
                json=_connection(source_db, f"src-{table}", password),
            )
            assert src.status_code == 201, src.text
            dst = await tour.call(
                "POST",
                "/v1/pipelines/connections",
                json=_connection(target_db, f"dst-{table}", password),
            )
            src_id, dst_id = src.json()["connectionId"], dst.json()["connectionId"]
            await tour.call("POST", f"/v1/pipelines/connections/{src_id}/test")
            hook = await tour.call(
                "POST",
                "/api/v1/webhooks",
                json={
                    "url": receiver.url,
                    "events": ["pipeline.completed", "pipeline.failed"],
                    "secret": hook_secret,
                },
            )
            assert hook.status_code == 201, hook.text
            definition = {
                "sources": {"rows": {"connection": src_id, "table": table}},
                "sinks": {"wh": {"connection": dst_id, "table": f"wh.{table}", "mode": "replace"}},
            }
            ok = await tour.call(
                "POST", "/v1/pipelines", json={"name": name, "definition": definition}
            )
            assert ok.status_code == 201, ok.text
            pipeline_id = ok.json()["pipelineId"]
            runs = []
            for checks in ([], [{"type": "row_count", "max": 1}]):  # one completes, one fails
                if checks:
                    await tour.call(
                        "PUT",
                        f"/v1/pipelines/{pipeline_id}",
                        json={"definition": {**definition, "quality_checks": checks}},
                    )
                started = await tour.call(
                    "POST", f"/v1/pipelines/{pipeline_id}/execute", json={"parameters": {}}
                )
                assert started.status_code == 202, started.text
                runs.append(await tour.wait_finished(started.json()["executionId"]))
            assert [r["status"] for r in runs] == ["COMPLETED", "FAILED"]
            received = await receiver.wait_for(2)
            ids = {
                "pipeline": pipeline_id,
                "execution": runs[0]["executionId"],
                "run": runs[0]["executionId"],
                "connection": src_id,
                "webhook": hook.json()["id"],
            }
            assert await _every_get_route(tour, ids) >= 10
        logs = services.log_text()

    histories = []
    for run in runs:
        for kind in ("run", "notify"):
            handle = client.get_workflow_handle(
                temporal.workflow_id(kind, "default", run["executionId"])
            )
            text = decoded_history((await handle.fetch_history()).to_json())
            assert run["executionId"] in text  # the search below could find something
            histories.append(text)

    # The searches could find something: the captures hold what they should.
    assert runs[0]["executionId"] in logs and "webhook delivery attempt" in logs
    assert any(src_id in h for h in histories)
    assert len(tour.seen) > 20
    for request in received:
        assert signing.verify_body(
            hook_secret, request.body, request.headers[signing.SIGNATURE_HEADER]
        )

    for secret in (password, hook_secret):
        leaks = [text[:200] for text in tour.seen if secret in text]
        assert not leaks, f"a secret is in API responses: {leaks}"
        assert secret not in logs, "a secret is in the log output"
        assert not [h for h in histories if secret in h], "a secret is in a workflow history"
        assert not [r for r in received if secret.encode() in r.body]


# --- after the confinement attacks (tests/security) ------------------------------------------


def _key_files(data_dir: Path) -> dict[str, str]:
    """The data directory's key files and their contents (planted where the env gave the key)."""
    found = {}
    for name in ("secret.key", "jwt.key"):
        path = data_dir / name
        if not path.exists():
            path.write_text(f"planted-{uuid.uuid4().hex}{uuid.uuid4().hex}\n")
            path.chmod(0o600)
        found[name] = path.read_text().strip()
    return found


async def _second_tenant(data_dir: Path) -> tuple[str, str, str]:
    """A tenant of the services' store with an editor key and an admin key."""
    database = Database(f"sqlite+aiosqlite:///{(data_dir / 'ductwork.db').resolve()}")
    try:
        tenant = f"atk-{uuid.uuid4().hex[:8]}"
        editor = await auth.make_key(database, tenant, "editor")
        admin = await auth.make_key(database, tenant, "admin")
    finally:
        await database.dispose()
    return tenant, editor, admin


async def test_key_files_bootstrap_key_and_passwords_never_leak_through_attacks(
    client: Client, services: Services, source_db
):
    """An editor and an admin of a second tenant try to read the key files, the store and the
    process environment through connections, secret references and pipeline SQL; then every
    response, log line and workflow history is searched for the keys and the password."""
    data_dir = services.logs[0].parent
    keys = _key_files(data_dir)
    password = f"pw-{uuid.uuid4().hex}-attacked"
    tenant, editor_key, admin_key = await _second_tenant(data_dir)
    root = data_dir / "tenants" / tenant
    root.mkdir(parents=True, exist_ok=True)
    (root / "seed.csv").write_text("id,name\n1,a\n")
    (root / "k.csv").symlink_to(data_dir / "jwt.key")  # a file in the root that is a key
    (root / "data").symlink_to(data_dir, target_is_directory=True)
    runs: list[dict] = []
    async with (
        httpx.AsyncClient(
            base_url=services.base_url, headers=auth.headers(editor_key, tenant), timeout=30
        ) as editor_http,
        httpx.AsyncClient(
            base_url=services.base_url, headers=auth.headers(admin_key, tenant), timeout=30
        ) as admin_http,
    ):
        editor, admin = Tour(editor_http), Tour(admin_http)

        async def connection(tour: Tour, body: dict) -> str | None:
            body = {"name": f"atk-{uuid.uuid4().hex[:8]}", **body}
            created = await tour.call("POST", "/v1/pipelines/connections", json=body)
            if created.status_code != 201:
                return None
            found = created.json()["connectionId"]
            await tour.call("POST", f"/v1/pipelines/connections/{found}/test")
            await tour.call("GET", f"/v1/pipelines/connections/{found}/tables")
            return found

        async def attempt(definition: dict, **parameters: Any) -> None:
            saved = await editor.call(
                "POST", "/v1/pipelines", json={"name": unique_name("atk"), "definition": definition}
            )
            if saved.status_code != 201:
                return
            started = await editor.call(
                "POST",
                f"/v1/pipelines/{saved.json()['pipelineId']}/execute",
                json={"parameters": parameters},
            )
            if started.status_code == 202:
                run = await editor.wait_finished(started.json()["executionId"])
                await editor.call("GET", f"/v1/pipelines/executions/{run['executionId']}/logs")
                runs.append(run)

        seed = await connection(editor, {"type": "files", "database": str(root)})
        out = await connection(editor, {"type": "duckdb", "database": str(root / "out.duckdb")})
        pg = await connection(
            editor,
            {
                "type": "postgresql",
                "host": PG_HOST,
                "port": PG_PORT,
                "database": source_db,
                "username": PG_USER,
                "password": password,  # trust authentication: ignored, searched for
            },
        )
        assert seed and out and pg, "the tenant's own connections must be allowed"
        for body in (
            {"type": "files", "database": str(data_dir)},
            {"type": "files", "database": str(root / "data")},
            {"type": "sqlite", "database": str(data_dir / "ductwork.db")},
            {"type": "duckdb", "database": str(data_dir / "jwt.key")},
        ):
            await connection(editor, body)
        for ref in (
            f"file:{data_dir / 'jwt.key'}",
            f"file:{data_dir / 'secret.key'}",
            "file:/proc/self/environ",
            "env:DATAPIPELINES_API_KEY",
        ):
            pg_body = {"type": "postgresql", "host": PG_HOST, "port": PG_PORT}
            await connection(
                admin,
                {**pg_body, "database": source_db, "username": PG_USER, "credentialSecretRef": ref},
            )

        sink = {"out": {"connection": out, "table": "loot.rows", "mode": "replace"}}
        sources = {"seed": {"connection": seed, "table": "seed.csv"}}
        await attempt({"sources": sources, "sinks": sink})  # the control: it completes
        await attempt({"sources": {"seed": {"connection": seed, "table": "k.csv"}}, "sinks": sink})
        await attempt(
            {
                "sources": sources,
                "transformations": [{"name": "loot", "sql": "SELECT * FROM :seed"}],
                "sinks": sink,
            },
            seed=str(root / "k.csv"),
        )
        for sql in (
            f"SELECT content AS loot FROM read_text('{data_dir / 'jwt.key'}')",
            f"SELECT CAST(content AS INTEGER) AS loot FROM read_text('{data_dir / 'secret.key'}')",
        ):
            steps = [{"name": "loot", "sql": sql}]
            await attempt({"sources": sources, "transformations": steps, "sinks": sink})
        await attempt(
            {
                "sources": {"pg": {"connection": pg, "query": "SELECT * FROM no_such_table_here"}},
                "sinks": sink,
            }
        )
        assert runs and runs[0]["status"] == "COMPLETED", runs
        ids = {
            "pipeline": runs[0]["pipelineId"],
            "execution": runs[0]["executionId"],
            "run": runs[0]["executionId"],
            "connection": pg,
        }
        assert await _every_get_route(editor, ids) >= 10
        logs = services.log_text()

    histories = []
    for run in runs:
        handle = client.get_workflow_handle(temporal.workflow_id("run", tenant, run["executionId"]))
        text = decoded_history((await handle.fetch_history()).to_json())
        assert run["executionId"] in text
        histories.append(text)

    # The searches could find something: the captures hold what they should.
    assert runs[0]["executionId"] in logs
    assert len(editor.seen) > 20 and len(admin.seen) >= 4
    seen = editor.seen + admin.seen
    secrets = {**keys, "bootstrap key": services.api_key, "password": password}
    for what, secret in secrets.items():
        assert secret and len(secret) >= 16, what
        leaks = [text[:200] for text in seen if secret in text]
        assert not leaks, f"the {what} is in API responses: {leaks}"
        assert secret not in logs, f"the {what} is in the log output"
        assert not [h for h in histories if secret in h], f"the {what} is in a workflow history"
    landed = root / "out.duckdb"
    if landed.exists():
        import duckdb

        conn = duckdb.connect(str(landed), read_only=True)
        try:
            columns = conn.execute("SELECT column_name FROM information_schema.columns").fetchall()
        finally:
            conn.close()
        for what in ("secret.key", "jwt.key"):
            assert keys[what] not in str(columns), f"the {what} landed as a column name"
