"""The AI-ETL platform API chooses the tenant's connections when a request names none
(/work/shared/seeds/001_5cd13bd764e36db4.txt: ``POST /pipelines:generate`` with a description
only, ``POST /nl-query`` with ``schema.tables`` only).

Three databases: a CRM (``customers``), a shop (``shipments``) and one holding a table with a
distinctive name that only another tenant has a connection to. Tenants: one with the CRM only
(its only source and target), one with the CRM (under two names) and the shop, one with
nothing, and the other tenant whose better-matching table must never be chosen.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from tests import auth
from tests.conftest import pg_connection_body, scratch_database
from tests.services import pg_dsn

pytestmark = pytest.mark.postgres

GENERATE = "/api/v1/pipelines:generate"
NL_QUERY = "/api/v1/nl-query"


@dataclass
class Tenants:
    solo: httpx.AsyncClient  # the CRM only
    multi: httpx.AsyncClient  # the CRM (twice) and the shop
    empty: httpx.AsyncClient  # no connection
    ids: dict[str, str]  # connection name → id, every tenant's
    secret_table: str  # only the other tenant's connection reads it


def _client(app, key: str, tenant: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(key, tenant),
        timeout=120,
    )


async def _fill(database: str, sql: str) -> None:
    conn = await asyncpg.connect(pg_dsn(database))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def tenants(app, db) -> AsyncIterator[Tenants]:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    secret = f"invoices_{tag}"
    async with (
        scratch_database("choice_crm") as crm,
        scratch_database("choice_shop") as shop,
        scratch_database("choice_other") as other,
    ):
        await _fill(
            crm,
            "CREATE TABLE customers (id int PRIMARY KEY, name text, country text);"
            "INSERT INTO customers SELECT g, 'c' || g, 'FR' FROM generate_series(1, 20) g;",
        )
        await _fill(
            shop,
            "CREATE TABLE shipments (id int PRIMARY KEY, weight_kg numeric, carrier text);"
            "INSERT INTO shipments SELECT g, g * 3, 'ups' FROM generate_series(1, 20) g;",
        )
        await _fill(other, f"CREATE TABLE {secret} (id int PRIMARY KEY, amount numeric);")
        names = {t: f"{t}-{tag}" for t in ("solo", "multi", "empty", "other")}
        keys = {t: await auth.make_key(db, names[t], "editor") for t in names}
        clients = {t: _client(app, keys[t], names[t]) for t in names}
        ids: dict[str, str] = {}
        for tenant, name, database in (
            ("solo", "crm", crm),
            ("multi", "crm-db", crm),
            ("multi", "crm-mirror", crm),
            ("multi", "shop-db", shop),
            ("other", f"billing-{tag}", other),
        ):
            made = await clients[tenant].post(
                "/v1/pipelines/connections", json=pg_connection_body(database, name)
            )
            assert made.status_code == 201, made.text
            ids[name] = made.json()["connectionId"]
        try:
            yield Tenants(clients["solo"], clients["multi"], clients["empty"], ids, secret)
        finally:
            for client in clients.values():
                await client.aclose()


async def test_the_only_connection_is_source_and_target(tenants: Tenants):
    response = await tenants.solo.post(
        GENERATE, json={"description": "copy the customers table", "project_id": "p1"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert tenants.ids["crm"] in str(answer)
    assert "the tenant's only source connection" in str(answer), answer


async def test_several_connections_the_one_holding_the_tables_is_chosen_for_review(
    tenants: Tenants,
):
    response = await tenants.multi.post(
        GENERATE, json={"description": "load shipments heavier than 10 kg", "options": {}}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    said = str(answer)
    assert tenants.ids["shop-db"] in said
    assert answer["status"] == "needs_review", answer
    assert "'shop-db'" in said and "shipments" in said  # chosen, and why
    assert "also possible: 'crm-db', 'crm-mirror'" in said  # the other candidates
    target = answer["configuration"]["targets"][0]["connection_id"]
    assert target in (tenants.ids["crm-db"], tenants.ids["crm-mirror"])  # not the source


async def test_a_system_the_tenant_lacks_is_replaced_and_said(tenants: Tenants):
    response = await tenants.multi.post(
        GENERATE, json={"description": "Load customers from PostgreSQL to ClickHouse daily"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "needs_review"
    assert "clickhouse" in str(answer["validation"]).lower(), answer["validation"]
    sources = [s["connection_id"] for s in answer["configuration"]["sources"]]
    assert sources == [tenants.ids["crm-db"]]  # one of the two alike: the first by name


async def test_no_connection_at_all_is_a_422_naming_where_to_create_one(tenants: Tenants):
    response = await tenants.empty.post(GENERATE, json={"description": "copy customers daily"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error_code"] == "NO_USABLE_CONNECTION"
    assert "/api/v1/connectors-ai/configure" in body["error"]["message"]


async def test_a_description_with_nothing_to_choose_by_is_a_422(tenants: Tenants):
    response = await tenants.multi.post(GENERATE, json={"description": "from a to b"})
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "DESCRIPTION_TOO_VAGUE"


async def test_another_tenants_better_matching_table_is_never_chosen(tenants: Tenants):
    other = next(n for n in tenants.ids if n.startswith("billing-"))
    for description in (f"copy {tenants.secret_table}", f"load {tenants.secret_table} amounts"):
        response = await tenants.solo.post(GENERATE, json={"description": description})
        assert response.status_code < 500, response.text
        text = response.text
        assert other not in text and tenants.ids[other] not in text, text
        if response.status_code == 200:
            assert tenants.ids["crm"] in text
            assert response.json()["status"] == "needs_review"
    question = {"question": "total amount", "schema": {"tables": [tenants.secret_table]}}
    response = await tenants.solo.post(NL_QUERY, json=question)
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "UNKNOWN_TABLE"
    assert other not in response.text and tenants.ids[other] not in response.text


async def test_nl_query_reads_the_connection_holding_the_tables(tenants: Tenants):
    response = await tenants.multi.post(
        NL_QUERY,
        json={"question": "average weight_kg of shipments", "schema": {"tables": ["shipments"]}},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["source"] == tenants.ids["shop-db"]
    assert "'shop-db'" in answer["explanation"] and "also held by" not in answer["explanation"]


async def test_nl_query_tables_held_by_several_picks_one_and_says_so(tenants: Tenants):
    response = await tenants.multi.post(
        NL_QUERY, json={"question": "how many customers", "schema": {"tables": ["customers"]}}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["source"] == tenants.ids["crm-db"]  # the first by name
    assert "'crm-db'" in answer["explanation"]
    assert "also held by 'crm-mirror'" in answer["explanation"]
    mirror = {"question": "how many customers in the mirror", "schema": {"tables": ["customers"]}}
    response = await tenants.multi.post(NL_QUERY, json=mirror)
    assert response.status_code == 200, response.text
    assert response.json()["source"] == tenants.ids["crm-mirror"]  # the question names it


async def test_nl_query_tables_nobody_holds_are_named(tenants: Tenants):
    response = await tenants.multi.post(
        NL_QUERY,
        json={"question": "count", "schema": {"tables": ["customers", "refunds", "shipments"]}},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error_code"] == "UNKNOWN_TABLE"
    assert "refunds" in body["error"]["message"]
    assert [d["msg"] for d in body["detail"]] == [
        "unknown table 'refunds': no connection of the tenant holds it"
    ]
    apart = {"question": "count", "schema": {"tables": ["customers", "shipments"]}}
    response = await tenants.multi.post(NL_QUERY, json=apart)
    assert response.status_code == 422, response.text
    assert "no one SQL connection of the tenant holds all of" in response.text
