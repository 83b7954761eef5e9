"""The named batch pipelines API's document (/work/shared/seeds/002_*.txt): every curl example run
as written (credentials added, the run id substituted) against a fresh tenant, where the
credit-scoring pipelines it names are built in; the documented bodies, status words, asset
outputs, errors and webhook payload are checked. The tests build on each other in file order
(one fresh tenant per module): the first batch of 50 parties gives the document's exact
failure body, later runs count the parties labelled before them."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.asset_runs import fresh_tenant, run, trigger, wait_run
from tests.conformance.conftest import curl_examples, seed_text
from tests.replay.recording import record
from tests.webhook_receiver import receiving

SIX_ASSETS: dict[str, dict[str, type]] = {
    "ingest_synthetic_batch": {"parties_created": int},
    "extract_features": {"features_extracted": int},
    "score_batch": {"parties_scored": int},
    "generate_scorecard_labels": {"labels_generated": int},
    "train_model_asset": {"model_id": str, "auc_roc": float},
    "refine_scorecard": {"new_version": str},
}
TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"


@pytest.fixture(scope="module")
def examples() -> dict[str, tuple[str, str, object]]:
    """The document's four curl examples, by what they do."""
    found = curl_examples(seed_text("002_"))
    by_path = {path.split("/")[3].split("?")[0]: (m, path, body) for m, path, body in found}
    assert set(by_path) == {"trigger", "status", "runs", "cancel"}, found
    return by_path


@pytest.fixture(scope="module")
async def api(app, db, settings):
    async with fresh_tenant(app, db, settings) as (client, tenant):
        client.tenant = tenant  # type: ignore[attr-defined]
        yield client


def _check_asset(name: str, asset: dict) -> None:
    assert asset["status"] == "SUCCESS", (name, asset)
    assert set(asset) >= {"status", "started_at", "ended_at", "output"}
    assert asset["started_at"] <= asset["ended_at"]
    for key, kind in SIX_ASSETS[name].items():
        assert isinstance(asset["output"][key], kind), (name, asset["output"])


async def _record(client, api, run_id: str, name: str) -> None:
    """Keep the run's history for the replay tests (only when recording on purpose)."""
    await record(client.get_workflow_handle(f"{api.tenant}/assets/{run_id}"), name)


async def test_documented_failure_body_first(api, client):
    """A fresh tenant's first batch of 50 parties: the document's PIPELINE_FAILED example."""
    body = await run(api, "full_scoring_pipeline", "BATCH_050", batch_size=50)
    assert body["status"] == "FAILURE", body
    assert body["error"] == {
        "code": "PIPELINE_FAILED",
        "message": "Pipeline execution failed",
        "details": {"failed_asset": "train_model_asset", "error": "Insufficient samples: 50 < 100"},
    }
    assert body["assets"]["train_model_asset"]["status"] == "FAILURE"
    assert body["assets"]["refine_scorecard"]["status"] == "SKIPPED"
    assert body["assets"]["generate_scorecard_labels"]["output"]["labels_generated"] == 50
    await _record(client, api, body["run_id"], "asset_pipeline_failed")


async def test_trigger_and_status_examples(api, examples, client):
    method, path, request = examples["trigger"]
    with receiving() as receiver:
        hook = await api.post(
            "/api/pipeline/webhooks",
            json={
                "url": receiver.url,
                "events": ["SUCCESS", "FAILURE"],
                "pipelines": ["full_scoring_pipeline"],
            },
        )
        assert hook.status_code == 201, hook.text
        response = await api.request(method, path, json=request)
        assert response.status_code == 200, response.text
        triggered = response.json()
        assert set(triggered) == {"run_id", "pipeline", "status", "batch_id", "started_at"}
        assert triggered["pipeline"] == "full_scoring_pipeline"
        assert triggered["status"] == "STARTED"
        assert triggered["batch_id"] == "BATCH_001"
        assert triggered["run_id"].startswith("run_")

        method, path, _ = examples["status"]
        run_id = triggered["run_id"]
        body = await wait_run(api, run_id)
        response = await api.request(method, path.replace("run_abc123", run_id))
        assert response.status_code == 200
        assert response.json() == body
        assert body["status"] == "SUCCESS", body
        assert body["error"] is None
        for key in ("run_id", "pipeline", "status", "batch_id", "started_at", "ended_at"):
            assert body[key] is not None
        assert isinstance(body["duration_seconds"], int)
        assert list(body["assets"]) == list(SIX_ASSETS)
        for name, asset in body["assets"].items():
            _check_asset(name, asset)
        outputs = {name: a["output"] for name, a in body["assets"].items()}
        assert outputs["ingest_synthetic_batch"]["parties_created"] == 100
        assert outputs["extract_features"]["features_extracted"] == 1600
        assert outputs["score_batch"]["parties_scored"] == 100
        assert outputs["generate_scorecard_labels"]["labels_generated"] == 100
        assert outputs["train_model_asset"]["model_id"] == "model_BATCH_001"
        assert 0.5 < outputs["train_model_asset"]["auc_roc"] <= 1.0
        assert outputs["refine_scorecard"]["new_version"].startswith("ml_v")

        delivery = await _delivery_of(receiver, run_id)
    await _record(client, api, run_id, "asset_pipeline_completed")
    assert delivery.pop("signature").startswith("sha256=")  # Ductwork signs every body
    assert delivery == {
        "event": "PIPELINE_COMPLETED",
        "run_id": run_id,
        "pipeline": "full_scoring_pipeline",
        "status": "SUCCESS",
        "batch_id": "BATCH_001",
        "timestamp": body["ended_at"],
    }


