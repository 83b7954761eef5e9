"""The credit-scoring package through the named batch pipelines API, in a fresh tenant: each of
the five pipelines with its documented asset outputs, a real model after three batches, the
same batch id giving the same parties and features (and a re-run replacing, never adding), and
the tables as ordinary tables of the tenant's scoring database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from domain.credit_scoring.features import FEATURES
from tests.asset_runs import fresh_tenant, run
from tests.pipelines import create_connection, create_pipeline, run_to_end

pytestmark = pytest.mark.postgres

OUTPUTS = {
    "ingest_pipeline": {"ingest_synthetic_batch": {"parties_created": 100}},
    "feature_extraction_pipeline": {"extract_features": {"features_extracted": 1600}},
    "scoring_pipeline": {"score_batch": {"parties_scored": 100}},
}


def _snapshot(path: Path, batch: str) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return {
            table: conn.execute(
                f"SELECT * FROM credit_scoring.{table} WHERE batch_id = ? ORDER BY ALL", [batch]
            ).fetchall()
            for table in ("parties", "accounts", "transactions", "features")
        }


async def test_five_pipelines_a_real_model_and_determinism(app, db, settings, target_db, target):
    async with fresh_tenant(app, db, settings) as (api, tenant):
        durations: dict[str, list[int]] = {}

        async def finished(pipeline: str, batch: str, **config) -> dict:  # type: ignore[no-untyped-def]
            body = await run(api, pipeline, batch, **config)
            assert body["status"] == "SUCCESS", body
            durations.setdefault(pipeline, []).append(body["duration_seconds"])
            return body

        for pipeline, assets in OUTPUTS.items():
            body = await finished(pipeline, "BATCH_A")
            assert set(body["assets"]) == set(assets)
            for asset, output in assets.items():
                assert body["assets"][asset]["status"] == "SUCCESS"
                assert output.items() <= body["assets"][asset]["output"].items()

        aucs = []
        for batch in ("BATCH_1", "BATCH_2", "BATCH_3"):
            body = await finished("full_scoring_pipeline", batch)
            trained = body["assets"]["train_model_asset"]["output"]
            aucs.append(trained["auc_roc"])
        assert trained["samples"] == 300  # every labelled batch so far (BATCH_A has no labels)
        assert aucs[-1] > 0.65, aucs

        body = await finished(
            "ml_training_pipeline", "BATCH_3", test_size=0.2, min_samples=100, auc_threshold=0.6
        )
        assert body["assets"]["train_model_asset"]["output"]["auc_roc"] > 0.65
        version = body["assets"]["refine_scorecard"]["output"]["new_version"]

        path = Path(settings.data_dir) / "tenants" / tenant / "scoring.duckdb"
        before = _snapshot(path, "BATCH_A")
        assert len(before["parties"]) == 100 and len(before["features"]) == 100
        await finished("ingest_pipeline", "BATCH_A")
        await finished("feature_extraction_pipeline", "BATCH_A")
        assert _snapshot(path, "BATCH_A") == before  # same batch id: same rows, none added

        await finished("scoring_pipeline", "BATCH_A", scorecard_version=version)
        with duckdb.connect(str(path), read_only=True) as conn:
            scores = conn.execute(
                "SELECT scorecard_version, COUNT(*), MIN(score) < MAX(score) "
                "FROM credit_scoring.scores WHERE batch_id = 'BATCH_A' GROUP BY 1 ORDER BY 1"
            ).fetchall()
            models = conn.execute(
                "SELECT model_id, samples, auc_roc FROM credit_scoring.models ORDER BY 1"
            ).fetchall()
            coefficients = conn.execute(
                "SELECT COUNT(*) FROM credit_scoring.model_coefficients "
                "WHERE model_id = 'model_BATCH_3'"
            ).fetchone()
        assert scores == [(version, 100, True), ("v1", 100, True)]
        assert [m[0] for m in models] == ["model_BATCH_1", "model_BATCH_2", "model_BATCH_3"]
        assert coefficients == (len(FEATURES),)
        print("AUC after each batch:", aucs, "run seconds:", durations)

        # Any Ductwork pipeline reads the scores, here into a PostgreSQL warehouse.
        scoring = await api.post(
            "/v1/pipelines/connections",
            json={"name": "scoring-file", "type": "duckdb", "database": "scoring.duckdb"},
        )
        assert scoring.status_code == 201, scoring.text
        warehouse = await create_connection(api, target_db, "warehouse")
        table = f"scores_{tenant.replace('-', '_')}"
        query = (
            "SELECT party_id, score, band FROM credit_scoring.scores "
            f"WHERE batch_id = 'BATCH_A' AND scorecard_version = '{version}'"
        )
        pipeline = await create_pipeline(
            api,
            "load-scores",
            {
                "sources": {"scores": {"connection": "scoring-file", "query": query}},
                "sinks": {"wh": {"connection": warehouse, "table": f"public.{table}"}},
            },
        )
        loaded = await run_to_end(api, pipeline)
        assert loaded["status"] == "COMPLETED", loaded
        assert await target.fetchval(f"SELECT COUNT(*) FROM public.{table}") == 100
