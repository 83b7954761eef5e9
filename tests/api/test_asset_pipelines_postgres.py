"""Asset pipelines over PostgreSQL, through the named batch pipelines API: the credit-scoring
package pointed at PostgreSQL (a connection named credit_scoring), and a tenant's own pipeline
of three SQL assets that reads the package's tables through that connection."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from tests.asset_runs import fresh_tenant, run, trigger, wait_run
from tests.conftest import pg_connection_body, scratch_database
from tests.services import PG_HOST, PG_PORT, pg_dsn, require

pytestmark = pytest.mark.postgres

ACTIVE_SLEEP = (
    "SELECT COUNT(*) FROM pg_stat_activity WHERE query ILIKE '%pg_sleep(0.05)%' "
    "AND state = 'active' AND pid <> pg_backend_pid()"
)


def _report(name: str, schema: str) -> dict:
    return {
        "name": name,
        "description": "parties per score band of a batch",
        "connection": "credit_scoring",
        "schema": schema,
        "config": {"min_score": {"default": 0, "description": "leave out lower scores"}},
        "assets": [
            {
                "name": "scored_parties",
                "sql": "SELECT s.party_id, s.batch_id, s.score, s.band, f.utilisation "
                "FROM credit_scoring.scores AS s JOIN credit_scoring.features AS f "
                "ON f.party_id = s.party_id "
                "WHERE s.batch_id = :batch_id AND s.score >= :min_score",
                "partition_by": ["batch_id"],
            },
            {
                "name": "band_counts",
                "deps": ["scored_parties"],
                "sql": "SELECT batch_id, band, COUNT(*) AS parties, "
                f"AVG(utilisation) AS avg_utilisation FROM {schema}.scored_parties "
                "WHERE batch_id = :batch_id GROUP BY batch_id, band",
                "partition_by": ["batch_id"],
                "outputs": {"bands": "COUNT(*)", "parties": "SUM(parties)"},
            },
            {
                "name": "batch_summary",
                "deps": ["band_counts"],
                "sql": "SELECT batch_id, SUM(parties) AS parties, COUNT(*) AS bands "
                f"FROM {schema}.band_counts GROUP BY batch_id",
            },
        ],
    }


async def test_credit_scoring_on_postgres_and_a_users_own_pipeline(app, db, settings):
    require(PG_HOST, PG_PORT, "PostgreSQL")
    async with (
        scratch_database("scoring") as database,
        fresh_tenant(app, db, settings) as (api, _),
    ):
        created = await api.post(
            "/v1/pipelines/connections", json=pg_connection_body(database, "credit_scoring")
        )
        assert created.status_code == 201, created.text
        body = await run(api, "full_scoring_pipeline", "BATCH_PG", auc_threshold=0.0)
        assert body["status"] == "SUCCESS", body

        schema = f"reports_{uuid.uuid4().hex[:6]}"
        name = f"band_report_{uuid.uuid4().hex[:6]}"
        definition = _report(name, schema)
        response = await api.post("/api/pipeline/definitions", json=definition)
        assert response.status_code == 201, response.text
        assert (await api.post("/api/pipeline/definitions", json=definition)).status_code == 409
        listed = (await api.get("/api/pipeline/definitions")).json()["pipelines"]
        assert {(p["name"], p["built_in"]) for p in listed} >= {
            (name, False),
            ("full_scoring_pipeline", True),
        }
        schema_doc = await api.get("/v1/schemas/asset-pipeline-definition")
        assert schema_doc.status_code == 200 and "assets" in schema_doc.json()["properties"]

        body = await run(api, name, "BATCH_PG", min_score=0)
        assert body["status"] == "SUCCESS", body
        assert list(body["assets"]) == ["scored_parties", "band_counts", "batch_summary"]
        assert body["assets"]["scored_parties"]["output"] == {"rows": 100}
        counts = body["assets"]["band_counts"]["output"]
        assert counts["parties"] == 100 and 1 <= counts["bands"] <= 5
        assert body["assets"]["batch_summary"]["output"] == {"rows": 1}

        conn = await asyncpg.connect(pg_dsn(database))
        try:
            summary = await conn.fetch(f"SELECT batch_id, parties FROM {schema}.batch_summary")
            scores = await conn.fetchval(
                "SELECT COUNT(*) FROM credit_scoring.scores WHERE batch_id = 'BATCH_PG'"
            )
            leftovers = await conn.fetchval(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE '%__stg_%'"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in summary] == [("BATCH_PG", 100)]
        assert scores == 100 and leftovers == 0

        broken = _report(f"broken_{uuid.uuid4().hex[:6]}", schema)
        broken["assets"][0]["sql"] = "SELECT party_id FROM credit_scoring.no_such_table"
        assert (await api.post("/api/pipeline/definitions", json=broken)).status_code == 201
        failed = await run(api, broken["name"], "BATCH_PG")
        assert failed["status"] == "FAILURE"
        assert failed["error"]["details"]["failed_asset"] == "scored_parties"
        assert "no_such_table" in failed["error"]["details"]["error"]
        assert failed["assets"]["batch_summary"]["status"] == "SKIPPED"

        assert (await api.delete(f"/api/pipeline/definitions/{name}")).status_code == 204
        gone = await api.post(f"/api/pipeline/trigger/{name}", json={"batch_id": "BATCH_PG"})
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "PIPELINE_NOT_FOUND"


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"name": "full_scoring_pipeline"}, 409, "built-in"),
        ({"connection": "nowhere"}, 404, "connection 'nowhere' not found"),
        ({"assets": [{"name": "a", "deps": ["a"], "sql": "SELECT 1 AS x"}]}, 422, "cycle"),
    ],
)
async def test_definitions_refused(api, change, status, says):
    definition = {**_report(f"r_{uuid.uuid4().hex[:6]}", "reports"), **change}
    response = await api.post("/api/pipeline/definitions", json=definition)
    assert response.status_code == status, response.text
    assert says in response.text


async def test_cancel_reaches_a_running_postgres_query(api, target_db, target):
    """The cancel stops the asset's statement on the server; its table is never created and
    nothing it staged is left."""
    tag = uuid.uuid4().hex[:6]
    created = await api.post(
        "/v1/pipelines/connections", json=pg_connection_body(target_db, f"slow-{tag}")
    )
    assert created.status_code == 201, created.text
    definition = {
        "name": f"slow_{tag}",
        "connection": f"slow-{tag}",
        "schema": f"slow_{tag}",
        "assets": [
            {"name": "quick", "sql": "SELECT 1 AS x"},
            {
                "name": "crawl",
                "deps": ["quick"],
                "sql": "SELECT g FROM generate_series(1, 1200) AS g "
                "WHERE CAST(pg_sleep(0.05) AS TEXT) = ''",
            },
        ],
    }
    assert (await api.post("/api/pipeline/definitions", json=definition)).status_code == 201
    run_id = await trigger(api, definition["name"], "BATCH_SLOW")
    running = 0
    for _ in range(300):  # until the asset's statement runs on the server
        running = await target.fetchval(ACTIVE_SLEEP)
        if running:
            break
        await asyncio.sleep(0.05)
    cancelled = await api.post(f"/api/pipeline/cancel/{run_id}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELING"
    body = await wait_run(api, run_id, within=30)
    assert body["status"] == "CANCELED", body
    assert body["assets"]["quick"]["status"] == "SUCCESS"
    assert body["assets"]["crawl"]["status"] == "CANCELED"
    tables = await target.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
        f"slow_{tag}",
    )
    assert [r["table_name"] for r in tables] == ["quick"]
    assert running == 1
    assert await target.fetchval(ACTIVE_SLEEP) == 0
