"""/v1/pipelines/connections: register, list, read, test and delete connections."""

from __future__ import annotations

import re
import socket
import uuid

import pytest

from tests.api.test_errors import assert_error
from tests.pipelines import create_pipeline, unique_name
from tests.services import PG_HOST, PG_PORT, PG_USER

pytestmark = pytest.mark.postgres

URL = "/v1/pipelines/connections"
PASSWORD = "pw-" + uuid.uuid4().hex
TOKEN = "tok-" + uuid.uuid4().hex


def body(database: str, **overrides) -> dict:
    return {
        "name": unique_name("conn"),
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": PASSWORD,
        **overrides,
    }


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


async def test_create_returns_camel_case_without_the_password(api, source_db):
    request = body(
        source_db,
        properties={"sslMode": "prefer", "apiToken": TOKEN, "connectionTimeout": 5000},
    )
    response = await api.post(URL, json=request)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {
        "connectionId",
        "name",
        "type",
        "host",
        "port",
        "database",
        "username",
        "credentialSecretRef",
        "hasPassword",
        "properties",
        "createdAt",
    }
    assert created["name"] == request["name"]
    assert created["type"] == "postgresql"
    assert (created["host"], created["port"], created["database"]) == (
        PG_HOST,
        PG_PORT,
        source_db,
    )
    assert created["username"] == PG_USER
    assert created["hasPassword"] is True
    assert created["credentialSecretRef"] is None
    assert created["createdAt"].endswith("Z")
    assert created["properties"] == {
        "sslMode": "prefer",
        "apiToken": "***",
        "connectionTimeout": 5000,
    }
    assert PASSWORD not in response.text and TOKEN not in response.text

    one = await api.get(f"{URL}/{created['connectionId']}")
    assert one.status_code == 200
    assert one.json() == created
    listed = await api.get(URL, params={"size": 500})
    assert created["connectionId"] in {c["connectionId"] for c in listed.json()["content"]}
    tested = await api.post(f"{URL}/{created['connectionId']}/test")
    assert tested.json()["connected"] is True, tested.text
    for text in (one.text, listed.text, tested.text):
        assert PASSWORD not in text and TOKEN not in text


async def test_type_aliases_are_stored_canonically(api, source_db):
    response = await api.post(URL, json=body(source_db, type="jdbc"))
    assert response.status_code == 201, response.text
    assert response.json()["type"] == "postgresql"


async def test_without_password_has_password_is_false(api, source_db):
    request = body(source_db)
    del request["password"]
    response = await api.post(URL, json=request)
    assert response.status_code == 201, response.text
    assert response.json()["hasPassword"] is False


async def test_credential_secret_ref(api, source_db):
    variable = f"DUCTWORK_SECRET_TEST_UNSET_{uuid.uuid4().hex.upper()}"
    request = body(source_db, credentialSecretRef=f"env:{variable}")
    del request["password"]
    response = await api.post(URL, json=request)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["hasPassword"] is True
    assert created["credentialSecretRef"] == f"env:{variable}"
    # The reference cannot be resolved: the test says so instead of failing.
    tested = await api.post(f"{URL}/{created['connectionId']}/test")
    assert tested.status_code == 200, tested.text
    result = tested.json()
    assert result["connected"] is False
    assert variable in result["error"]


