"""Files (CSV, Parquet, JSON Lines) on a local directory and on S3 (moto's server on loopback):
connection test, introspection, globs, filters, and the checks made when a connection or a
pipeline is saved."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.base import ConnectionSettings, TerminalError
from connectors.files.config import FilesConfig
from connectors.registry import connector_for
from connectors.source_sql import column, literal, table_query, where
from tests.pipelines import create_connection, unique_name
from tests.s3 import s3_server  # noqa: F401  (the session fixture)
from tests.sources import URL, register

FILES = connector_for("files")


def _parquet(path, ids: range) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": pa.array(list(ids), pa.int64())}), path)


def _lake(root) -> None:
    for i in range(3):
        _parquet(root / "orders" / f"part-{i}.parquet", range(i * 10, i * 10 + 10))
    (root / "events.csv").write_text("id,name\n1,a\n2,\n")
    (root / "logs.jsonl").write_text('{"n": 1, "ok": true}\n')
    (root / "README.txt").write_text("not data")
    (root / "_SUCCESS").write_text("")


def _config(root: str, **props) -> FilesConfig:
    return FILES.config(ConnectionSettings(None, None, root, properties=props))


async def test_connection_test_counts_the_data_files(api, tmp_path):
    _lake(tmp_path)
    body = {"name": unique_name("lake"), "type": "files", "database": str(tmp_path)}
    connection = await register(api, body)
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is True, result
    assert result["version"] == "local filesystem"
    assert result["details"] == {"schemas": [str(tmp_path)], "tables": 5}


async def test_a_missing_directory_is_reported(api, tmp_path):
    body = {"name": unique_name("lake"), "type": "files", "database": str(tmp_path / "absent")}
    connection = await register(api, body)
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is False and "does not exist" in result["error"]


async def test_introspection_groups_files_by_directory_and_extension(tmp_path):
    _lake(tmp_path)
    tables = {t.name: t for t in await FILES.introspect(_config(str(tmp_path)))}
    assert sorted(tables) == ["events.csv", "logs.jsonl", "orders/*.parquet"]
    assert [(c.name, c.type) for c in tables["orders/*.parquet"].columns] == [("id", "int64")]
    assert [(c.name, c.type) for c in tables["logs.jsonl"].columns] == [
        ("n", "int64"),
        ("ok", "bool"),
    ]


async def test_globs_and_filters(tmp_path):
    _lake(tmp_path)
    config = _config(str(tmp_path))
    assert await FILES.table_exists(config, None, "orders/*.parquet")
    assert await FILES.table_exists(config, None, "orders/part-1.parquet")
    assert await FILES.table_exists(config, None, "orders")  # a directory: its files
    assert await FILES.table_exists(config, None, "**/*.parquet")
    assert not await FILES.table_exists(config, None, "orders/*.csv")
    assert not await FILES.table_exists(config, None, "missing.csv")
    query = table_query(None, "orders/*.parquet", "duckdb")
    schema = await FILES.describe(config, query)
    assert await FILES.min_max(config, query, "id") == (0, 29)
    filtered = where(query, "duckdb", column("id") >= literal(25, "duckdb"))
    ids = [v for b in FILES.read(config, filtered, schema, 2) for v in b.column(0).to_pylist()]
    assert sorted(ids) == [25, 26, 27, 28, 29]
    assert all(b.num_rows <= 2 for b in FILES.read(config, query, schema, 2))


async def test_a_query_beyond_a_filter_is_refused_clearly(tmp_path):
    _lake(tmp_path)
    config = _config(str(tmp_path))
    with pytest.raises(TerminalError, match="use a transformation"):
        await FILES.describe(config, 'SELECT id FROM "orders/*.parquet" GROUP BY id')


async def test_csv_options_from_properties(tmp_path):
    (tmp_path / "data.txt").write_text("1;x\n2;y\n")
    config = _config(str(tmp_path), format="csv", delimiter=";", header=False)
    query = table_query(None, "data.txt", "duckdb")
    schema = await FILES.describe(config, query)
    rows = pa.Table.from_batches(list(FILES.read(config, query, schema, 10))).to_pylist()
    assert rows == [{"f0": 1, "f1": "x"}, {"f0": 2, "f1": "y"}]


async def test_a_csv_schema_is_its_first_block_s_as_the_dataset_infers_it(tmp_path):
    """The block ends inside a timestamp: that partial row takes no part in the inference
    (read as the whole head, it would make the column text), and a float after the first
    block does not make the integer column a float column, as in pyarrow's own inspection."""
    import pyarrow.csv as pcsv
    import pyarrow.dataset as ds

    line = "1,a note,2026-01-01 00:00:00\n"
    rows = line * ((1 << 20) // len(line) + 5) + "2.5,late,2026-01-02 00:00:00\n"
    header = "id,note,at\n"
    (tmp_path / "big.csv").write_text(header + rows)
    assert ((1 << 20) - len(header)) % len(line) == 12  # the block ends inside the timestamp
    config = _config(str(tmp_path))
    schema = await FILES.describe(config, table_query(None, "big.csv", "duckdb"))
    options = pcsv.ConvertOptions(strings_can_be_null=True)
    inspected = ds.dataset(
        str(tmp_path / "big.csv"), format=ds.CsvFileFormat(convert_options=options)
    ).schema
    assert schema.equals(inspected)
    assert [str(f.type) for f in schema] == ["int64", "string", "timestamp[s]"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"database": "../another-tenant"}, "POLICY_DENIED"),  # relative: the tenant's own dir
        ({"database": "ftp://host/x"}, "s3://bucket/prefix"),
        ({"database": "s3://"}, "names its bucket"),
        ({"host": "localhost"}, "has no 'host'"),
        ({"port": 9000}, "has no 'port'"),
    ],
)
async def test_connection_bodies_are_checked(api, tmp_path, overrides, message):
    body = {"name": unique_name("bad"), "type": "files", "database": str(tmp_path), **overrides}
    response = await api.post(URL, json=body)
    # Refused by the confinement policy (422) or by request validation (400 on /v1).
    code = response.json()["error_code"]
    assert (response.status_code, code) in ((422, "POLICY_DENIED"), (400, "VALIDATION_ERROR"))
    assert message in response.text


