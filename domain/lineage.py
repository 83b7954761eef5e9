"""A pipeline's lineage: sources and sinks as fully qualified names, its transformations, and
column-level lineage traced through the SQL with sqlglot.

Columns are traced from each sink's dataset back through every transformation (each one's SQL
stands in for its name) to the source tables. A ``SELECT *`` over a table whose columns the
definition does not name is reported as ``*``: the definition alone does not list them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlglot import exp
from sqlglot.lineage import lineage as sqlglot_lineage

from connectors.postgres.sql import Relation
from domain.definition import SQL_DIALECT, PipelineDefinition, referenced_tables
from domain.transforms import SCRATCH_PREFIX
from store.models import Connection

_DATABASE_TYPES = {"postgresql", "mysql", "mariadb", "sqlite", "duckdb"}


def table_fqn(connection: Connection | None, table: str) -> str:
    """``database.schema.table`` (MySQL: ``database.table``); files and APIs by location."""
    if connection is None:
        return table
    relation = Relation.parse(table)
    if connection.type in ("mysql", "mariadb"):
        database = connection.database if relation.schema == "public" else relation.schema
        return f"{database}.{relation.name}"
    if connection.type in ("sqlite", "duckdb"):
        schema = "main" if relation.schema == "public" else relation.schema
        return f"{Path(connection.database).stem}.{schema}.{relation.name}"
    if connection.type == "files":
        return f"{connection.database.rstrip('/')}/{table}"
    if connection.type == "http":
        return f"{connection.host.rstrip('/')}/{table}"
    return f"{connection.database}.{relation.schema}.{relation.name}"


def _kind(connection: Connection | None) -> str:
    if connection is None or connection.type in _DATABASE_TYPES:
        return "TABLE"
    return {"files": "FILE", "http": "API"}.get(connection.type, "TABLE")


def describe(
    definition: PipelineDefinition,
    connections: dict[str, Connection],
    source_columns: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Sources, sinks, transformations, dataset edges and column lineage of a definition.

    ``connections`` maps every connection reference of the definition (id or name) to its row;
    ``source_columns`` the columns of table sources, where known, so ``*`` can be expanded.
    """
    schema = {
        name.lower(): {column: "text" for column in columns}
        for name, columns in (source_columns or {}).items()
        if columns
    }
    sources = []
    leaf_fqn: dict[str, str] = {}  # a table as the SQL names it -> its fully qualified name
    for name, source in definition.sources.items():
        conn = connections.get(source.connection)
        entry: dict[str, Any] = {"name": name, "connection": conn.name if conn else None}
        if source.table:
            entry |= {"type": _kind(conn), "fqn": table_fqn(conn, source.table)}
            leaf_fqn[name.lower()] = entry["fqn"]
        else:
            tables = sorted(referenced_tables(source.query or ""))
            fqns = [table_fqn(conn, t) for t in tables]
            entry |= {"type": "QUERY", "fqn": ", ".join(fqns), "tables": fqns}
            for table, fqn in zip(tables, fqns, strict=True):
                leaf_fqn.setdefault(table.split(".")[-1], fqn)
        sources.append(entry)
    transformations: list[dict[str, Any]] = [
        {
            "name": t.name,
            "type": "sql_transform" if t.type == "sql" else t.type,
            "inputs": sorted(referenced_tables(t.sql)),
            "description": t.description,
        }
        for t in definition.transformations
    ]
    sinks = []
    columns = []
    for name, sink in definition.sinks.items():
        conn = connections.get(sink.connection)
        dataset = sink.input or definition.default_dataset() or ""
        fqn = table_fqn(conn, sink.table)
        sinks.append(
            {
                "name": name,
                "type": "TABLE",
                "fqn": fqn,
                "connection": conn.name if conn else None,
                "mode": sink.mode.value,
                "from": dataset,
            }
        )
        columns += _column_lineage(definition, dataset, name, fqn, leaf_fqn, schema)
    edges = [{"from": i, "to": t["name"]} for t in transformations for i in t["inputs"]]
    edges += [{"from": s["from"], "to": s["name"]} for s in sinks]
    return {
        "sources": sources,
        "sinks": sinks,
        "transformations": transformations,
        "edges": edges,
        "columnLineage": columns,
    }


def _column_lineage(
    definition: PipelineDefinition,
    dataset: str,
    sink: str,
    sink_fqn: str,
    leaf_fqn: dict[str, str],
    schema: dict[str, dict[str, str]],
) -> list[dict[str, Any]]:
    """Each column the sink loads, with the source columns it is computed from."""
    queries: dict[str, str] = {t.name.lower(): t.sql for t in definition.transformations}
    queries |= {n.lower(): s.query for n, s in definition.sources.items() if s.query}
    # A source loaded as is reads like SELECT * from it.
    sql = queries.get(dataset.lower(), f'SELECT * FROM "{dataset}"')
    others = {name: q for name, q in queries.items() if name != dataset.lower()}
    try:
        traced = sqlglot_lineage(None, sql, schema, sources=others, dialect=SQL_DIALECT)
    except Exception as exc:  # sqlglot cannot trace every query shape; say so, don't fail
        return [{"sink": sink, "sinkFqn": sink_fqn, "column": None, "error": str(exc)}]
    out = []
    for column, node in traced.items():
        found = []
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.expression, exp.Table):
                continue
            table = leaf.expression.name.lower()
            source_column = leaf.name.split(".", 1)[-1].strip('"')
            found.append({"fqn": leaf_fqn.get(table, table), "column": source_column})
        unique = [dict(t) for t in sorted({tuple(f.items()) for f in found})]
        out.append(
            {
                "sink": sink,
                "sinkFqn": sink_fqn,
                "column": column.removeprefix(SCRATCH_PREFIX),
                "sources": unique,
                "derived": not unique or _computed(node),
            }
        )
    return out


def _computed(node: Any) -> bool:
    """Whether the output column is computed (an expression) rather than copied."""
    expression = node.expression
    if isinstance(expression, exp.Alias):
        expression = expression.this
    return not isinstance(expression, exp.Column | exp.Star | exp.Table)
