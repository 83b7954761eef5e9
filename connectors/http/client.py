"""Reading an HTTP JSON API: pages fetched one at a time with httpx (its own retries off),
429/503 with Retry-After waited out, each page's records one Arrow batch.

``SELECT * FROM "orders"`` (what a source with ``table: orders`` runs) streams GET {base}/orders
page by page. Any other query (a source ``query``, an incremental cursor, a range) runs in DuckDB
over that stream, the resource path as its table name. httpx is used synchronously: the async
functions run in a thread, ``read`` in the caller's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa
import sqlglot
from sqlglot import exp

from connectors.base import (
    ColumnInfo,
    ConnectionTestResult,
    TableInfo,
    TerminalError,
    elapsed_ms,
)
from connectors.duckdb import sandbox
from connectors.duckdb.client import relation_batches
from connectors.http import transport
from connectors.http.config import HttpConfig
from connectors.source_sql import conform, table_query

if TYPE_CHECKING:
    # httpx (with its rich/click CLI imports) is loaded by the step that calls the API.
    import httpx

T = TypeVar("T")
DIALECT = "duckdb"
_AUTO_RECORD_KEYS = ("data", "items", "results", "records")
log = logging.getLogger(__name__)


def _dig(body: Any, path: str) -> Any:
    node = body
    for key in path.split("."):
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def records_of(config: HttpConfig, url: str, body: Any) -> list[Any]:
    """The list of records in a body: at ``record_path``, the body itself, or data/items/..."""
    if config.record_path:
        found = _dig(body, config.record_path)
    elif isinstance(body, list):
        found = body
    else:
        found = next(
            (body[k] for k in _AUTO_RECORD_KEYS if isinstance(body, dict) and k in body), None
        )
    if found is None and isinstance(body, dict) and not config.record_path:
        keys = ", ".join(list(body)[:10])
        raise TerminalError(
            f"GET {url}: no list of records found (keys: {keys}); set the connection's "
            "property record_path",
            error_type="INVALID_RESPONSE",
        )
    if found is None:
        return []
    if not isinstance(found, list):
        raise TerminalError(
            f"GET {url}: record_path {config.record_path!r} is a {type(found).__name__}, "
            "not a list",
            error_type="INVALID_RESPONSE",
        )
    return found


def pages(
    config: HttpConfig,
    path: str,
    *,
    first_only: bool = False,
    stop: threading.Event | None = None,
) -> Iterator[list[Any]]:
    """The records of each page of a resource, following the connection's pagination."""
    url = config.url(path)
    base_params = dict(config.params)
    if config.pagination == "offset" and not first_only:
        yield from _offset_pages(config, url, base_params, stop)
        return
    with transport.client(config) as client:
        page, offset, cursor = config.start_page, 0, None
        next_url: str | None = url
        for fetched in range(config.max_pages):
            params = dict(base_params)
            if config.pagination == "page":
                params[config.page_param] = page
            elif config.pagination == "offset":
                params[config.offset_param] = offset
                params[config.limit_param] = config.page_size
            elif config.pagination == "cursor" and cursor is not None:
                params[config.cursor_param] = cursor
            request_url = next_url if config.pagination == "link" else url
            assert request_url is not None
            if config.pagination == "link" and fetched > 0:
                params = {}  # the next link carries its own query
            response = transport.get(config, client, request_url, params, stop)
            body = transport.json_body(request_url, response)
            records = records_of(config, request_url, body)
            if records or fetched == 0:
                yield records
            if first_only or not records or config.pagination == "none":
                return
            if config.pagination == "page":
                page += 1
            elif config.pagination == "offset":
                if len(records) < config.page_size:
                    return
                offset += len(records)
            elif config.pagination == "cursor":
                cursor = _dig(body, config.next_cursor_path)
                if cursor in (None, "", False):
                    return
            elif config.pagination == "link":
                link = response.links.get("next", {}).get("url")
                if not link:
                    return
                next_url = str(response.url.join(link))
        log.warning("GET %s: stopped at max_pages=%d", url, config.max_pages)


OFFSET_PAGES_AHEAD = 2


