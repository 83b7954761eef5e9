"""Read a MySQL/MariaDB query as Arrow record batches with connectorx's streaming reader.

connectorx reads on its own threads and hands over one batch at a time, so memory stays
bounded by the batch size. Its types are conformed to the query's described schema (exact
DECIMAL precision and scale, unsigned integers, TIMESTAMP as UTC instants); decimals wider
than it reads exactly are selected as text and parsed by Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from connectors.mysql.client import UTC_SESSION
from connectors.mysql.config import MySQLConfig
from connectors.mysql.errors import classify
from connectors.source_sql import conform, reading_query


def read(
    config: MySQLConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    import connectorx

    try:
        reader = connectorx.read_sql(
            config.url(),
            reading_query(query, schema, "mysql"),
            return_type="arrow_stream",
            batch_size=batch_rows,
            pre_execution_query=UTC_SESSION,
        )
    except BaseException as exc:  # connectorx raises a Rust panic as a BaseException
        raise _reader_error(exc) from exc
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except BaseException as exc:
                raise _reader_error(exc) from exc
            yield conform(batch, schema)
    finally:
        reader.close()


def _reader_error(exc: BaseException) -> BaseException:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        return exc
    return classify(exc)
