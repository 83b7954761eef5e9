"""Files: CSV, Parquet and JSON Lines under a local directory or an S3 prefix, read with
pyarrow.dataset as Arrow record batches. A source's ``table`` is a path or glob under the root."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo
from connectors.files import client
from connectors.files.config import FilesConfig


class FilesConnector:
    type = "files"
    dialect = "duckdb"  # only the carrier of the path and the filters (see client)
    network = False
    default_port = None
    default_schema: str | None = None
    options = [
        "database (the root: an absolute directory or s3://bucket/prefix)",
        "username, password or credentialSecretRef (S3 access key id and secret)",
        "properties.endpoint_url, properties.region (S3)",
        "properties.format (csv, parquet, jsonl; default: from the extension)",
        "properties.delimiter, properties.header (CSV)",
    ]

    def config(self, settings: ConnectionSettings) -> FilesConfig:
        return FilesConfig.from_settings(settings)

    async def test_connection(self, config: FilesConfig) -> ConnectionTestResult:
        return await client.test_connection(config)

    async def introspect(self, config: FilesConfig) -> list[TableInfo]:
        return await client.introspect(config)

    async def table_exists(self, config: FilesConfig, schema: str | None, name: str) -> bool:
        return await client.table_exists(config, schema, name)

    async def describe(self, config: FilesConfig, query: str) -> pa.Schema:
        return await client.describe(config, query)

    async def min_max(self, config: FilesConfig, query: str, column: str) -> tuple[Any, Any]:
        return await client.min_max(config, query, column)

    def read(
        self, config: FilesConfig, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        return client.read(config, query, schema, batch_rows)


CONNECTOR = FilesConnector()

__all__ = ["CONNECTOR", "FilesConfig", "FilesConnector"]