async def _delivery_of(receiver, run_id: str) -> dict:
    """The payload delivered for the run (an earlier run's may arrive too)."""
    for count in range(1, 10):
        for received in await receiver.wait_for(count):
            if received.json()["run_id"] == run_id:
                return received.json()
    raise AssertionError(f"no delivery for {run_id}")


async def test_ml_training_configuration_and_failure(api):
    """The documented ml_training_pipeline config, with min_samples above the labelled count
    (150 parties so far): the documented PIPELINE_FAILED body."""
    body = await run(
        api,
        "ml_training_pipeline",
        "BATCH_001",
        test_size=0.2,
        min_samples=1000,
        auc_threshold=0.60,
    )
    assert body["status"] == "FAILURE"
    assert body["error"]["code"] == "PIPELINE_FAILED"
    assert body["error"]["details"] == {
        "failed_asset": "train_model_asset",
        "error": "Insufficient samples: 150 < 1000",
    }
    assert list(body["assets"]) == ["train_model_asset", "refine_scorecard"]

    ok = await run(api, "ml_training_pipeline", "BATCH_001", test_size=0.2, min_samples=100)
    assert ok["status"] == "SUCCESS", ok
    assert ok["assets"]["train_model_asset"]["output"]["model_id"] == "model_BATCH_001"
    version = ok["assets"]["refine_scorecard"]["output"]["new_version"]
    scored = await run(api, "scoring_pipeline", "BATCH_001", scorecard_version=version)
    assert scored["status"] == "SUCCESS", scored
    assert scored["assets"]["score_batch"]["output"]["parties_scored"] == 100


async def test_runs_example_filters_and_limit(api, examples):
    method, path, _ = examples["runs"]
    response = await api.request(method, path)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"runs", "total", "page", "per_page"}
    assert body["per_page"] == 10 and body["page"] == 1
    assert body["total"] >= 2 and len(body["runs"]) == min(10, body["total"])
    for listed in body["runs"]:
        assert listed["status"] == "FAILURE"
        assert set(listed) >= {"run_id", "pipeline", "status", "batch_id", "started_at"}
        assert listed["error"].startswith("Insufficient samples")
    one = await api.get(
        "/api/pipeline/runs",
        params={"pipeline": "full_scoring_pipeline", "batch_id": "BATCH_001", "limit": 1},
    )
    assert one.status_code == 200
    (latest,) = one.json()["runs"]
    assert latest["status"] == "SUCCESS" and latest["batch_id"] == "BATCH_001"
    assert isinstance(latest["duration_seconds"], int)


async def test_cancel_example_mid_asset(api, examples, settings, client):
    batch = f"BATCH_{uuid.uuid4().hex[:6]}"
    run_id = await trigger(api, "ingest_pipeline", batch, batch_size=60_000)
    for _ in range(300):
        status = (await api.get(f"/api/pipeline/status/{run_id}")).json()
        if status["assets"]["ingest_synthetic_batch"]["status"] == "STARTED":
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # well inside the asset: some chunks are staged
    method, path, _ = examples["cancel"]
    response = await api.request(method, path.replace("run_abc123", run_id))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "run_id": run_id,
        "status": "CANCELING",
        "message": "Pipeline cancellation requested",
    }
    body = await wait_run(api, run_id)
    assert body["status"] == "CANCELED", body
    assert body["assets"]["ingest_synthetic_batch"]["status"] == "CANCELED"
    again = await api.post(f"/api/pipeline/cancel/{run_id}")
    assert again.status_code == 409
    await _record(client, api, run_id, "asset_pipeline_cancelled")
    # No half-written asset table: no staging left, and none of the batch's rows.
    path = Path(settings.data_dir) / "tenants" / api.tenant / "scoring.duckdb"
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        assert not [t for t in tables if "__stg_" in t], tables
        for table in ("parties", "accounts", "transactions", "repayments"):
            counted = conn.execute(
                f"SELECT COUNT(*) FROM credit_scoring.{table} WHERE batch_id = ?", [batch]
            ).fetchone()
            assert counted == (0,), table


async def test_error_bodies(api):
    response = await api.post(
        "/api/pipeline/trigger/invalid_pipeline", json={"batch_id": "BATCH_001"}
    )
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "PIPELINE_NOT_FOUND"
    assert body["error"]["message"] == "Pipeline 'invalid_pipeline' not found"

    response = await api.get("/api/pipeline/status/run_invalid")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "RUN_NOT_FOUND"
    assert body["error"]["message"] == "Pipeline run 'run_invalid' not found"

    response = await api.post(
        "/api/pipeline/trigger/full_scoring_pipeline",
        json={"batch_id": "BATCH_001", "config": {"scorecard_versoin": "v1"}},
    )
    assert response.status_code == 422
    assert "scorecard_version" in response.json()["error"]["message"]
    response = await api.post(
        "/api/pipeline/trigger/ml_training_pipeline",
        json={"batch_id": "BATCH_001", "config": {"test_size": 1.5}},
    )
    assert response.status_code == 422
    assert "test_size" in response.json()["error"]["message"]
