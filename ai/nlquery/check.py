"""Check a generated query before anything runs it (pure).

One statement; a SELECT (WITH/UNION) that reads only the tables of the introspected schema and
only columns they have; no SELECT INTO, no row locks, no function that acts on the server
(``pg_terminate_backend``, ``set_config``, ``dblink``, large objects, sequences, sleeps...)
and nothing a definition's SQL may not use either (``core.confinement.sql``: files, URLs,
other servers, programs, settings).
The query then runs only inside a read-only transaction (``activities/nlquery.py``): this check
is the first wall, the transaction the second.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from core.confinement import sql as confinement_sql
from domain.definition.sql import WRITES
from workflows.data_payloads import SchemaSnapshot

_SERVER_FUNCTIONS = re.compile(
    r"^(pg_|setval|nextval|currval|txid_|sleep|benchmark|get_lock|release_lock|version$)",
    re.I,
)
"""Besides what every definition's SQL may not use (``core.confinement.sql``): functions that
act on the server or say more of it than a question needs."""


def error(loc: str, msg: str, type_: str) -> dict[str, Any]:
    return {"loc": ["body", loc], "msg": msg, "type": type_}


def check_query(sql: str, schema: SchemaSnapshot) -> tuple[str | None, list[dict[str, Any]]]:
    """The query written out in the database's dialect, or the errors that refuse it."""
    dialect = schema.dialect
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        return None, [error("sql", f"the query does not parse: {_first(exc)}", "sql_parse")]
    if len(statements) != 1:
        return None, [
            error("sql", f"expected one SQL statement, found {len(statements)}", "sql_statements")
        ]
    tree = statements[0]
    if not isinstance(tree, exp.Query) or any(tree.find_all(*WRITES)):
        kind = tree.key.upper()
        return None, [error("sql", f"only a read-only SELECT is allowed, not {kind}", "sql_write")]
    reason = confinement_sql.refused(tree) or confinement_sql.refused_tokens(sql, dialect)
    if reason:
        return None, [error("sql", reason, "sql_function")]
    problems: list[dict[str, Any]] = []
    for func in tree.find_all(exp.Func):
        name = func.name if isinstance(func, exp.Anonymous) else func.sql_name()
        if name and _SERVER_FUNCTIONS.match(name):
            problems.append(
                error("sql", f"function {name} is not allowed in a query", "sql_function")
            )
    known = {t.name.lower(): t for t in schema.tables}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func) or not table.name:
            continue
        name = ".".join(p for p in (table.db, table.name) if p).lower()
        if name not in known and table.name.lower() not in ctes:
            problems.append(
                error(
                    "sql",
                    f"unknown table {name!r} (known: {', '.join(sorted(known)) or 'none'})",
                    "unknown_table",
                )
            )
    if problems:
        return None, problems
    try:
        qualify(
            tree.copy(), schema=_mapping(schema), dialect=dialect, validate_qualify_columns=True
        )
    except OptimizeError as exc:
        return None, [error("sql", f"{exc}".split(". Line:")[0], "unknown_column")]
    except SqlglotError as exc:
        return None, [error("sql", f"the query does not check: {_first(exc)}", "sql_check")]
    return tree.sql(dialect=dialect, pretty=True), []


def _mapping(schema: SchemaSnapshot) -> dict[str, Any]:
    """sqlglot's schema: {table: {column: type}} or {db: {table: {...}}} for qualified names."""
    flat: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for t in schema.tables:
        columns = {c[0]: _type(c[1]) for c in t.columns}
        if "." in t.name:
            db, name = t.name.split(".", 1)
            nested.setdefault(db, {})[name] = columns
        else:
            flat[t.name] = columns
    if nested:
        # sqlglot wants one depth: qualified names only, unqualified ones under the default.
        nested.setdefault("public", {}).update(flat)
        return nested
    return flat


def _type(text: str) -> str:
    """A type sqlglot can read (unsigned and other decorations dropped); unknown → text."""
    base = text.split("(")[0].replace("unsigned", "").strip() or "text"
    try:
        exp.DataType.build(base)
    except SqlglotError:
        return "text"
    return base


def _first(exc: SqlglotError) -> str:
    errors = getattr(exc, "errors", None) or []
    if errors:
        first = errors[0]
        return f"{first.get('description')} at line {first.get('line')}, column {first.get('col')}"
    return str(exc).split("\n")[0]
