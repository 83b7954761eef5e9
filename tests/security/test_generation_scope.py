"""Generation and natural-language queries choose connections, tables and pipelines of the
caller's tenant only. Tenant B has PostgreSQL connections with distinctive names and a table
with a distinctive name and values; an editor (or viewer) of tenant A names them in a
description, a question, a table list, by id, or through describe/analyze/regenerate of B's
pipeline, and must get a refusal that names nothing of B's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import auth
from tests.conftest import pg_connection_body
from tests.security.kit import tenant_client

GENERATE = "/api/v1/pipelines:generate"
JSON = {"Content-Type": "application/json"}


@dataclass
class Scope:
    a: str
    editor: httpx.AsyncClient
    viewer: httpx.AsyncClient
    b_source: str  # B's connection names
    b_target: str
    b_ids: list[str]
    b_table: str
    b_value: str  # a value in B's table (what grounding would sample)
    b_pipeline: str

    def leaks(self, text: str) -> list[str]:
        needles = [self.b_source, self.b_target, self.b_table, self.b_value, *self.b_ids]
        return [n for n in needles if n in text]


@pytest.fixture(scope="module")
async def scope(app, db, source_db: str):  # type: ignore[no-untyped-def]
    import asyncpg

    from tests.services import pg_dsn

    tag = uuid.uuid4().hex[:8]
    a, b = f"gsa-{tag}", f"gsb-{tag}"
    table, value = f"payroll_{tag}", f"SALARY{tag}"
    conn = await asyncpg.connect(pg_dsn(source_db))
    try:
        await conn.execute(f"CREATE TABLE {table} (id int, grade text)")
        await conn.execute(f"INSERT INTO {table} VALUES (1, '{value}'), (2, '{value}')")
    finally:
        await conn.close()
    async with (
        tenant_client(app, await auth.make_key(db, a, "editor"), a) as editor,
        tenant_client(app, await auth.make_key(db, a, "viewer"), a) as viewer,
        tenant_client(app, await auth.make_key(db, b, "admin"), b) as victim,
    ):
        names = [f"victimsrc{tag}", f"victimdst{tag}"]
        ids = []
        for name in names:
            made = await victim.post(
                "/v1/pipelines/connections", json=pg_connection_body(source_db, name)
            )
            assert made.status_code == 201, made.text
            ids.append(made.json()["connectionId"])
        definition = {
            "sources": {"p": {"connection": ids[0], "table": f"public.{table}"}},
            "sinks": {"o": {"connection": ids[1], "table": f"public.{table}_copy"}},
        }
        created = await victim.post(
            "/v1/pipelines", json={"name": f"b-pipe-{tag}", "definition": definition}
        )
        assert created.status_code == 201, created.text
        yield Scope(
            a,
            editor,
            viewer,
            names[0],
            names[1],
            ids,
            table,
            value,
            created.json()["pipelineId"],
        )


async def test_generation_without_connections_never_considers_another_tenants(scope: Scope):
    for text in (
        f"copy {scope.b_table} from {scope.b_source} to {scope.b_target}",
        f"load everything from {scope.b_source.upper()} into {scope.b_target}",
        f"from {scope.b_ids[0]} to {scope.b_ids[1]}",
    ):
        for key in ("description", "intent"):
            response = await scope.editor.post(GENERATE, json={key: text})
            assert 400 <= response.status_code < 500, (text, response.status_code, response.text)
            quoted = text.replace(scope.b_source, "").replace(scope.b_target, "")
            leaked = scope.leaks(response.text.replace(text, "").replace(quoted, ""))
            assert not leaked, (leaked, response.text)


async def test_generation_with_another_tenants_connection_ids_finds_nothing(scope: Scope):
    body: dict[str, Any] = {
        "intent": f"copy {scope.b_table}",
        "sources": [{"connection_id": scope.b_ids[0], "table": scope.b_table}],
        "targets": [{"connection_id": scope.b_ids[1], "table": f"{scope.b_table}_copy"}],
    }
    response = await scope.editor.post(GENERATE, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert scope.b_value not in response.text  # nothing was sampled from B's table
    assert scope.b_source not in response.text and scope.b_target not in response.text


@pytest.mark.parametrize("mode", ["describe", "analyze", "regenerate"])
async def test_another_tenants_pipeline_cannot_be_described_analyzed_or_regenerated(
    scope: Scope, mode: str
):
    body = {"mode": mode, "pipeline_id": scope.b_pipeline, "modifications": "add a column"}
    response = await scope.editor.post("/api/v1/pipelines/generate", json=body)
    assert response.status_code == 404, (mode, response.status_code, response.text)
    assert not scope.leaks(response.text.replace(scope.b_pipeline, ""))
    again = await scope.editor.post(f"/api/v1/pipelines/{scope.b_pipeline}:regenerate", json=body)
    assert again.status_code == 404, again.text


async def test_nl_query_without_a_source_never_picks_another_tenants_connection(scope: Scope):
    for http in (scope.viewer, scope.editor):
        bodies: list[dict[str, Any]] = [
            {"question": f"how many rows are in {scope.b_table}?"},
            {"question": "count the rows", "schema": {"tables": [scope.b_table]}},
            {
                "question": f"grades in {scope.b_table}",
                "schema": {"tables": [f"public.{scope.b_table}"]},
            },
        ]
        for body in bodies:
            response = await http.post("/api/v1/nl-query", json=body)
            assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
            question = str(body["question"])
            leaked = scope.leaks(response.text.replace(question, "").replace(scope.b_table, ""))
            assert not leaked, (leaked, response.text)
            assert "SELECT" not in response.text.upper().replace(question.upper(), ""), (
                response.text
            )


@pytest.mark.parametrize("which", ["id", "name"])
async def test_nl_query_with_another_tenants_source_is_not_found(scope: Scope, which: str):
    source = scope.b_ids[0] if which == "id" else scope.b_source
    for field in ("source", "connection_id", "connection"):
        response = await scope.viewer.post(
            "/api/v1/nl-query", json={"question": "count the rows", field: source}
        )
        assert response.status_code == 404, (field, response.status_code, response.text)
        assert scope.b_value not in response.text and scope.b_table not in response.text


async def test_generation_with_names_that_match_at_one_place_is_a_4xx(scope: Scope, target_db):
    """Two of the tenant's connection names found at the same place of the description (one
    the start of the other) are an ambiguity to answer, not a crash."""
    tag = uuid.uuid4().hex[:6]
    for name in (f"orders{tag}", f"orders{tag} db", f"Orders{tag}"):
        made = await scope.editor.post(
            "/v1/pipelines/connections", json=pg_connection_body(target_db, name)
        )
        assert made.status_code in (201, 400, 409, 422), made.text
    response = await scope.editor.post(
        GENERATE, json={"description": f"copy from orders{tag} db to orders{tag}"}
    )
    assert response.status_code != 500, response.text


HOSTILE_GENERATE: list[Any] = [
    None,
    [],
    "x",
    {"description": "d" * 100_000},
    {"description": None},
    {"description": "\u0000\u202e名前 from a to b"},
    {"description": "from a to b", "sources": "a"},
    {"description": "from a to b", "sources": [None]},
    {"description": "from a to b", "sources": [{"connection_id": ["x"]}]},
    {"description": "from a to b", "sources": [{"connection_id": "../../etc/passwd"}]},
    {"description": "from a to b", "mode": "delete"},
    {"description": "from a to b", "constraints": "none"},
    {"description": "(" * 1999 + "a to b"},
    {"description": ".*" * 999 + " to b"},
]
HOSTILE_NL: list[Any] = [
    None,
    {"question": ""},
    {"question": "q" * 100_000},
    {"question": None},
    {"question": "count", "schema": {"tables": ["t"] * 10_000}},
    {"question": "count", "schema": {"tables": None}},
    {"question": "count", "schema": "tables"},
    {"question": "count", "source": ["x"]},
    {"question": "count", "source": "../../etc/passwd"},
    {"question": "count\u0000; DROP TABLE x", "source": "\u0000"},
]


async def test_hostile_generation_and_nl_query_bodies_get_a_4xx(app, db):  # type: ignore[no-untyped-def]
    """As an editor of a tenant without connections: nothing is there to choose or query."""
    tenant = f"gsh-{uuid.uuid4().hex[:8]}"
    async with tenant_client(app, await auth.make_key(db, tenant, "editor"), tenant) as http:
        for body in HOSTILE_GENERATE:
            response = await http.post(GENERATE, content=_json(body), headers=JSON)
            assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        for body in HOSTILE_NL:
            response = await http.post("/api/v1/nl-query", content=_json(body), headers=JSON)
            assert 400 <= response.status_code < 500, (body, response.status_code, response.text)


async def test_a_tenant_with_its_own_connection_is_never_given_another_tenants(
    scope: Scope, target_db: str
):
    """Tenant A has a connection of its own (a database without B's table): a description or a
    question about B's table and connections chooses A's connection or nothing."""
    mine = await scope.editor.post(
        "/v1/pipelines/connections",
        json=pg_connection_body(target_db, f"mine{uuid.uuid4().hex[:6]}"),
    )
    assert mine.status_code == 201, mine.text
    own = mine.json()["connectionId"]
    text = f"copy {scope.b_table} from {scope.b_source} to {scope.b_target}"
    generated = await scope.editor.post(GENERATE, json={"description": text})
    assert generated.status_code < 500, generated.text
    # The caller's own words may come back (a pipeline or table name made of them); B's
    # connections may not be what anything reads or loads, and nothing of B's table is sampled.
    for ref in (*scope.b_ids, scope.b_source, scope.b_target):
        assert f'"connection":"{ref}"' not in generated.text.replace(" ", ""), generated.text
    for needle in (*scope.b_ids, scope.b_value):
        assert needle not in generated.text, (needle, generated.text[:2000])
    question = {"question": f"how many rows are in {scope.b_table}?"}
    answered = await scope.viewer.post("/api/v1/nl-query", json=question)
    assert answered.status_code < 500, answered.text
    if answered.status_code == 200:
        assert answered.json()["source"] == own, answered.text
    assert not scope.leaks(
        answered.text.replace(question["question"], "").replace(scope.b_table, "")
    )


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()
