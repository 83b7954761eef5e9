"""What every connector shares: error classes, settings, and the shapes of a connection test
and of introspection."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa

T = TypeVar("T")


class ConnectorError(Exception):
    """An error from a source or target, already classified.

    ``error_type`` is a stable code for API responses and Temporal's ApplicationError type.
    """

    retryable: bool = False

    def __init__(self, message: str, *, error_type: str) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


class TerminalError(ConnectorError):
    """Retrying cannot help: bad SQL, a missing table, wrong credentials."""

    retryable = False


class TransientError(ConnectorError):
    """May succeed on retry: connection reset, timeout, serialization failure."""

    retryable = True


class PolicyDenied(TerminalError):
    """The operator's confinement policy does not let a tenant's definition reach this (a path,
    an address, a secret). ``setting`` names what would allow it."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        if setting:
            message = f"{message} (the operator can allow it with {setting})"
        super().__init__(message, error_type="POLICY_DENIED")
        self.setting = setting


EgressCheck = Callable[[str], str]
"""Checks an outbound URL against the policy and returns the URL to connect to (its host pinned
to the checked address); raises ``PolicyDenied``. Connectors call it for every request."""


_ROW_CONTENT = re.compile(r"(got \d+): .*", re.S)


def safe_detail(text: str, limit: int = 300) -> str:
    """An error text fit for an API answer: the row content some parsers append cut off
    (``Expected 1 columns, got 2: <row>``), printable characters only, bounded."""
    text = _ROW_CONTENT.sub(r"\1", text)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unreachable(system: str) -> str:
    """One message for a refused connection, a reset, a timeout and a server that speaks another
    protocol: what listens on a port (or its banner) is never told."""
    return (
        f"could not connect to a {system} server at that address "
        "(refused, reset, timed out, or another protocol answered)"
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    connected: bool
    latency_ms: int
    version: str | None = None
    schemas: list[str] = field(default_factory=list)
    tables: int = 0
    error: str | None = None

    @classmethod
    def failed(cls, started: float, error: str, version: str | None = None) -> ConnectionTestResult:
        """Not connected: how long it took to find out (from a perf_counter reading), and why."""
        return cls(connected=False, latency_ms=elapsed_ms(started), version=version, error=error)


@dataclass
class Progress:
    """Rows and bytes a step has moved so far; updated in place while it runs."""

    rows: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # in the system's own words, e.g. "decimal(12,2)" or "bigint unsigned"
    nullable: bool = True


@dataclass(frozen=True)
class TableInfo:
    schema: str
    name: str
    columns: list[ColumnInfo] = field(default_factory=list)
    partitions: int | None = None  # a Kafka topic's partition count


def group_columns(rows: Iterable[tuple[str, str, str, str, bool]]) -> list[TableInfo]:
    """(schema, table, column, type, nullable) rows, ordered by table, into tables."""
    tables: dict[tuple[str, str], TableInfo] = {}
    for schema, table, column, type_, nullable in rows:
        info = tables.setdefault((schema, table), TableInfo(schema, table))
        info.columns.append(ColumnInfo(column, type_, bool(nullable)))
    return list(tables.values())


@dataclass(frozen=True)
class ConnectionSettings:
    """A stored connection with its secret resolved: what a connector builds its config from."""

    host: str | None
    port: int | None
    database: str  # a database name, or the path of a database file
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    properties: dict[str, Any] = field(default_factory=dict)
    egress: EgressCheck | None = field(default=None, repr=False, compare=False)


class Connector(Protocol):
    """One system: how to configure, test and introspect a connection to it."""

    type: str  # the canonical connection type
    dialect: str  # sqlglot's name for its SQL
    network: bool  # True: host and port; False: ``database`` is the path of a database file
    default_schema: str | None  # where an unqualified table is; None: the connection's database

    # Read-only (a property), so a connector's class attribute may be an ``int`` or ``None``.
    @property
    def default_port(self) -> int | None: ...

    def config(self, settings: ConnectionSettings) -> Any: ...

    async def test_connection(self, config: Any) -> ConnectionTestResult: ...

    async def introspect(self, config: Any) -> list[TableInfo]: ...

    async def table_exists(self, config: Any, schema: str | None, name: str) -> bool: ...


class ArrowSource(Connector, Protocol):
    """A source read as Arrow record batches (every source but PostgreSQL, which streams COPY)."""

    async def describe(self, config: Any, query: str) -> pa.Schema:
        """The Arrow schema ``read`` yields for ``query``, without reading its rows."""
        ...

    async def min_max(self, config: Any, query: str, column: str) -> tuple[Any, Any]: ...

    def read(
        self, config: Any, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        """Batches of ``schema``, at most ``batch_rows`` rows each. Synchronous: run it in a
        worker thread; the source is opened on the first batch and closed with the iterator."""
        ...


class ReadAgain(Exception):
    """Raised by a source's fast read (before the batch that would differ) when its rows would
    not be exactly what its exact path gives. The consumer's transaction rolls back what it
    took, and ``read_again`` hands the exact path's ``batches()`` to the consumer again."""

    def __init__(self, reason: str, batches: Callable[[], Iterator[pa.RecordBatch]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.batches = batches


def read_again(
    consume: Callable[[Iterator[pa.RecordBatch]], T],
    batches: Iterator[pa.RecordBatch],
    log: Callable[..., None] | None = None,
) -> T:
    """``consume(batches)`` (one transaction that rolls back on failure); if the read raises
    ``ReadAgain``, ``consume`` takes the exact path's batches instead."""
    try:
        return consume(batches)
    except ReadAgain as again:
        if log is not None:
            log("reading again by the exact path", reason=again.reason)
        return consume(again.batches())


class LoadCursor(Protocol):
    """What a target reads of an incremental source's high-water mark."""

    @property
    def source(self) -> str: ...
    @property
    def column(self) -> str: ...
    @property
    def staging_table(self) -> str: ...
    @property
    def kind(self) -> str: ...  # max (a column's high-water mark) | offsets (a stream's position)


class LoadOwner(Protocol):
    @property
    def pipeline_id(self) -> str: ...


class LoadSpec(Protocol):
    """What a target reads of a load: the planner's ``workflows.payloads.LoadStep`` has it, so
    activities pass that step as it is and connectors import nothing from the layers above."""

    @property
    def ref(self) -> LoadOwner: ...
    @property
    def input_table(self) -> str: ...
    @property
    def target_table(self) -> str: ...
    @property
    def mode(self) -> str: ...  # append | replace | merge
    @property
    def input_is_private(self) -> bool: ...  # only this load reads the input: it may move it
    @property
    def keys(self) -> list[str]: ...
    @property
    def deduplicate(self) -> bool: ...
    @property
    def cursors(self) -> Sequence[LoadCursor]: ...
    @property
    def input_rows(self) -> int | None: ...
    @property
    def options(self) -> dict[str, Any]: ...


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` reading); at least 1."""
    return max(1, round((time.perf_counter() - started) * 1000))
