"""Seed 000's :describe and :analyze over stored pipelines, on real PostgreSQL."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.api.test_errors import assert_error
from tests.pipelines import create_connection, create_pipeline, fill_mixed_table, run_to_end

pytestmark = pytest.mark.postgres


@pytest.fixture
async def tables(source):
    table = f"ai_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 200)
    return table


def careless(src: str, dst: str, table: str) -> dict:
    """Every sin analyze knows: full scan appended each run, SELECT *, a cartesian join, a
    sort thrown away, no checks, no retries, a very long timeout."""
    return {
        "sources": {"orders": {"connection": src, "table": table}},
        "transformations": [
            {
                "name": "wide",
                "sql": "SELECT *\nFROM orders o\nCROSS JOIN orders p\nORDER BY o.id",
            }
        ],
        "sinks": {"wh": {"connection": dst, "table": f"wh.{table}_careless", "mode": "append"}},
        "orchestration": {"retries": 0, "timeout_minutes": 600},
    }


def careful(src: str, dst: str, table: str) -> dict:
    return {
        "sources": {
            "orders": {
                "connection": src,
                "table": table,
                "incremental": True,
                "cursor": "created_at",
            }
        },
        "transformations": [
            {
                "name": "daily",
                "description": "revenue per day",
                "sql": "SELECT id, day, amount FROM orders WHERE amount > 0",
            }
        ],
        "sinks": {
            "wh": {
                "connection": dst,
                "table": f"wh.{table}_careful",
                "mode": "merge",
                "keys": ["id"],
            }
        },
        "quality_checks": [
            {"type": "row_count", "min": 1},
            {"type": "not_null", "columns": ["id"]},
        ],
        "orchestration": {"retries": 3, "timeout_minutes": 30},
    }


async def _pipelines(api, source_db, target_db, table):
    src = await create_connection(api, source_db, f"ai-src-{table}")
    dst = await create_connection(api, target_db, f"ai-dst-{table}")
    bad = await create_pipeline(api, f"{table}-careless", careless(src, dst, table))
    good = await create_pipeline(api, f"{table}-careful", careful(src, dst, table))
    return bad, good


async def test_analyze_scores_concrete_checks(api, source_db, target_db, tables):
    bad, good = await _pipelines(api, source_db, target_db, tables)

    response = await api.post(f"/api/v1/pipelines/{bad}:analyze")
    assert response.status_code == 200, response.text
    report = response.json()
    checks = {i["check"] for i in report["issues"]}
    assert {
        "full_scan_append",
        "select_star",
        "cartesian_join",
        "useless_sort",
        "no_quality_checks",
        "no_retries",
        "unbounded_cost",
        "missing_partitioning",
    } <= checks
    for issue in report["issues"]:
        assert issue["severity"] in ("error", "warning", "info")
        assert issue["message"] and issue["recommendation"]
    star = next(i for i in report["issues"] if i["check"] == "select_star")
    assert star["location"] == "transformations.wide.sql:line 1"
    scan = next(i for i in report["issues"] if i["check"] == "full_scan_append")
    # The source table was introspected: its timestamp column is the cursor to use.
    assert "cursor: created_at" in scan["recommendation"]
    titles = {i["title"] for i in report["improvements"]}
    assert {"Load incrementally", "Add quality checks", "Retry transient failures"} <= titles
    assert report["metrics"]["measured_runs"] == 0
    assert re.fullmatch(r"\$\d+\.\d+", report["metrics"]["estimated_cost_per_run"])
    assert report["metrics"]["cost_basis"].startswith("estimate from the definition")

    good_report = (await api.post(f"/api/v1/pipelines/{good}:analyze")).json()
    assert good_report["issues"] == []
    assert good_report["quality_score"] == 100
    assert 0 <= report["quality_score"] < 50


async def test_describe_estimates_then_measures(api, source_db, target_db, tables):
    _, good = await _pipelines(api, source_db, target_db, tables)

    response = await api.post(f"/api/v1/pipelines/{good}:describe")
    assert response.status_code == 200, response.text
    body = response.json()
    sections = {e["section"]: e["content"] for e in body["explanations"]}
    assert list(sections) == ["overview", "data_flow", "transformations", "performance"]
    assert "incremental" in sections["overview"] and tables in sections["overview"]
    assert sections["data_flow"].startswith("1. Extract: reads table")
    assert "Incremental filtering of orders by created_at" in sections["transformations"]
    assert "Upsert (merge) on id" in sections["transformations"]
    assert "filters on amount > 0" in sections["transformations"]
    assert sections["performance"].startswith("Estimate")
    assert body["performance_measured"] is False

    run = await run_to_end(api, good)
    assert run["status"] == "COMPLETED", run
    body = (await api.post(f"/api/v1/pipelines/{good}:describe")).json()
    performance = next(e["content"] for e in body["explanations"] if e["section"] == "performance")
    assert performance.startswith("Measured over the last 1 completed run(s)")
    assert "median rows extracted 200" in performance
    assert body["performance_measured"] is True
    metrics = (await api.post(f"/api/v1/pipelines/{good}:analyze")).json()["metrics"]
    assert metrics["measured_runs"] == 1
    assert metrics["estimated_cost_per_run"].startswith("$")


async def test_unknown_pipeline_is_404(api):
    for action in ("describe", "analyze"):
        response = await api.post(f"/api/v1/pipelines/nope-{uuid.uuid4().hex}:{action}")
        assert_error(response, 404, "PIPELINE_NOT_FOUND")


async def test_generate_endpoint_delegates_describe_and_analyze(api, source_db, target_db, tables):
    """``POST /pipelines/generate`` with mode describe or analyze answers as the own routes do
    (it once called them without the settings, a TypeError for every request)."""
    _, good = await _pipelines(api, source_db, target_db, tables)

    for mode in ("describe", "analyze"):
        response = await api.post(
            "/api/v1/pipelines/generate", json={"mode": mode, "pipeline_id": good}
        )
        assert response.status_code == 200, response.text
        direct = (await api.post(f"/api/v1/pipelines/{good}:{mode}")).json()
        assert response.json() == direct
