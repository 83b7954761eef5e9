"""The README's example pipeline is valid and runs end to end as documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

from api.surfaces.pipeline_service.schemas.pipelines import PipelineCreate
from tests.pipelines import create_connection, run_to_end

README = Path(__file__).parent.parent / "README.md"


def readme_pipeline() -> dict:
    text = README.read_text()
    match = re.search(r"<!-- pipeline-example -->\s*```json\n(.*?)```", text, re.S)
    assert match, "README lost its pipeline example marker"
    return json.loads(match.group(1))


def test_readme_example_is_a_valid_pipeline():
    body = PipelineCreate.model_validate(readme_pipeline())
    assert body.definition.sinks["warehouse"].mode.value == "replace"


def test_readme_mentions_both_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text


async def test_readme_example_runs(api, source, target, source_db, target_db):
    await source.execute(
        """
        CREATE TABLE orders AS
        SELECT g AS id, timestamptz '2026-02-01' - g * interval '1 minute' AS created_at,
               round((g % 500)::numeric + 0.25, 2) AS amount,
               (ARRAY['EUR','USD','GBP'])[1 + g % 3] AS currency
        FROM generate_series(1, 10000) g
        """
    )
    await create_connection(api, source_db, "sales-db")
    await create_connection(api, target_db, "warehouse")
    response = await api.post("/v1/pipelines", json=readme_pipeline())
    assert response.status_code == 201, response.text
    run = await run_to_end(api, response.json()["pipelineId"])
    assert run["status"] == "COMPLETED", run
    expected = await source.fetchval("SELECT sum(amount) FROM orders WHERE amount > 0")
    assert await target.fetchval("SELECT sum(revenue) FROM analytics.daily_revenue") == expected
