"""The dashboard's other pages over HTTP: filters, a pipeline's page, a connection test, a
rejection from the approvals page (who decided, and why) and acknowledging the alert it raises."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest

from tests.dashboard.helpers import HTML, bootstrap_api, csrf_of, logged_in, postgres_pipeline
from tests.pipelines import create_connection, create_pipeline, unique_name, wait_finished
from tests.services import pg_dsn

CHECK = {
    "name": "review_big",
    "type": "range",
    "column": "amount",
    "max": 10,
    "severity": "approve",
}


@pytest.fixture(scope="module")
async def gated(app, source_db, target_db) -> dict[str, str]:
    """A pipeline whose check asks for an approval, and its connections."""
    table = unique_name("ui_refunds")
    source = await asyncpg.connect(pg_dsn(source_db))
    try:
        await source.execute(
            f"CREATE TABLE {table} AS SELECT g AS id, g::numeric AS amount "
            "FROM generate_series(1, 20) g"
        )
    finally:
        await source.close()
    names = {"source": unique_name("ui_src"), "target": unique_name("ui_dst")}
    async with bootstrap_api(app) as api:
        await create_connection(api, source_db, names["source"])
        await create_connection(api, target_db, names["target"])
        name = unique_name("refund_review")
        definition = postgres_pipeline(names["source"], names["target"], table, [CHECK])
        pipeline = await create_pipeline(api, name, definition, tags=["refunds", "reviewed"])
    return {**names, "pipeline": pipeline, "name": name}


async def test_pipeline_list_filters_and_page(app, tenancy, gated):
    async with logged_in(app, tenancy.members["viewer"]) as http:
        found = await http.get("/ui/pipelines", params={"tag": "refunds"}, headers=HTML)
        assert found.status_code == 200 and gated["name"] in found.text
        other = await http.get("/ui/pipelines", params={"tag": "no-such-tag"}, headers=HTML)
        assert gated["name"] not in other.text
        by_name = await http.get("/ui/pipelines", params={"q": gated["name"][-8:]}, headers=HTML)
        assert gated["name"] in by_name.text
        page = await http.get(f"/ui/pipelines/{gated['pipeline']}", headers=HTML)
        assert page.status_code == 200
        assert "review_big" in page.text  # the definition
        assert f"{gated['source']}" in page.text and "Lineage" in page.text
        assert "Run now" not in page.text  # a viewer does not run pipelines
        missing = await http.get("/ui/pipelines/no-such-pipeline", headers=HTML)
        assert missing.status_code == 404


async def test_the_list_filters_before_it_is_cut_at_its_limit(
    app, tenancy, gated, source_db, monkeypatch
):
    from api.dashboard.routes import pipelines as pipeline_pages

    name, table = unique_name("newest_of_many"), unique_name("ui_many")
    source = await asyncpg.connect(pg_dsn(source_db))
    try:
        await source.execute(f"CREATE TABLE {table} AS SELECT 1 AS id, 1::numeric AS amount")
    finally:
        await source.close()
    definition = postgres_pipeline(gated["source"], gated["target"], table, [])
    async with bootstrap_api(app) as api:
        await create_pipeline(api, name, definition)
    monkeypatch.setattr(pipeline_pages, "LIST_LIMIT", 1)  # older pipelines fill the first place
    async with logged_in(app, tenancy.members["viewer"]) as http:
        found = await http.get("/ui/pipelines", params={"q": name}, headers=HTML)
    assert found.status_code == 200 and f">{name}</a>" in found.text  # listed, not only asked


async def test_an_editor_tests_a_connection(app, tenancy, gated):
    async with logged_in(app, tenancy.members["editor"]) as http:
        page = await http.get("/ui/connections", headers=HTML)
        match = re.search(
            rf'{gated["source"]}</strong><div class="muted small mono">([^<]+)</div>', page.text
        )
        assert match, page.text[:3000]
        tested = await http.post(
            f"/ui/connections/{match.group(1)}/test",
            data={"csrf_token": csrf_of(page)},
            headers={"HX-Request": "true"},
        )
        assert tested.status_code == 200 and "connected" in tested.text
        assert "PostgreSQL" in tested.text


async def test_reject_from_the_approvals_page_then_acknowledge_the_alert(app, tenancy, gated):
    admin = tenancy.members["admin"]
    async with logged_in(app, admin) as http:
        pipeline_page = await http.get(f"/ui/pipelines/{gated['pipeline']}", headers=HTML)
        started = await http.post(
            f"/ui/pipelines/{gated['pipeline']}/run",
            data={"csrf_token": csrf_of(pipeline_page), "parameters": ""},
            headers=HTML,
        )
        assert started.status_code == 303, started.text
        execution = started.headers["location"].rsplit("/", 1)[-1]

        request_id = None
        for _ in range(300):  # the run reaches its check and asks
            page = await http.get("/ui/approvals", headers=HTML)
            found = re.search(
                rf'/ui/runs/{execution}"(?:(?!</form>).)*?action="/ui/approvals/([^/"]+)/decide"',
                page.text,
                re.S,
            )
            if found:
                request_id = found.group(1)
                break
            await asyncio.sleep(0.1)
        assert request_id, "the run never asked for an approval"
        refused = await http.post(
            f"/ui/approvals/{request_id}/decide",
            data={"csrf_token": csrf_of(page), "decision": "reject", "next": "/ui/approvals"},
            headers=HTML,
        )
        assert refused.status_code == 422 and "give the reason" in refused.text
        decided = await http.post(
            f"/ui/approvals/{request_id}/decide",
            data={
                "csrf_token": csrf_of(page),
                "decision": "reject",
                "reason": "amounts look wrong",
                "next": "/ui/approvals",
            },
            headers=HTML,
        )
        assert decided.status_code == 303 and decided.headers["location"] == "/ui/approvals"
        listing = await http.get("/ui/approvals", headers=HTML)
        assert "REJECTED" in listing.text and admin.email in listing.text
        assert "amounts look wrong" in listing.text
        again = await http.post(
            f"/ui/approvals/{request_id}/decide",
            data={"csrf_token": csrf_of(page), "decision": "approve", "reason": "changed mind"},
        )
        assert again.status_code == 409

        async with bootstrap_api(app) as api:
            done = await wait_finished(api, execution)
        assert done["status"] == "FAILED" and "amounts look wrong" in done["error"]
        run_page = await http.get(f"/ui/runs/{execution}", headers=HTML)
        assert "rejected</strong> by <strong>" + admin.email in run_page.text

        alert = None
        for _ in range(100):  # the failed run's alert is recorded by its workflow
            alerts = await http.get("/ui/alerts", headers=HTML)
            alert = re.search(
                rf'/ui/alerts/([^/"]+)/acknowledge"(?:(?!</tr>).)*?{execution}|'
                rf'{execution}(?:(?!</tr>).)*?/ui/alerts/([^/"]+)/acknowledge"',
                alerts.text,
                re.S,
            )
            if alert:
                break
            await asyncio.sleep(0.1)
        assert alert, "the failed run raised no open alert"
        alert_id = alert.group(1) or alert.group(2)
        acknowledged = await http.post(
            f"/ui/alerts/{alert_id}/acknowledge",
            data={"csrf_token": csrf_of(alerts), "next": "/ui/alerts?status=ACKNOWLEDGED"},
            headers=HTML,
        )
        assert acknowledged.status_code == 303
        shown = await http.get(acknowledged.headers["location"], headers=HTML)
        assert f"acknowledged by {admin.email}" in shown.text
