"""HTTP source: a query over a resource fetches its first page once, and a stop signal (a
cancelled step) ends a Retry-After wait at once instead of after up to 60 s."""

from __future__ import annotations

import threading
import time

import pytest

from activities.extract import _read
from connectors.base import ConnectionSettings
from connectors.postgres.arrow_ingest import Stopped
from connectors.registry import connector_for
from tests.http_api import Api, orders, serve

HTTP = connector_for("http")


@pytest.fixture
def server():
    with serve(Api(orders(25))) as api:
        yield api


def _config(api: Api, **properties):
    return HTTP.config(ConnectionSettings(api.url, None, "", properties=properties))


async def test_a_query_reads_each_page_once(server):
    config = _config(server, pagination="page")
    query = 'SELECT id FROM "page" WHERE id > 3'
    schema = await HTTP.describe(config, query)
    server.requests.clear()
    rows = [i for b in HTTP.read(config, query, schema, 1000) for i in b.column("id").to_pylist()]
    assert sorted(rows) == list(range(4, 26))
    paths = [p for p, _ in server.requests]
    assert paths == ["/v1/page?page=1", "/v1/page?page=2", "/v1/page?page=3", "/v1/page?page=4"]


@pytest.mark.parametrize("query", ['SELECT * FROM "limited"', 'SELECT id FROM "limited"'])
def test_a_stop_ends_a_retry_after_wait_at_once(server, query):
    config = _config(server)
    server.rate_limited, server.retry_after = 1, "60"
    stop = threading.Event()
    outcome: list[BaseException | None] = []

    def consume() -> None:
        try:
            list(_read(HTTP, config, query, None, 1000, stop))  # type: ignore[arg-type]
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=consume)
    started = time.monotonic()
    reader.start()
    for _ in range(100):  # until the 429 has been answered and the wait began
        if server.requests:
            break
        time.sleep(0.02)
    time.sleep(0.2)
    stop.set()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert time.monotonic() - started < 5
    assert isinstance(outcome[0], Stopped), outcome