def _offset_pages(
    config: HttpConfig, url: str, base_params: dict[str, Any], stop: threading.Event | None
) -> Iterator[list[Any]]:
    """Offset pages, each one's offset known before the page before it arrives: two requests
    are in flight, so the API answers the next while this one is parsed. A page shorter than
    ``page_size`` is the last; the request already sent for the page after it is answered
    (empty) and dropped. Pages are handed on in order."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    def page_at(client: httpx.Client, offset: int) -> list[Any]:
        params = {**base_params, config.offset_param: offset, config.limit_param: config.page_size}
        response = transport.get(config, client, url, params, stop)
        return records_of(config, url, transport.json_body(url, response))

    with (
        transport.client(config) as client,
        ThreadPoolExecutor(OFFSET_PAGES_AHEAD, thread_name_prefix="ductwork-http-page") as pool,
    ):
        asked: deque[tuple[int, Future[list[Any]]]] = deque()
        offset = 0  # where the next page starts: after the records read so far
        for fetched in range(config.max_pages):
            if asked and asked[0][0] != offset:  # the API's pages are longer than page_size
                asked.clear()  # asked at the wrong offsets: answered and dropped
            while len(asked) < OFFSET_PAGES_AHEAD and fetched + len(asked) < config.max_pages:
                ahead = asked[-1][0] + config.page_size if asked else offset
                asked.append((ahead, pool.submit(page_at, client, ahead)))
            records = asked.popleft()[1].result()
            if records or fetched == 0:
                yield records
            if len(records) < config.page_size:
                return
            offset += len(records)
        log.warning("GET %s: stopped at max_pages=%d", url, config.max_pages)


def one_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` fetched one ahead by a thread of its own: the next page downloads (and its
    JSON is parsed) while the caller converts and loads this one. The thread ends with the
    caller's iteration: at the end, on an error (raised here) or when the caller stops."""
    import queue

    handed: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    leaving = threading.Event()

    def hand(last: bool, item: Any) -> bool:
        while not leaving.is_set():
            try:
                handed.put((last, item), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand(False, item):
                    return
            hand(True, None)
        except BaseException as exc:  # handed over, raised in the caller's thread
            hand(True, exc)
        finally:
            close = getattr(items, "close", None)  # a generator: its client closes here
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="ductwork-http-ahead", daemon=True)
    thread.start()
    try:
        while True:
            last, item = handed.get()
            if last:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        leaving.set()
        thread.join()


# --- records to Arrow ----------------------------------------------------------------------


