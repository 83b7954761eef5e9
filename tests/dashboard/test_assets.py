"""Asset pipelines on the dashboard over HTTP: the list with assets and dependencies, a built-in
pipeline's page and its run form (batch id, config), a run to its end with each asset's output,
a refused form, a running run's live page and its cancel (httpx over ASGI reads a stream only
whole, so a finished run's stream is read here; the browser test watches one live)."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import httpx

from tests.asset_runs import wait_run
from tests.dashboard.helpers import HTML, bootstrap_api, csrf_of, logged_in
from tests.pipelines import create_connection

RUN_LOCATION = re.compile(r"^/ui/asset-runs/(run_[0-9a-f]+)$")


async def _page_until(http: httpx.AsyncClient, url: str, text: str, within: float = 90) -> str:
    deadline = time.monotonic() + within
    while True:
        page = await http.get(url, headers=HTML)
        assert page.status_code == 200, page.text[:500]
        if text in page.text:
            return page.text
        assert time.monotonic() < deadline, page.text[:3000]
        await asyncio.sleep(0.2)


async def _start(http: httpx.AsyncClient, pipeline: str, **fields: str) -> str:
    page = await http.get(f"/ui/assets/{pipeline}", headers=HTML)
    assert page.status_code == 200, page.text[:500]
    started = await http.post(
        f"/ui/assets/{pipeline}/run", data={"csrf_token": csrf_of(page), **fields}, headers=HTML
    )
    assert started.status_code == 303, started.text[:500]
    found = RUN_LOCATION.match(started.headers["location"])
    assert found, started.headers["location"]
    return found.group(1)


async def test_asset_pipelines_their_assets_and_a_run_to_its_end(app, tenancy):
    async with logged_in(app, tenancy.members["viewer"]) as http:
        listing = await http.get("/ui/assets", headers=HTML)
        assert listing.status_code == 200
        assert "full_scoring_pipeline" in listing.text and "built-in" in listing.text
        # Each asset with what it depends on.
        assert 'extract_features</span> <span class="muted">← ingest_synthetic_batch' in (
            listing.text
        )
        page = await http.get("/ui/assets/ingest_pipeline", headers=HTML)
        assert page.status_code == 200 and "batch_size" in page.text
        assert "asset-run-form" not in page.text  # a viewer does not run pipelines
        assert (await http.get("/ui/assets/no_such_pipeline", headers=HTML)).status_code == 404

    async with logged_in(app, tenancy.members["editor"]) as http:
        page = await http.get("/ui/assets/ingest_pipeline", headers=HTML)
        assert 'name="batch_id"' in page.text and 'name="config.batch_size"' in page.text
        batch = f"UI_{uuid.uuid4().hex[:6]}"
        run_id = await _start(
            http, "ingest_pipeline", batch_id=batch, **{"config.batch_size": "12"}
        )
        # The run's own progress bar, not an asset's badge: the run is recorded as finished.
        shown = await _page_until(http, f"/ui/asset-runs/{run_id}", "fill s-completed")
        assert batch in shown and "ingest_synthetic_batch" in shown
        assert '"batch_size": 12' in shown.replace("&#34;", '"')  # the run's config
        assert "Open in Temporal Web UI" in shown and "Cancel run" not in shown
        assert 'class="output"' in shown  # the asset's output JSON
        # The list shows the run; a finished run's stream says so and ends.
        assert run_id in (await http.get("/ui/assets", headers=HTML)).text
        events = await http.get(f"/ui/asset-runs/{run_id}/events")
        assert events.headers["content-type"].startswith("text/event-stream")
        names = [b.split("\n")[0] for b in events.text.split("\n\n") if b.strip()]
        assert names == ["event: progress", "event: end"], names
        assert "data: COMPLETED" in events.text
        # Cancelling a finished run is a conflict, said as such.
        page = await http.get(f"/ui/asset-runs/{run_id}", headers=HTML)
        again = await http.post(
            f"/ui/asset-runs/{run_id}/cancel", data={"csrf_token": csrf_of(page)}
        )
        assert again.status_code == 409 and again.json()["error_code"] == "RUN_ALREADY_FINISHED"


async def test_a_run_form_with_bad_fields_is_refused_with_a_reason(app, tenancy):
    async with logged_in(app, tenancy.members["editor"]) as http:
        token = csrf_of(await http.get("/ui/assets/ingest_pipeline", headers=HTML))
        for fields, says in (
            ({"batch_id": ""}, "enter a batch id"),
            ({"batch_id": "B\x01"}, "no control"),
            ({"batch_id": "B", "config.batch_size": "many"}, "must be an integer"),
            ({"batch_id": "B", "config.batch_size": "0"}, "at least 1"),
        ):
            refused = await http.post(
                "/ui/assets/ingest_pipeline/run", data={"csrf_token": token, **fields}
            )
            assert refused.status_code == 422, (fields, refused.text)
            assert says in refused.json()["error"]["message"], (fields, refused.text)
        missing = await http.post(
            "/ui/assets/no_such_pipeline/run", data={"csrf_token": token, "batch_id": "B"}
        )
        assert missing.status_code == 404


async def test_a_running_asset_run_streams_and_is_cancelled(app, tenancy, target_db):
    tag = uuid.uuid4().hex[:6]
    name = f"ui_slow_{tag}"
    async with bootstrap_api(app) as api:
        await create_connection(api, target_db, f"ui-slow-{tag}")
        definition = {
            "name": name,
            "connection": f"ui-slow-{tag}",
            "schema": f"ui_slow_{tag}",
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
        created = await api.post("/api/pipeline/definitions", json=definition)
        assert created.status_code == 201, created.text
        async with logged_in(app, tenancy.members["editor"]) as http:
            run_id = await _start(http, name, batch_id="SLOW")
            await wait_run(api, run_id, {"STARTED"}, within=30)
            page = await http.get(f"/ui/asset-runs/{run_id}", headers=HTML)
            assert f'sse-connect="/ui/asset-runs/{run_id}/events"' in page.text
            assert "Cancel run" in page.text
            cancelled = await http.post(
                f"/ui/asset-runs/{run_id}/cancel", data={"csrf_token": csrf_of(page)}
            )
            assert cancelled.status_code == 303, cancelled.text
            body = await wait_run(api, run_id, within=30)
            assert body["status"] == "CANCELED", body
            shown = await _page_until(http, f"/ui/asset-runs/{run_id}", "badge s-cancelled")
            assert "Cancel run" not in shown
