"""/v1/pipelines: create (checked against real connections), list, read, update, delete."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import datetime

import pytest

from store import runs as run_store
from store.models import Execution, utcnow
from tests.api.test_errors import assert_error
from tests.pipelines import create_connection, unique_name
from tests.services import PG_HOST, PG_USER

pytestmark = pytest.mark.postgres


@dataclass
class Setup:
    src: str
    dst: str
    table: str

    def definition(self, **changes) -> dict:
        definition = {
            "sources": {"orders": {"connection": self.src, "table": f"public.{self.table}"}},
            "sinks": {"out": {"connection": self.dst, "table": f"landing.{self.table}"}},
        }
        definition.update(changes)
        return definition


@pytest.fixture
async def setup(api, source, source_db, target_db) -> Setup:
    table = f"orders_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE public.{table} (id int PRIMARY KEY, amount numeric)")
    src = await create_connection(api, source_db, unique_name("pl-src"))
    dst = await create_connection(api, target_db, unique_name("pl-dst"))
    return Setup(src, dst, table)


async def create(api, setup: Setup, **extra) -> dict:
    body = {"name": unique_name("pipe"), "definition": setup.definition(), **extra}
    response = await api.post("/v1/pipelines", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def listed(api, **params) -> dict:
    response = await api.get("/v1/pipelines", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_create(api, setup):
    name = unique_name("daily-sales-etl")
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": name,
            "version": "1.0.0",
            "description": "Daily sales data extraction and loading",
            "definition": setup.definition(),
            "tags": ["sales", "daily"],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"pipelineId", "name", "version", "status", "createdAt"}
    assert created["name"] == name
    assert created["version"] == "1.0.0"
    assert created["status"] == "CREATED"
    assert datetime.fromisoformat(created["createdAt"]).tzinfo is not None
    uuid.UUID(created["pipelineId"])

    got = await api.get(f"/v1/pipelines/{created['pipelineId']}")
    assert got.status_code == 200
    pipeline = got.json()
    assert pipeline["pipelineId"] == created["pipelineId"]
    assert pipeline["name"] == name
    assert pipeline["versionNumber"] == 1
    assert pipeline["version"] == "1.0.0"
    assert pipeline["description"] == "Daily sales data extraction and loading"
    assert pipeline["tags"] == ["sales", "daily"]
    assert pipeline["status"] == "CREATED"
    assert pipeline["createdAt"] == created["createdAt"]
    # Defaults are stored with the definition; the sink input uses its wire name.
    definition = pipeline["definition"]
    assert definition["sources"] == {
        name: {**source, "incremental": False, "partitions": 1}
        for name, source in setup.definition()["sources"].items()
    }
    assert definition["sinks"]["out"] == {
        "connection": setup.dst,
        "table": f"landing.{setup.table}",
        "mode": "append",
        "keys": [],
        "deduplicate": False,
    }
    assert definition["orchestration"]["retries"] == 3


async def test_create_default_version_and_connection_by_name(api, setup):
    src_name = (await api.get(f"/v1/pipelines/connections/{setup.src}")).json()["name"]
    definition = setup.definition()
    definition["sources"]["orders"]["connection"] = src_name
    response = await api.post(
        "/v1/pipelines", json={"name": unique_name("by-name"), "definition": definition}
    )
    assert response.status_code == 201, response.text
    assert response.json()["version"] == "1.0.0"
    # The connection is in use through its name as well.
    in_use = await api.delete(f"/v1/pipelines/connections/{setup.src}")
    assert_error(in_use, 409, "CONNECTION_IN_USE")


async def test_duplicate_name_is_a_conflict(api, setup):
    created = await create(api, setup)
    response = await api.post(
        "/v1/pipelines", json={"name": created["name"], "definition": setup.definition()}
    )
    assert created["name"] in assert_error(response, 409, "PIPELINE_EXISTS")["detail"]


async def test_unknown_connection(api, setup):
    definition = setup.definition()
    definition["sources"]["orders"]["connection"] = "no-such-connection"
    response = await api.post(
        "/v1/pipelines", json={"name": unique_name("p"), "definition": definition}
    )
    body = assert_error(response, 422, "INVALID_DEFINITION")
    assert body["detail"] == [
        {
            "loc": ["body", "definition", "sources", "orders", "connection"],
            "msg": body["detail"][0]["msg"],
            "type": "unknown_connection",
        }
    ]
    assert "no-such-connection" in body["detail"][0]["msg"]


async def test_unknown_sink_connection_and_missing_table_are_all_reported(api, setup):
    definition = setup.definition()
    definition["sources"]["orders"]["table"] = "public.no_such_table"
    definition["sinks"]["out"]["connection"] = str(uuid.uuid4())
    response = await api.post(
        "/v1/pipelines", json={"name": unique_name("p"), "definition": definition}
    )
    body = assert_error(response, 422, "INVALID_DEFINITION")
    problems = {tuple(d["loc"]): d["type"] for d in body["detail"]}
    assert problems == {
        ("body", "definition", "sinks", "out", "connection"): "unknown_connection",
        ("body", "definition", "sources", "orders", "table"): "missing_table",
    }


async def test_missing_source_table(api, setup):
    definition = setup.definition()
    definition["sources"]["orders"]["table"] = "public.not_there"
    name = unique_name("p")
    response = await api.post("/v1/pipelines", json={"name": name, "definition": definition})
    body = assert_error(response, 422, "INVALID_DEFINITION")
    assert [d["loc"] for d in body["detail"]] == [
        ["body", "definition", "sources", "orders", "table"]
    ]
    assert "public.not_there" in body["detail"][0]["msg"]
    # Nothing was saved.
    assert name not in {p["name"] for p in (await listed(api, size=500))["content"]}


async def test_unreachable_source_does_not_block_saving(api, setup, source_db):
    response = await api.post(
        "/v1/pipelines/connections",
        json={
            "name": unique_name("down"),
            "type": "postgresql",
            "host": PG_HOST,
            "port": closed_port(),
            "database": source_db,
            "username": PG_USER,
        },
    )
    down = response.json()["connectionId"]
    definition = setup.definition()
    definition["sources"]["orders"] = {"connection": down, "table": "public.whatever"}
    response = await api.post(
        "/v1/pipelines", json={"name": unique_name("p"), "definition": definition}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        (
            {"transformations": [{"name": "t", "sql": "SELEC * FRM orders"}]},
            ["body", "definition", "transformations", 0, "sql"],
            "does not parse",
        ),
        (
            {"transformations": [{"name": "t", "sql": "DELETE FROM orders"}]},
            ["body", "definition", "transformations", 0, "sql"],
            "only a SELECT",
        ),
        (
            {
                "transformations": [
                    {
                        "name": "t",
                        "sql": "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d",
                    }
                ]
            },
            ["body", "definition", "transformations", 0, "sql"],
            "may only read",
        ),
        (
            {"transformations": [{"name": "t", "sql": "SELECT * FROM customers"}]},
            ["body", "definition"],
            "'customers'",
        ),
        (
            {"sinks": {"out": {"connection": "x", "table": "t", "mode": "upsert"}}},
            None,
            "'append', 'replace' or 'merge'",
        ),
        ({"sinks": {"out": {"connection": "x", "table": "t", "from": "ghost"}}}, None, "ghost"),
        ({"sources": {}}, ["body", "definition", "sources"], "at least 1"),
        ({"schedule": "daily"}, ["body", "definition", "schedule"], "Extra inputs"),
    ],
    ids=[
        "sql-does-not-parse",
        "write-statement",
        "write-in-cte",
        "reads-undefined-name",
        "unknown-load-mode",
        "sink-from-undefined",
        "no-sources",
        "unknown-field",
    ],
)
async def test_structural_problems(api, setup, change, loc, words):
    definition = setup.definition(**change)
    if loc is None:  # sink problems: the sink points at the real target
        sink = definition["sinks"]["out"]
        sink["connection"] = setup.dst
        loc = (
            ["body", "definition", "sinks", "out", "mode"]
            if "mode" in sink
            else ["body", "definition"]
        )
    response = await api.post(
        "/v1/pipelines", json={"name": unique_name("p"), "definition": definition}
    )
    body = assert_error(response, 422, "INVALID_DEFINITION")
    assert [d["loc"] for d in body["detail"]] == [loc], body["detail"]
    assert words in body["detail"][0]["msg"], body["detail"][0]["msg"]


async def test_other_body_problems_stay_validation_errors(api, setup):
    response = await api.post("/v1/pipelines", json={"name": "", "definition": setup.definition()})
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert [d["loc"] for d in body["detail"]] == [["body", "name"]]


async def test_list_filters_by_tags_and_status_and_pages(api, setup):
    tag = unique_name("tag")
    a = await create(api, setup, tags=[tag, "x"])
    b = await create(api, setup, tags=[tag, "y"])
    c = await create(api, setup, tags=[tag])
    other = await create(api, setup, tags=["x", "y"])

    everything = await listed(api, tags=tag)
    ids = [p["pipelineId"] for p in everything["content"]]
    assert ids == [a["pipelineId"], b["pipelineId"], c["pipelineId"]]
    assert everything["totalElements"] == 3
    assert everything["content"][0]["tags"] == [tag, "x"]

    assert [p["pipelineId"] for p in (await listed(api, tags=f"{tag},x"))["content"]] == [
        a["pipelineId"]
    ]
    response = await api.get("/v1/pipelines", params=[("tags", tag), ("tags", "y")])
    assert [p["pipelineId"] for p in response.json()["content"]] == [b["pipelineId"]]
    assert (await listed(api, tags=f"{tag},x,y"))["totalElements"] == 0
    assert other["pipelineId"] not in ids

    paused = await api.put(f"/v1/pipelines/{c['pipelineId']}", json={"status": "PAUSED"})
    assert paused.status_code == 200, paused.text
    only_paused = await listed(api, tags=tag, status="PAUSED")
    assert [p["pipelineId"] for p in only_paused["content"]] == [c["pipelineId"]]
    created = await listed(api, tags=tag, status="CREATED")
    assert [p["pipelineId"] for p in created["content"]] == [a["pipelineId"], b["pipelineId"]]
    assert (await listed(api, tags=tag, status="ACTIVE"))["totalElements"] == 0

    first = await api.get("/v1/pipelines", params={"tags": tag, "page": 0, "size": 2})
    page0 = first.json()
    assert [p["pipelineId"] for p in page0["content"]] == ids[:2]
    assert (page0["page"], page0["size"], page0["totalElements"], page0["totalPages"]) == (
        0,
        2,
        3,
        2,
    )
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Per-Page"] == "2"
    assert 'rel="next"' in first.headers["Link"]
    assert f"tags={tag}" in first.headers["Link"]
    second = await api.get("/v1/pipelines", params={"tags": tag, "page": 1, "size": 2})
    assert [p["pipelineId"] for p in second.json()["content"]] == ids[2:]
    assert second.headers["X-Page"] == "1"
    assert 'rel="next"' not in second.headers["Link"]
    assert 'rel="prev"' in second.headers["Link"]


async def test_get_unknown_is_404(api):
    assert_error(await api.get(f"/v1/pipelines/{uuid.uuid4()}"), 404, "PIPELINE_NOT_FOUND")


async def test_update_metadata_keeps_the_version(api, setup):
    created = await create(api, setup, tags=["a"])
    url = f"/v1/pipelines/{created['pipelineId']}"
    before = (await api.get(url)).json()
    new_name = unique_name("renamed")
    response = await api.put(
        url, json={"name": new_name, "description": "now described", "tags": ["b", "c"]}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == new_name
    assert updated["description"] == "now described"
    assert updated["tags"] == ["b", "c"]
    assert updated["versionNumber"] == 1
    assert updated["version"] == "1.0.0"
    assert updated["definition"] == before["definition"]
    assert updated["createdAt"] == before["createdAt"]
    assert datetime.fromisoformat(updated["updatedAt"]) > datetime.fromisoformat(
        before["updatedAt"]
    )
    assert (await api.get(url)).json() == updated

    # Resending the same definition is not a change either.
    same = await api.put(url, json={"definition": setup.definition()})
    assert same.json()["versionNumber"] == 1


async def test_update_definition_makes_a_new_version(api, setup):
    created = await create(api, setup, version="2.3.4")
    url = f"/v1/pipelines/{created['pipelineId']}"
    changed = setup.definition()
    changed["sinks"]["out"]["mode"] = "replace"
    response = await api.put(url, json={"definition": changed})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["versionNumber"] == 2
    assert updated["version"] == "2.3.5"
    assert updated["definition"]["sinks"]["out"]["mode"] == "replace"

    changed["orchestration"] = {"retries": 1}
    labelled = await api.put(url, json={"definition": changed, "version": "3.0.0"})
    assert labelled.json()["versionNumber"] == 3
    assert labelled.json()["version"] == "3.0.0"
    assert (await api.get(url)).json()["definition"]["orchestration"]["retries"] == 1


async def test_update_with_an_invalid_definition_changes_nothing(api, setup):
    created = await create(api, setup)
    url = f"/v1/pipelines/{created['pipelineId']}"
    broken = setup.definition()
    broken["sources"]["orders"]["table"] = "public.vanished"
    response = await api.put(url, json={"definition": broken, "description": "lost"})
    assert_error(response, 422, "INVALID_DEFINITION")
    after = (await api.get(url)).json()
    assert after["versionNumber"] == 1
    assert after["description"] is None
    assert after["definition"]["sources"]["orders"]["table"] == f"public.{setup.table}"


async def test_update_status(api, setup):
    created = await create(api, setup)
    url = f"/v1/pipelines/{created['pipelineId']}"
    response = await api.put(url, json={"status": "PAUSED"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "PAUSED"
    assert response.json()["versionNumber"] == 1
    assert (await api.get(url)).json()["status"] == "PAUSED"
    assert_error(await api.put(url, json={"status": "SLEEPING"}), 400, "VALIDATION_ERROR")


async def test_update_to_a_taken_name_is_a_conflict(api, setup):
    first = await create(api, setup)
    second = await create(api, setup)
    response = await api.put(f"/v1/pipelines/{second['pipelineId']}", json={"name": first["name"]})
    assert_error(response, 409, "PIPELINE_EXISTS")
    assert (await api.get(f"/v1/pipelines/{second['pipelineId']}")).json()["name"] == second["name"]


async def test_update_unknown_is_404(api):
    response = await api.put(f"/v1/pipelines/{uuid.uuid4()}", json={"description": "x"})
    assert_error(response, 404, "PIPELINE_NOT_FOUND")


async def test_delete(api, setup):
    tag = unique_name("del")
    created = await create(api, setup, tags=[tag])
    url = f"/v1/pipelines/{created['pipelineId']}"
    response = await api.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await api.get(url), 404, "PIPELINE_NOT_FOUND")
    assert (await listed(api, tags=tag))["totalElements"] == 0
    assert_error(await api.delete(url), 404, "PIPELINE_NOT_FOUND")
    # The name is free again.
    again = await api.post(
        "/v1/pipelines", json={"name": created["name"], "definition": setup.definition()}
    )
    assert again.status_code == 201, again.text


async def test_delete_while_a_run_is_active_is_a_conflict(api, setup, db):
    created = await create(api, setup)
    url = f"/v1/pipelines/{created['pipelineId']}"
    # A run the store shows as in progress (the workflow side is not needed for the guard).
    execution_id = f"exec-{uuid.uuid4().hex}"
    async with db.session() as session:
        await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id="default",
                pipeline_id=created["pipelineId"],
                pipeline_version=1,
                workflow_id=f"default/run/{execution_id}",
                status="RUNNING",
                submitted_at=utcnow(),
            ),
        )
    response = await api.delete(url)
    assert execution_id in assert_error(response, 409, "PIPELINE_RUNNING")["detail"]
    assert (await api.get(url)).status_code == 200

    async with db.session() as session:
        await run_store.set_status(session, execution_id, "COMPLETED", total_tasks=2)
    assert (await api.delete(url)).status_code == 204
