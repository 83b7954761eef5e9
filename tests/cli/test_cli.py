"""The ``ductwork`` command against a live API (uvicorn and a worker as real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.pipelines import unique_name
from tests.service_processes import Services
from tests.services import PG_HOST, PG_PORT, PG_USER

ROOT = Path(__file__).resolve().parents[2]


def ductwork(services: Services, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")}
    env.update(
        DUCTWORK_URL=services.base_url,
        DUCTWORK_API_KEY=services.api_key,
        DUCTWORK_CLI_CONFIG=str(tmp_path / "cli.json"),
        COLUMNS="200",
    )
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _connection(http: httpx.Client, database: str) -> str:
    body = {
        "name": unique_name("cli"),
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": "never-printed",
    }
    response = http.post("/v1/pipelines/connections", json=body)
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


@pytest.fixture(scope="module")
def http(services: Services):
    with httpx.Client(base_url=services.base_url, headers=services.headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def pipelines(http: httpx.Client, source_db: str, target_db: str) -> dict[str, str]:
    """A pipeline that loads 500 rows, and one whose source table does not exist."""
    src, dst = _connection(http, source_db), _connection(http, target_db)
    made = {}
    for label, query in (
        ("good", "SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 500) g"),
        ("bad", "SELECT * FROM no_such_table_anywhere"),
    ):
        definition = {
            "sources": {"rows": {"connection": src, "query": query}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{unique_name('cli')}"}},
        }
        response = http.post(
            "/v1/pipelines", json={"name": unique_name(label), "definition": definition}
        )
        assert response.status_code == 201, response.text
        made[label] = response.json()["pipelineId"]
    made["connection"] = src
    return made


def test_run_follow_exits_zero_with_the_rows_on_its_last_line(services, tmp_path, pipelines):
    done = ductwork(services, tmp_path, "pipelines", "run", pipelines["good"], "--follow")
    assert done.returncode == 0, done.stderr + done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert "COMPLETED" in last and "500 rows" in last, done.stdout


def test_run_follow_of_a_failing_run_exits_one(services, tmp_path, pipelines):
    done = ductwork(services, tmp_path, "pipelines", "run", pipelines["bad"], "--follow")
    assert done.returncode == 1, done.stderr + done.stdout
    assert "FAILED" in done.stdout.strip().splitlines()[-1]


def test_lists_show_logs_and_connections(services, tmp_path, pipelines):
    listed = ductwork(services, tmp_path, "pipelines", "list")
    assert listed.returncode == 0 and pipelines["good"] in listed.stdout, listed.stderr
    shown = ductwork(services, tmp_path, "pipelines", "show", pipelines["good"])
    assert shown.returncode == 0 and "generate_series" in shown.stdout
    run_id = ductwork(services, tmp_path, "pipelines", "run", pipelines["good"]).stdout.strip()
    logs = ductwork(services, tmp_path, "runs", "logs", run_id, "--follow")
    assert logs.returncode == 0 and "finished" in logs.stdout, logs.stderr
    runs = ductwork(services, tmp_path, "runs", "list", "--pipeline", pipelines["good"])
    assert run_id in runs.stdout
    show = ductwork(services, tmp_path, "runs", "show", run_id)
    assert "COMPLETED" in show.stdout
    connections = ductwork(services, tmp_path, "connections", "list")
    assert pipelines["connection"] in connections.stdout
    assert "never-printed" not in connections.stdout
    tested = ductwork(services, tmp_path, "connections", "test", pipelines["connection"])
    assert tested.returncode == 0 and "connected" in tested.stdout
    approvals = ductwork(services, tmp_path, "approvals", "list")
    assert approvals.returncode == 0


def test_create_from_a_file_and_api_errors(services, tmp_path, pipelines, target_db):
    spec = {
        "name": unique_name("fromfile"),
        "definition": {
            "sources": {"rows": {"connection": pipelines["connection"], "query": "SELECT 1 AS x"}},
            "sinks": {"wh": {"connection": pipelines["connection"], "table": "wh.fromfile"}},
        },
    }
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(spec))
    created = ductwork(services, tmp_path, "pipelines", "create", "-f", str(path))
    assert created.returncode == 0 and "created pipeline" in created.stdout, created.stderr
    missing = ductwork(services, tmp_path, "runs", "show", "exec-nope")
    assert missing.returncode == 2 and "404" in missing.stderr


def test_login_with_an_api_key_keeps_it_private(services, tmp_path):
    done = ductwork(
        services, tmp_path, "login", "--url", services.base_url, "--api-key", services.api_key
    )
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "cli.json"
    assert saved.stat().st_mode & 0o077 == 0
    assert json.loads(saved.read_text())["tenant"] == "default"
    assert services.api_key not in done.stdout