async def test_duplicate_name_is_a_conflict(api, source_db):
    request = body(source_db)
    assert (await api.post(URL, json=request)).status_code == 201
    response = await api.post(URL, json={**request, "database": "elsewhere"})
    body_ = assert_error(response, 409, "CONNECTION_EXISTS")
    assert request["name"] in body_["detail"]


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"type": "oracle"}, ["body", "type"]),
        ({"port": 70000}, ["body", "port"]),
        ({"port": 0}, ["body", "port"]),
        ({"credentialSecretRef": "env:DB_PASSWORD"}, ["body"]),
        ({"credentialSecretRef": "vault:kv/db"}, ["body", "credentialSecretRef"]),
        ({"hostname": "typo.internal"}, ["body", "hostname"]),
        ({"name": ""}, ["body", "name"]),
    ],
    ids=[
        "unsupported-type",
        "port-too-high",
        "port-zero",
        "password-and-secret-ref",
        "bad-secret-ref",
        "unknown-field",
        "empty-name",
    ],
)
async def test_invalid_bodies(api, source_db, overrides, loc):
    request = body(source_db, **overrides)
    response = await api.post(URL, json=request)
    detail = assert_error(response, 400, "VALIDATION_ERROR")["detail"]
    assert [d["loc"] for d in detail] == [loc], detail
    assert PASSWORD not in response.text
    # Nothing was stored.
    listed = (await api.get(URL, params={"size": 500})).json()["content"]
    assert request["name"] not in {c["name"] for c in listed}


async def test_unsupported_type_names_the_supported_ones(api, source_db):
    response = await api.post(URL, json=body(source_db, type="oracle"))
    msg = assert_error(response, 400, "VALIDATION_ERROR")["detail"][0]["msg"]
    assert "oracle" in msg and "postgresql" in msg and "mysql" in msg


async def test_list_paginates_with_headers_and_body(api, source_db):
    ids = []
    for _ in range(3):
        response = await api.post(URL, json=body(source_db))
        assert response.status_code == 201
        ids.append(response.json()["connectionId"])

    everything = await api.get(URL, params={"size": 500})
    assert everything.status_code == 200
    page_all = everything.json()
    total = page_all["totalElements"]
    assert 3 <= total <= 500
    all_ids = [c["connectionId"] for c in page_all["content"]]
    assert len(all_ids) == total
    # Oldest first: the three appear in the order they were created.
    assert [i for i in all_ids if i in ids] == ids

    first = await api.get(URL, params={"page": 0, "size": 1})
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == str(total)
    assert first.headers["X-Page"] == "0"
    assert first.headers["X-Per-Page"] == "1"
    page0 = first.json()
    assert set(page0) == {"content", "page", "size", "totalElements", "totalPages"}
    assert (page0["page"], page0["size"], page0["totalElements"], page0["totalPages"]) == (
        0,
        1,
        total,
        total,
    )
    assert [c["connectionId"] for c in page0["content"]] == all_ids[:1]
    rels = links(first.headers["Link"])
    assert set(rels) == {"next", "first", "last"}
    assert "page=1" in rels["next"] and "size=1" in rels["next"]
    assert f"page={total - 1}" in rels["last"]

    second = await api.get(URL, params={"page": 1, "size": 1})
    assert [c["connectionId"] for c in second.json()["content"]] == all_ids[1:2]
    assert second.headers["X-Page"] == "1"
    assert "page=0" in links(second.headers["Link"])["prev"]

    last = await api.get(rels["last"].removeprefix("http://ductwork.test"))
    assert [c["connectionId"] for c in last.json()["content"]] == all_ids[-1:]
    assert "next" not in links(last.headers["Link"])

    beyond = await api.get(URL, params={"page": total, "size": 1})
    assert beyond.status_code == 200
    assert beyond.json()["content"] == []
    assert beyond.headers["X-Total-Count"] == str(total)


async def test_get_unknown_is_404(api):
    response = await api.get(f"{URL}/{uuid.uuid4()}")
    assert_error(response, 404, "CONNECTION_NOT_FOUND")


