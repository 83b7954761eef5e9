"""The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against the API served by a real uvicorn on a free port, with a real worker: log in, start a
run and watch it finish, approve a gated run and watch it load live, see the decision, run an
asset pipeline.
Screenshots are kept in the test's temporary directory and copied to
tests/artifacts/screenshots/ (not in git)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn

from tests import auth
from tests.dashboard.helpers import postgres_pipeline
from tests.pipelines import unique_name
from tests.service_processes import free_port
from tests.services import pg_dsn

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
ROWS = 50_000
WAIT_MS = 30_000

if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip(
        "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); "
        "under CI=true .ci/run installs it",
        allow_module_level=True,
    )
if os.environ.get("CI") == "true":
    from playwright import async_api as playwright  # must run under CI: no skip
else:
    playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright")


@pytest.fixture(scope="module")
async def server(app) -> AsyncIterator[str]:
    """The test session's app (and its worker) served by uvicorn on a free port, in this loop."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",  # the session's app is already started
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    serving = uvicorn.Server(config)
    task = asyncio.create_task(serving.serve())
    while not serving.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    serving.should_exit = True
    await task


@pytest.fixture(scope="module")
async def pipelines(server: str, source_db: str, target_db: str) -> AsyncIterator[dict[str, str]]:
    """Two pipelines over one table: a plain copy, and one whose check asks for an approval."""
    table = unique_name("ui_sales")
    source = await asyncpg.connect(pg_dsn(source_db))
    try:
        await source.execute(
            f"CREATE TABLE {table} AS SELECT g AS id, (g % 150)::numeric(10, 2) AS amount, "
            f"now() - g * interval '1 second' AS sold_at FROM generate_series(1, {ROWS}) g"
        )
    finally:
        await source.close()
    credentials = {"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT}
    async with httpx.AsyncClient(base_url=server, headers=credentials) as api:
        names = {"sales-db": unique_name("sales_db"), "warehouse": unique_name("warehouse")}
        for role, database in (("sales-db", source_db), ("warehouse", target_db)):
            response = await api.post(
                "/v1/pipelines/connections",
                json={
                    "name": names[role],
                    "type": "postgresql",
                    "host": "127.0.0.1",
                    "port": 5432,
                    "database": database,
                    "username": "postgres",
                    "password": "trust-auth",
                },
            )
            assert response.status_code == 201, response.text
        review = {"name": "review_big", "type": "range", "column": "amount", "max": 100}
        ids = {"sales-db": names["sales-db"]}
        for name, checks, sink in (
            ("daily-sales-copy", [], f"{table}_copy"),
            ("reviewed-sales", [{**review, "severity": "approve"}], f"{table}_reviewed"),
        ):
            body = {
                "name": unique_name(name),
                "description": f"{ROWS:,} sales rows into the warehouse",
                "tags": ["sales", "dashboard"],
                "definition": postgres_pipeline(
                    names["sales-db"], names["warehouse"], table, checks, sink
                ),
            }
            response = await api.post("/v1/pipelines", json=body)
            assert response.status_code == 201, response.text
            ids[name] = response.json()["pipelineId"]
        # A paused schedule (it never fires here), so the schedules page has one to show.
        schedule = await api.post(
            "/v1/pipelines/schedules",
            json={
                "pipelineId": ids["daily-sales-copy"],
                "cronExpression": "0 2 * * *",
                "timezone": "Europe/Paris",
                "enabled": False,
            },
        )
        assert schedule.status_code == 201, schedule.text
        yield ids
        await api.delete(f"/v1/pipelines/schedules/{schedule.json()['scheduleId']}")


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator:
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        tab = await context.new_page()
        tab.set_default_timeout(WAIT_MS)
        yield tab
        await browser.close()


class Shots:
    """Full-page screenshots in the test's directory, copied to tests/artifacts/screenshots."""

    def __init__(self, tab, directory: Path) -> None:  # type: ignore[no-untyped-def]
        self.tab = tab
        self.directory = directory
        self.taken: list[str] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def take(self, name: str) -> None:
        path = self.directory / f"{name}.png"
        await self.tab.screenshot(path=str(path), full_page=True)
        shutil.copy(path, ARTIFACTS / path.name)
        self.taken.append(name)


# Records the run page's percentage each time the live part is swapped: it moves without a reload.
WATCH_PROGRESS = """() => {
  window.__seen = [document.querySelector('#run-percentage').textContent];
  window.__sameDocument = true;
  new MutationObserver(() => {
    const shown = document.querySelector('#run-percentage');
    if (shown) window.__seen.push(shown.textContent);
  }).observe(document.querySelector('#live'), {childList: true, subtree: true});
}"""


async def test_log_in_run_approve_and_watch_it_live(
    server: str, pipelines: dict[str, str], tenancy: auth.Tenancy, page, tmp_path: Path
) -> None:
    shots = Shots(page, tmp_path)
    base = server
    admin = tenancy.members["admin"]

    # Log in: any dashboard address leads to the form, and back after it.
    await page.goto(f"{base}/")
    await page.wait_for_url(f"{base}/ui/login?next=*")
    await shots.take("01-login")
    await page.fill("input[name=email]", admin.email)
    await page.fill("input[name=password]", auth.PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/ui/runs")
    assert "default · admin" in await page.text_content("header")

    # Start a run from its pipeline's page and watch it finish.
    await page.click("text=Pipelines")
    await page.fill("input[name=q]", "daily-sales-copy")
    await page.click("button:has-text('Filter')")
    await page.click("table.list a:has-text('daily-sales-copy')")
    await page.wait_for_selector("#definition")
    await shots.take("02-pipeline")
    await page.click("#run-button")
    await page.wait_for_url(f"{base}/ui/runs/exec-*")
    run_url = page.url
    await page.wait_for_selector("#run-status .s-completed")
    assert (await page.text_content("#run-percentage")).strip() == "100%"
    assert page.url == run_url
    rows = await page.text_content("#rows-loaded")
    assert rows is not None and rows.replace(",", "") == str(ROWS)
    temporal = await page.get_attribute("#temporal-link", "href")
    assert temporal is not None and "/workflows/default%2Frun%2Fexec-" in temporal
    await page.select_option("select[name=task]", "load_copy")
    await page.wait_for_selector("#logs .logs")
    assert "load_copy" in await page.text_content("#logs")
    await shots.take("03-run-completed")

    # A gated run waits for a decision; approving it on its page lets it load, live.
    await page.goto(f"{base}/ui/pipelines/{pipelines['reviewed-sales']}")
    await page.click("#run-button")
    await page.wait_for_url(f"{base}/ui/runs/exec-*")
    await page.wait_for_selector("#approval-status:has-text('PENDING')")
    assert (await page.text_content("#run-status")).strip() == "RUNNING"
    waiting_at = (await page.text_content("#run-percentage")).strip()
    assert waiting_at != "100%"
    await shots.take("04-run-waiting-for-approval")
    await page.evaluate(WATCH_PROGRESS)
    await page.fill("#decide-form input[name=reason]", "big refunds are expected this week")
    await page.click("#decide-form button[value=approve]")
    await page.wait_for_selector("#run-status .s-completed")
    assert await page.evaluate("window.__sameDocument") is True  # no reload: it came live
    seen = await page.evaluate("window.__seen")
    assert seen[0] == waiting_at and seen[-1] == "100%", seen
    decision = await page.text_content("#approval-decision")
    assert decision is not None
    assert f"approved by {admin.email}" in " ".join(decision.split())
    assert "big refunds are expected this week" in decision
    await shots.take("05-run-approved-and-completed")

    # The decision is listed with who took it; the other pages render for the same login.
    await page.click("header >> text=Approvals")
    await page.wait_for_selector("text=big refunds are expected this week")
    await shots.take("06-approvals")
    await page.click("header >> text=Runs")
    await page.wait_for_selector("table.list .s-completed")
    await shots.take("07-runs")
    await page.click("header >> text=Connections")
    row = f"tr:has-text('{pipelines['sales-db']}')"
    await page.click(f"{row} button:has-text('Test')")
    await page.wait_for_selector(f"{row} .s-completed")
    await shots.take("08-connections")
    await page.click("header >> text=Alerts")
    await page.wait_for_selector("h1:has-text('Alerts')")
    await shots.take("09-alerts")
    await page.click("header >> text=Schedules & deployments")
    await page.wait_for_selector("td:has-text('0 2 * * *')")
    assert "Europe/Paris" in await page.text_content("table.list")
    await shots.take("10-schedules")

    # An asset pipeline's run, with a batch id and config, followed live to its end.
    await page.click("header >> text=Asset pipelines")
    await page.click("#asset-pipelines a:has-text('ingest_pipeline')")
    await page.fill("input[name=batch_id]", "BROWSER_001")
    await page.fill("input[name='config.batch_size']", "25")
    await page.click("#asset-run-button")
    await page.wait_for_url(f"{base}/ui/asset-runs/run_*")
    await page.wait_for_selector("#run-status .s-completed")
    assert "ingest_synthetic_batch" in await page.text_content("#asset-table")
    temporal = await page.get_attribute("#temporal-link", "href")
    assert temporal is not None and "/workflows/default%2Fassets%2Frun_" in temporal
    await shots.take("11-asset-run")
    assert {f"{name}.png" for name in shots.taken} <= {p.name for p in ARTIFACTS.glob("*.png")}