def _flat(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        record = {"value": record}
    return {
        k: json.dumps(v, separators=(",", ":"), default=str) if isinstance(v, dict | list) else v
        for k, v in record.items()
    }


def infer_schema(records: list[Any]) -> pa.Schema:
    """Columns in first-seen order; nested values are JSON text; no type or a mix: text."""
    rows = [_flat(r) for r in records]
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    fields = []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            data_type = pa.array(values).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            data_type = pa.string()
        if pa.types.is_null(data_type):
            data_type = pa.string()
        fields.append(pa.field(name, data_type))
    return pa.schema(fields)


def to_batch(records: list[Any], schema: pa.Schema) -> pa.RecordBatch:
    """A page's records as a batch of ``schema``: missing fields NULL, extra fields dropped.
    Flat objects whose values fit their columns go to Arrow as they are (a quarter of the
    time); a nested value, a record that is not an object or a value of another type makes
    Arrow refuse the page, which is then converted record by record and column by column."""
    try:
        return pa.RecordBatch.from_pylist(records, schema=schema)
    except (pa.ArrowException, TypeError, ValueError, AttributeError, OverflowError):
        pass
    rows = [_flat(r) for r in records]
    arrays = []
    for field in schema:
        values = [row.get(field.name) for row in rows]
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            if pa.types.is_string(field.type):
                arrays.append(pa.array([None if v is None else str(v) for v in values]))
                continue
            try:
                arrays.append(pa.array(values).cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise TerminalError(
                    f"column {field.name!r}: a later page has values that do not fit "
                    f"{field.type} (inferred from the first page): {exc}",
                    error_type="DATA_ERROR",
                ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


# --- queries -------------------------------------------------------------------------------


def _resources(query: str) -> tuple[exp.Expr, list[str], bool]:
    """The parsed query, its resource paths, and whether it is a plain ``SELECT *`` of one."""
    try:
        tree = sqlglot.parse_one(query, read=DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise TerminalError(f"invalid query: {exc}", error_type="INVALID_SQL") from exc
    paths = []
    for table in tree.find_all(exp.Table):
        parts = [p for p in (table.catalog, table.db, table.name) if p]
        paths.append("/".join(parts))
    if not paths:
        raise TerminalError(
            "an http source reads a resource: give its path as the source's table",
            error_type="INVALID_SQL",
        )
    plain = len(paths) == 1 and tree.sql(DIALECT) == table_query(None, paths[0], DIALECT)
    return tree, paths, plain


def _resource_path(table: exp.Table) -> str:
    return "/".join(p for p in (table.catalog, table.db, table.name) if p)


def _rewrite(tree: exp.Expr, conn: Any, tables: Callable[[str], Any]) -> str:
    """The query reading each resource from a DuckDB view of its records (``tables(path)``:
    an Arrow table or a record-batch reader), under its own name as the alias."""
    registered: dict[str, str] = {}

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name:
            path = _resource_path(node)
            if path not in registered:
                registered[path] = f"_http_{len(registered)}"
                conn.register(registered[path], tables(path))
            alias = node.args.get("alias") or exp.TableAlias(
                this=exp.to_identifier(node.name, quoted=True)
            )
            return exp.Table(this=exp.to_identifier(registered[path]), alias=alias)
        return node

    return tree.transform(rename).sql(DIALECT)


def _with_duckdb(query: str, tables: Callable[[str], Any], work: Callable[[Any, str], T]) -> T:
    """Run ``work(conn, sql)`` with each resource registered in DuckDB (``tables(path)``: an
    Arrow table or a record-batch reader) and the query rewritten to read them."""
    import duckdb

    tree, _, _ = _resources(query)
    conn = sandbox.connect()
    try:
        return work(conn, _rewrite(tree, conn, tables))
    except duckdb.Error as exc:
        raise TerminalError(f"DuckDB over HTTP records: {exc}", error_type="INVALID_SQL") from exc
    finally:
        conn.close()


def _first_page(config: HttpConfig, path: str) -> list[Any]:
    return next(pages(config, path, first_only=True), [])


def describe_sync(config: HttpConfig, query: str) -> pa.Schema:
    _, paths, plain = _resources(query)
    if plain:
        return infer_schema(_first_page(config, paths[0]))

    def first(path: str) -> pa.Table:
        records = _first_page(config, path)
        return pa.Table.from_batches([to_batch(records, infer_schema(records))])

    return _with_duckdb(
        query,
        first,
        lambda conn, sql: conn.sql(f"SELECT * FROM ({sql}) AS _describe LIMIT 0").arrow().schema,
    )


def _reader(
    config: HttpConfig, path: str, stop: threading.Event | None = None
) -> pa.RecordBatchReader:
    """A resource's records for DuckDB; the first page, which gives the schema, is fetched
    once and read as the first batch."""
    stream = pages(config, path, stop=stop)
    first = next(stream, [])
    schema = infer_schema(first)

    def batches() -> Iterator[pa.RecordBatch]:
        for records in itertools.chain([first], stream):
            if records:
                yield conform(to_batch(records, schema), schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def read(
    config: HttpConfig,
    query: str,
    schema: pa.Schema,
    batch_rows: int,
    stop: threading.Event | None = None,
) -> Iterator[pa.RecordBatch]:
    """A batch per page (at most ``batch_rows`` rows each) for a plain read; else DuckDB's.
    ``stop``: a cancelled step's signal, ending a Retry-After wait at once."""
    _, paths, plain = _resources(query)
    if plain:
        for records in one_ahead(pages(config, paths[0], stop=stop)):
            for start in range(0, len(records), batch_rows):
                yield to_batch(records[start : start + batch_rows], schema)
        return
    import duckdb

    conn = sandbox.connect()
    try:
        tree, _, _ = _resources(query)
        relation = conn.sql(_rewrite(tree, conn, lambda path: _reader(config, path, stop)))
        yield from relation_batches(relation, schema, batch_rows)
    except duckdb.Error as exc:
        raise TerminalError(f"DuckDB over HTTP records: {exc}", error_type="INVALID_SQL") from exc
    finally:
        conn.close()


def min_max_sync(config: HttpConfig, query: str, column: str) -> tuple[Any, Any]:
    quoted = '"' + column.replace('"', '""') + '"'
    return _with_duckdb(
        query,
        lambda path: _reader(config, path),
        lambda conn, sql: tuple(
            conn.execute(f"SELECT min({quoted}), max({quoted}) FROM ({sql}) AS _s").fetchone()
        ),
    )


# --- connection test and introspection ----------------------------------------------------


def test_sync(config: HttpConfig) -> ConnectionTestResult:
    import httpx

    started = time.perf_counter()
    url = config.url(config.test_path)
    try:
        with transport.client(config) as client:
            response = transport.fetch(config, client, url)
    except httpx.TimeoutException:
        return ConnectionTestResult.failed(started, f"GET {url}: timed out")
    except httpx.HTTPError:
        return ConnectionTestResult.failed(started, transport.unreachable(url))
    latency = elapsed_ms(started)
    connected = response.status_code < 400
    return ConnectionTestResult(
        connected=connected,
        latency_ms=latency,
        version=response.headers.get("server"),
        schemas=[],
        tables=0,
        error=None
        if connected
        else f"HTTP {response.status_code} from GET {url}: {transport.excerpt(config, response)}",
    )


def exists_sync(config: HttpConfig, path: str) -> bool:
    try:
        _first_page(config, path)
    except TerminalError as exc:
        if exc.error_type == "RESOURCE_NOT_FOUND":
            return False
        raise
    return True


def introspect_sync(config: HttpConfig) -> list[TableInfo]:
    """The resources listed in the connection's ``resources`` property, typed by a first page."""
    tables = []
    for path in config.resources:
        schema = infer_schema(_first_page(config, path))
        columns = [ColumnInfo(f.name, str(f.type)) for f in schema]
        tables.append(TableInfo("", path, columns))
    return tables


async def run(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(work, *args)
