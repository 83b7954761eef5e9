"""One trace from the API request to each step of the run it starts; /metrics counts the run;
every log line is JSON with its trace id."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from api.main import create_app
from core import telemetry, temporal
from core.logging import configure_logging
from core.settings import Settings
from store.db import Database
from tests import auth
from tests.pipelines import copy_pipeline, run_to_end, unique_name
from worker import build_worker

SCRAPE_TOKEN = "scrape-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    spans = InMemorySpanExporter()
    provider = telemetry.configure_tracing(Settings().telemetry, "api")
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return spans


@pytest.fixture(scope="module")
async def traced_api(
    exporter: InMemorySpanExporter, client: Client, settings: Settings, db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and a worker on a client with Temporal's tracing interceptor, as deployed."""
    traced = await Client.connect(
        client.service_client.config.target_host,
        namespace=client.namespace,
        interceptors=[TracingInterceptor()],
    )
    queue = f"traced-{uuid.uuid4().hex}"
    traced_settings = settings.model_copy(
        update={
            "temporal": settings.temporal.model_copy(update={"task_queue": queue}),
            "telemetry": settings.telemetry.model_copy(
                update={"metrics_token": SecretStr(SCRAPE_TOKEN)}
            ),
        }
    )
    app = create_app(traced_settings, client=traced)
    async with build_worker(traced, traced_settings, db, queue), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://ductwork.test",
            headers=auth.headers(auth.BOOTSTRAP_KEY),
        ) as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


@pytest.fixture(scope="module")
async def finished_run(traced_api: httpx.AsyncClient, source_db: str, target_db: str) -> dict:
    import asyncpg

    from tests.services import pg_dsn

    table = unique_name("traced")
    conn = await asyncpg.connect(pg_dsn(source_db))
    try:
        await conn.execute(f"CREATE TABLE {table} AS SELECT g AS id FROM generate_series(1, 25) g")
    finally:
        await conn.close()
    pipeline_id = await copy_pipeline(
        traced_api, source_db, target_db, {"table": table}, label="traced"
    )
    result = await run_to_end(traced_api, pipeline_id)
    assert result["status"] == "COMPLETED", result
    return {"pipeline_id": pipeline_id, **result}


def _hex(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"{span.context.trace_id:032x}"


async def test_one_trace_runs_from_the_request_to_every_step(exporter, finished_run):
    spans = exporter.get_finished_spans()
    execute = [
        s
        for s in spans
        if s.kind.name == "SERVER" and s.name.startswith("POST") and "execute" in s.name
    ]
    assert execute, sorted({s.name for s in spans})
    trace_id = _hex(execute[-1])
    in_trace = [s for s in spans if _hex(s) == trace_id]
    names = [s.name for s in in_trace]
    assert any(n.startswith("StartWorkflow:") for n in names), names
    assert any(n.startswith("RunWorkflow:") for n in names), names
    activities = {n.split(":", 1)[1] for n in names if n.startswith("RunActivity:")}
    assert "extract_load" in activities, names  # a plain copy: its extract and load as one
    run_id = finished_run["executionId"]
    steps = [s for s in in_trace if (s.attributes or {}).get("ductwork.run_id") == run_id]
    kinds = {s.name.split(" ", 1)[0] for s in steps}
    assert {"extract", "load"} <= kinds, [s.name for s in steps]
    for step in steps:
        attributes = step.attributes or {}
        assert attributes["ductwork.tenant"] == auth.DEFAULT_TENANT
        assert attributes["ductwork.pipeline_id"] == finished_run["pipeline_id"]
    # The request's own span names the tenant too.
    assert (execute[-1].attributes or {}).get("ductwork.tenant") == auth.DEFAULT_TENANT


async def test_metrics_count_the_run_for_the_scrape_job_and_the_admin(traced_api, finished_run):
    async with auth.anonymous_client(traced_api.app) as anonymous:
        assert (await anonymous.get("/metrics")).status_code == 401
        scraped = await anonymous.get(
            "/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"}
        )
        wrong = await anonymous.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
    assert scraped.status_code == 200, scraped.text
    text = scraped.text
    assert f'ductwork_runs{{status="COMPLETED",tenant="{auth.DEFAULT_TENANT}"}}' in text
    for name in (
        "ductwork_api_requests_total",
        "ductwork_api_request_duration_seconds_bucket",
        "ductwork_steps_total",
        "ductwork_step_rows_total",
        "ductwork_step_duration_seconds_total",
    ):
        assert name in text, name
    loaded = [
        line
        for line in text.splitlines()
        if line.startswith("ductwork_step_rows_total")
        and 'kind="load"' in line
        and 'status="COMPLETED"' in line
        and f'tenant="{auth.DEFAULT_TENANT}"' in line
    ]
    assert loaded and float(loaded[0].rsplit(" ", 1)[1]) >= 25
    as_admin = await traced_api.get("/metrics")
    assert as_admin.status_code == 200
    assert "temporal_" not in as_admin.text  # the process's SDK metrics are the operator's


async def test_a_viewer_cannot_read_metrics_and_an_admin_sees_only_its_tenant(
    traced_api, finished_run, db, settings
):
    other = await auth.make_tenancy(db, settings, f"metrics-{uuid.uuid4().hex[:8]}")
    async with auth.anonymous_client(traced_api.app) as http:
        viewer = await http.get("/metrics", headers=auth.headers(other.token("viewer"), None))
        admin = await http.get("/metrics", headers=auth.headers(other.token("admin"), None))
    assert viewer.status_code == 403
    assert admin.status_code == 200
    assert f'tenant="{auth.DEFAULT_TENANT}"' not in admin.text


def test_library_log_lines_are_json_with_the_trace_id(exporter):
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    try:
        with telemetry.span("logging check"):
            logging.getLogger("uvicorn.error").info("Started server process")
            logging.getLogger("temporalio.worker").warning("a multi\nline\nmessage")
    finally:
        configure_logging("INFO")
    lines = [json.loads(line) for line in out.getvalue().strip().splitlines()]
    assert [line["logger"] for line in lines] == ["uvicorn.error", "temporalio.worker"]
    assert all(len(line["trace_id"]) == 32 for line in lines)
    assert lines[1]["level"] == "warning" and lines[1]["event"] == "a multi\nline\nmessage"


def test_an_empty_scrape_token_setting_is_no_token():
    """Compose passes ${DUCTWORK_METRICS_TOKEN:-}: empty must not let 'Bearer ' in."""
    assert Settings(telemetry={"metrics_token": ""}).telemetry.metrics_token is None
    assert Settings(telemetry={"otlp_endpoint": ""}).telemetry.otlp_endpoint is None


async def test_the_web_ui_can_filter_by_status_and_shows_what_each_step_does(client, finished_run):
    handle = client.get_workflow_handle(finished_run["workflowId"])
    described = await handle.describe()
    assert described.typed_search_attributes.get(temporal.STATUS) == "COMPLETED"
    history = await handle.fetch_history()
    summaries = [
        json.loads(event.user_metadata.summary.data)
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
        and event.HasField("user_metadata")
    ]
    # A plain copy: its extract and load are one activity, summarised as one copy.
    assert any(s.startswith("copy ") and " into " in s and "(replace)" in s for s in summaries), (
        summaries
    )