async def test_a_missing_file_is_refused_at_save_time(api, tmp_path, target_db):
    _lake(tmp_path)
    src = await register(
        api, {"name": unique_name("lake"), "type": "files", "database": str(tmp_path)}
    )
    dst = await create_connection(api, target_db, unique_name("dst"))
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": unique_name("missing"),
            "definition": {
                "sources": {"rows": {"connection": src, "table": "orders/*.csv"}},
                "sinks": {"wh": {"connection": dst, "table": "wh.not_there"}},
            },
        },
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "definition", "sources", "rows", "table"]
    assert problem["type"] == "missing_table" and "orders/*.csv" in problem["msg"]


async def test_s3_connection_test_and_introspection(api, s3_server):  # noqa: F811
    prefix = unique_name("t")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"at": pa.array([datetime(2026, 1, 1, tzinfo=UTC)])}), buffer)
    for i in range(2):
        s3_server.put(f"{prefix}/daily/{i}.parquet", buffer.getvalue())
    s3_server.put(f"{prefix}/notes.txt", b"not data")
    connection = await register(api, s3_server.body(unique_name("s3"), prefix))
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is True, result
    assert result["version"] == f"S3 ({s3_server.endpoint_url})"
    assert result["details"]["tables"] == 2
    tables = (await api.get(f"{URL}/{connection}/tables")).json()["tables"]
    assert [(t["name"], t["columns"][0]["type"]) for t in tables] == [
        ("daily/*.parquet", "timestamp[us, tz=UTC]")
    ]


@pytest.mark.parametrize("wrong", ["secret", "key"])
async def test_wrong_s3_credentials_fail_the_test_without_the_secret(
    api,
    s3_server,  # noqa: F811
    wrong,
):
    secret = "wrong-secret-" + uuid.uuid4().hex if wrong == "secret" else s3_server.secret_key
    key = "AKIANOSUCHKEY0000000" if wrong == "key" else s3_server.access_key
    body = s3_server.body(unique_name("s3"), "any", username=key, password=secret)
    connection = await register(api, body)
    response = await api.post(f"{URL}/{connection}/test")
    result = response.json()
    assert result["connected"] is False, result
    assert "access denied" in result["error"] and "access key id" in result["error"]
    assert secret not in response.text
