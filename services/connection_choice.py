"""Which of the tenant's connections a request reads or loads when it names none.

Pipeline generation on the AI-ETL platform API takes a bare description: the connections the
description names are used (those before "to"/"into" read, the first after loaded), else those
of the systems it names ("from PostgreSQL to ClickHouse"), else every connection of the role.
Among several, the ones whose tables and columns match the description's words come first (each
connection introspected, bounded in time); the choice is said in the interpretation and, when
others were possible, given for review. Only the caller's tenant's connections are ever read.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.base import ConnectorError, PolicyDenied, TableInfo
from connectors.registry import canonical_type, is_source, is_target
from core.connections import connector_config
from core.logging import get_logger
from core.secrets import Cipher, SecretReferenceError
from core.settings import Settings
from store import connections as connection_store
from store.models import Connection
from workflows.generation_payloads import TableSpec

log = get_logger("ductwork.connection_choice")

MAX_CANDIDATES = 20  # source connections whose tables the planner may choose from
SYSTEM_SCHEMAS = (
    "pg_catalog",
    "information_schema",
    "_ductwork",
    "mysql",
    "sys",
    "performance_schema",
)
PROBE_SECONDS = 5.0  # how long one connection's introspection may take
PARALLEL = 16  # connections introspected at once
DEADLINE_SECONDS = 10.0  # all of them: a connection not read by then is not chosen by its tables
CREATE_ONE = "POST /api/v1/connectors-ai/configure (or POST /v1/pipelines/connections) creates one"
_SYSTEMS = {
    "postgresql": r"postgres(?:ql)?|\bpg\b",
    "mysql": r"mysql|mariadb",
    "clickhouse": r"clickhouse",
    "duckdb": r"duckdb",
    "files": r"\bs3\b|parquet|csv|files?\b",
    "kafka": r"kafka",
}
_FILLER_WORDS = (  # words of a description that name no table, column or connection
    "a an and the of to into from in on for with by at as each every all per data load "
    "loads copy sync daily hourly weekly monthly table tables"
)
_FILLER = frozenset(_FILLER_WORDS.split())


class NoChoice(ValueError):
    """No connection can be chosen: the tenant has none for a role (``NO_USABLE_CONNECTION``),
    or the description holds no word to choose by (``DESCRIPTION_TOO_VAGUE``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Choice:
    sources: list[TableSpec]
    targets: list[TableSpec]
    chosen: list[str] = field(default_factory=list)  # said in the interpretation
    review: list[str] = field(default_factory=list)  # choices a person should confirm


@dataclass(frozen=True)
class Candidate:
    row: Connection
    score: int  # how many of the description's words its name, tables and columns hold
    matched: tuple[str, ...]  # the table and column names that matched
    tables: tuple[TableInfo, ...] = ()  # what introspection found (none when not read)

    def why(self) -> str:
        said = f"{self.row.name!r} ({self.row.type})"
        if self.matched:
            return f"{said}, which holds {', '.join(self.matched[:6])}"
        return said


def systems(text: str) -> set[str]:
    """The connection types a part of a description names."""
    return {kind for kind, pattern in _SYSTEMS.items() if re.search(pattern, text)}


def words(text: str) -> set[str]:
    """The description's words that may name a table, a column or a connection (singular and
    plural both)."""
    found = set()
    for word in re.findall(r"[a-z][a-z0-9]*", text.lower()):
        if word in _FILLER or len(word) < 3:
            continue
        found.add(word)
        found.add(word[:-1] if word.endswith("s") else word + "s")
    return found


async def choose(
    session: AsyncSession,
    cipher: Cipher,
    settings: Settings,
    tenant_id: str,
    text: str,
    sources: list[TableSpec],
    targets: list[TableSpec],
) -> Choice:
    """Fill in the sources and targets a request left out from the tenant's connections."""
    rows, _ = await connection_store.page(session, tenant_id, offset=0, limit=500)
    rows = [r for r in rows if r.tenant_id == tenant_id]
    low = text.lower()
    split = re.search(r"\b(?:to|into)\b", low)
    cut = split.start() if split else len(low)
    choice = Choice(list(sources), list(targets))
    mentioned = sorted(  # by place; at one place (a name that starts another) the longer first
        (
            (m.start(), row)
            for row in rows
            if (m := re.search(rf"(?<![\w-]){re.escape(row.name.lower())}(?![\w-])", low))
        ),
        key=lambda found: (found[0], -len(found[1].name)),
    )
    named = {
        "source": [TableSpec(connection=row.id) for pos, row in mentioned if pos < cut],
        "target": [TableSpec(connection=row.id) for pos, row in mentioned if pos >= cut][:1],
    }
    wanted = words(text)
    ranked: dict[str, Candidate] = {}  # connection id → its match, introspected once
    for role, specs in (("source", choice.sources), ("target", choice.targets)):
        if specs:
            continue
        if named[role]:
            specs.extend(named[role])
            continue
        usable = [r for r in rows if (is_source if role == "source" else is_target)(r.type)]
        if not usable:
            raise NoChoice(
                "NO_USABLE_CONNECTION",
                f"the tenant has no connection that can be a {role}: {CREATE_ONE}, then "
                "generate again (or name it with sources/targets and connection_id)",
            )
        if not wanted:
            raise NoChoice(
                "DESCRIPTION_TOO_VAGUE",
                "the description names no table, column, connection or system to choose the "
                f"{role} by: say what to load (e.g. 'copy orders from <connection> to "
                "<connection>'), or give sources/targets with connection_id",
            )
        asked = systems(low[:cut] if role == "source" else low[cut:])
        fitting = [r for r in usable if canonical_type(r.type) in asked]
        if asked and not fitting:
            choice.review.append(
                f"the description names {' or '.join(sorted(asked))} for the {role}, but the "
                f"tenant has no such connection: the service chose another ({CREATE_ONE})"
            )
        candidates = await _ranked(fitting or usable, wanted, cipher, settings, ranked)
        if role == "target" and len(candidates) > 1:  # another than the source, when one is
            read = {s.connection for s in choice.sources}
            candidates.sort(key=lambda c: c.row.id in read)
        if role == "source":  # the best ones; the planner reads their tables and uses those named
            best = {  # the best, one of each set of matched tables (a copy adds nothing)
                c.matched: c for c in reversed(candidates) if c.score == candidates[0].score
            }
            picked = sorted(best.values(), key=candidates.index)[:MAX_CANDIDATES]
            specs.extend(_source_specs(picked, choice.review))
        else:
            picked = candidates[:1]
            specs.append(TableSpec(connection=picked[0].row.id))
        reason = (
            f"the tenant's only {role} connection"
            if len(candidates) == 1
            else f"the best match of the description's words among {len(candidates)}"
            + (", other than the source" if role == "target" else "")
        )
        choice.chosen.append(
            f"the {role} connection chosen by the service ({reason}): "
            + ", ".join(c.why() for c in picked)
        )
        if len(candidates) > 1:
            others = [c.row.name for c in candidates if c not in picked]
            choice.review.append(
                f"the {role} connection was chosen by the service: {picked[0].why()}"
                + (f"; also possible: {', '.join(map(repr, others))}" if others else "")
                + (
                    f"; several fit ({', '.join(repr(c.row.name) for c in picked)})"
                    if len(picked) > 1
                    else ""
                )
                + ": check it, or name the connection in the description"
            )
    return choice


def _source_specs(picked: list[Candidate], review: list[str]) -> list[TableSpec]:
    """The chosen sources; when the description names none of their tables or columns, the
    first one's likeliest table (a fact table: the most ``_id`` columns, then the most columns),
    said for review."""
    if any(c.matched for c in picked) or not picked[0].tables:
        return [TableSpec(connection=c.row.id, optional=len(picked) > 1) for c in picked]
    best = picked[0]
    tables = sorted(
        best.tables,
        key=lambda t: (
            -sum(c.name.lower().endswith("_id") for c in t.columns),
            -len(t.columns),
            t.name,
        ),
    )
    table = tables[0]
    others = ", ".join(t.name for t in tables[1:6])
    review.append(
        f"the description names none of the tables of {best.row.name!r}: the service chose "
        f"{table.name}" + (f" (also there: {others})" if others else "") + ": name the table"
    )
    return [TableSpec(connection=best.row.id, schema=table.schema or None, table=table.name)]


async def _ranked(
    rows: list[Connection],
    wanted: set[str],
    cipher: Cipher,
    settings: Settings,
    seen: dict[str, Candidate],
) -> list[Candidate]:
    """The connections, best match of the description's words first (then by name); one that
    cannot be read in time matches by its name only."""
    todo = [r for r in rows if r.id not in seen]
    for row, (tables, _) in zip(todo, await _introspect_all(todo, cipher, settings), strict=True):
        tables = [t for t in tables if t.schema.lower() not in SYSTEM_SCHEMAS]
        seen[row.id] = _match(row, tables, wanted)
    return sorted((seen[r.id] for r in rows), key=lambda c: (-c.score, c.row.name))


Introspected = tuple[list[TableInfo], str | None]  # a connection's tables, its default schema


async def _introspect_all(
    rows: list[Connection], cipher: Cipher, settings: Settings
) -> list[Introspected]:
    """Each connection's tables, PARALLEL at a time, all within DEADLINE_SECONDS: one not read
    by then (or not readable) has none."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(row: Connection) -> Introspected:
        async with gate:
            return await _introspected(row, cipher, settings)

    tasks = [asyncio.create_task(one(r)) for r in rows]
    if not tasks:
        return []
    _, late = await asyncio.wait(tasks, timeout=DEADLINE_SECONDS)
    for task in late:
        task.cancel()
    found: list[Introspected] = []
    for row, task in zip(rows, tasks, strict=True):
        failed = None if task in late else task.exception()
        if failed is not None:  # unreadable: not chosen by its tables, and the request goes on
            log.warning(
                "connection not introspected", connection=row.id, error=type(failed).__name__
            )
        found.append(([], None) if task in late or failed else task.result())
    return found


async def _introspected(row: Connection, cipher: Cipher, settings: Settings) -> Introspected:
    """The connection's tables and its default schema; none when it cannot be read in time."""
    try:
        connector, config = await connector_config(row, cipher, settings)
        tables = await asyncio.wait_for(connector.introspect(config), PROBE_SECONDS)
    except (
        ConnectorError,
        PolicyDenied,
        SecretReferenceError,
        TimeoutError,
        ValueError,
        NotImplementedError,
        OSError,
    ):
        return [], None
    return tables, connector.default_schema or getattr(config, "database", None)


def _match(row: Connection, tables: list[TableInfo], wanted: set[str]) -> Candidate:
    """Each of the description's words counts once, for its best place: a table of that
    name 4, a part of a table's name 2, a column 1; words of the connection's name 2. So a
    database of many tables named like the word does not outweigh the one holding it."""
    best: dict[str, int] = {}
    matched: list[str] = []

    def found(word: str, weight: int, where: str) -> None:
        best[word] = max(best.get(word, 0), weight)
        matched.append(where)

    for word in set(re.findall(r"[a-z][a-z0-9]*", row.name.lower())) & wanted:
        best[word] = 2
    for table in tables:
        name = table.name.lower()
        if name in wanted:
            found(name, 4, table.name)
        for part in set(name.split("_")) & wanted - {name}:
            found(part, 2, table.name)
        for column in table.columns:
            if column.name.lower() in wanted:
                found(column.name.lower(), 1, f"{table.name}.{column.name}")
    return Candidate(row, sum(best.values()), tuple(dict.fromkeys(matched)), tuple(tables))


@dataclass
class Holding:
    """The connection a question's tables are read from, chosen among the tenant's."""

    row: Connection | None  # the one read (None: no connection holds every table)
    others: list[Connection] = field(default_factory=list)  # they hold every table too
    missing: list[str] = field(default_factory=list)  # tables no connection holds (row None)
    apart: list[str] = field(default_factory=list)  # tables held, but not all in one connection
    looked_in: int = 0  # how many connections were read

    def said(self, tables: list[str]) -> str:
        """Which connection was read and why, for the answer."""
        if self.row is None:
            return ""
        text = f"read from connection {self.row.name!r}, the tenant's connection holding "
        text += ", ".join(tables)
        if self.others:
            names = ", ".join(repr(r.name) for r in self.others[:5])
            text += f" (also held by {names}; name another with 'source')"
        return text


async def holding(
    session: AsyncSession,
    cipher: Cipher,
    settings: Settings,
    tenant_id: str,
    tables: list[str],
    types: tuple[str, ...],
    question: str = "",
) -> Holding:
    """The tenant's connection of ``types`` holding every one of ``tables`` (a bare name in the
    connection's default schema, else ``schema.table``), all introspected at once and bounded
    in time; several holding them → the one whose name and columns match most of the
    question's words (then the first by name), the others said."""
    rows, _ = await connection_store.page(session, tenant_id, offset=0, limit=500)
    rows = sorted(
        (r for r in rows if r.tenant_id == tenant_id and canonical_type(r.type) in types),
        key=lambda r: r.name,
    )
    found = await _introspect_all(rows, cipher, settings)
    held = [_names(*read) for read in found]
    missing = {
        r.id: [t for t in tables if t.lower() not in names]
        for r, names in zip(rows, held, strict=True)
    }
    wanted = words(question)
    score = {r.id: _match(r, read[0], wanted).score for r, read in zip(rows, found, strict=True)}
    complete = sorted((r for r in rows if not missing[r.id]), key=lambda r: -score[r.id])
    if complete:
        return Holding(complete[0], complete[1:], looked_in=len(rows))
    nowhere = [t for t in tables if all(t in missing[r.id] for r in rows)]
    apart = [t for t in tables if t not in nowhere]
    return Holding(None, missing=nowhere, apart=apart, looked_in=len(rows))


def _names(tables: list[TableInfo], default: str | None) -> set[str]:
    """The connection's table names as a question may give them, lower case."""
    names = {f"{t.schema}.{t.name}".lower() for t in tables}
    return names | {t.name.lower() for t in tables if t.schema == default or not t.schema}