async def test_connection_test_reports_the_server(api, source, source_db):
    table = f"conn_probe_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE public.{table} (id int)")
    expected_tables = await source.fetchval(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    created = (await api.post(URL, json=body(source_db))).json()
    response = await api.post(f"{URL}/{created['connectionId']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["connected"] is True
    assert result["error"] is None
    assert isinstance(result["latencyMs"], int) and result["latencyMs"] >= 1
    assert result["version"].startswith("PostgreSQL ")
    server_version = await source.fetchval("SHOW server_version")
    assert result["version"].split()[1] == server_version.split()[0]
    assert "public" in result["details"]["schemas"]
    assert all(not s.startswith("pg_") for s in result["details"]["schemas"])
    assert isinstance(result["details"]["tables"], int)
    assert result["details"]["tables"] == expected_tables >= 1


async def test_connection_test_of_a_missing_database(api):
    missing = f"dw_missing_{uuid.uuid4().hex[:8]}"
    created = (await api.post(URL, json=body(missing))).json()
    response = await api.post(f"{URL}/{created['connectionId']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["connected"] is False
    assert missing in result["error"]
    assert result["version"] is None
    assert result["details"] == {"schemas": [], "tables": 0}
    assert PASSWORD not in response.text


async def test_connection_test_of_a_closed_port(api, source_db):
    created = (await api.post(URL, json=body(source_db, port=closed_port()))).json()
    response = await api.post(f"{URL}/{created['connectionId']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["connected"] is False
    assert "could not connect" in result["error"].lower()
    assert result["version"] is None


async def test_connection_test_of_unknown_is_404(api):
    assert_error(await api.post(f"{URL}/{uuid.uuid4()}/test"), 404, "CONNECTION_NOT_FOUND")


async def test_delete(api, source_db):
    created = (await api.post(URL, json=body(source_db))).json()
    response = await api.delete(f"{URL}/{created['connectionId']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await api.get(f"{URL}/{created['connectionId']}"), 404, "CONNECTION_NOT_FOUND")
    assert_error(await api.delete(f"{URL}/{created['connectionId']}"), 404, "CONNECTION_NOT_FOUND")


async def test_delete_unknown_is_404(api):
    assert_error(await api.delete(f"{URL}/{uuid.uuid4()}"), 404, "CONNECTION_NOT_FOUND")


async def test_delete_in_use_is_a_conflict_until_the_pipeline_goes(
    api, source, source_db, target_db
):
    table = f"conn_use_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE public.{table} (id int)")
    src = (await api.post(URL, json=body(source_db))).json()["connectionId"]
    dst = (await api.post(URL, json=body(target_db))).json()["connectionId"]
    name = unique_name("uses-conn")
    pipeline = await create_pipeline(
        api,
        name,
        {
            "sources": {"rows": {"connection": src, "table": f"public.{table}"}},
            "sinks": {"out": {"connection": dst, "table": f"landing.{table}"}},
        },
    )
    for connection_id in (src, dst):
        response = await api.delete(f"{URL}/{connection_id}")
        assert name in assert_error(response, 409, "CONNECTION_IN_USE")["detail"]
        assert (await api.get(f"{URL}/{connection_id}")).status_code == 200

    assert (await api.delete(f"/v1/pipelines/{pipeline}")).status_code == 204
    for connection_id in (src, dst):
        assert (await api.delete(f"{URL}/{connection_id}")).status_code == 204
        assert (await api.get(f"{URL}/{connection_id}")).status_code == 404


async def test_connector_catalog_says_what_can_be_read_and_written(api):
    response = await api.get("/api/v1/connectors")
    assert response.status_code == 200
    by_type = {c["type"]: c for c in response.json()["connectors"]}
    assert by_type["postgresql"]["target"] is True and "jdbc" in by_type["postgresql"]["aliases"]
    assert by_type["mysql"]["source"] is True and by_type["mysql"]["target"] is False
    assert by_type["sqlite"]["network"] is False and by_type["mysql"]["default_port"] == 3306


async def test_tables_lists_columns_with_their_types(api, source, source_db):
    table = f"introspected_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE {table} (id bigint NOT NULL, price numeric(12, 2))")
    created = await api.post(
        "/v1/pipelines/connections",
        json={
            "name": unique_name("introspect"),
            "type": "postgresql",
            "host": "127.0.0.1",
            "database": source_db,
            "username": "postgres",
        },
    )
    response = await api.get(f"/v1/pipelines/connections/{created.json()['connectionId']}/tables")
    assert response.status_code == 200, response.text
    found = next(t for t in response.json()["tables"] if t["name"] == table)
    assert found["schema"] == "public"
    assert found["columns"] == [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "price", "type": "numeric(12,2)", "nullable": True},
    ]
