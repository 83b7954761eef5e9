"""The SQL the definition holds: parsed, refused when it writes, parameters bound as literals."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from core.confinement import sql as confinement_sql
from domain.definition.base import Scalar

SQL_DIALECT = "postgres"


WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Drop,
    exp.Create,
    exp.Alter,
    exp.Merge,
    exp.TruncateTable,
    exp.Into,
    exp.Lock,
    exp.Command,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
)
"""Nodes a read-only query may not hold: writes, SELECT INTO, row locks, commands, SET and
transaction control (the definition's SQL and the natural-language query check share it)."""
_WRITE_COMMANDS = {"TRUNCATE", "GRANT", "REVOKE", "COPY", "VACUUM", "CALL", "DO"}


def parse_select(sql: str) -> exp.Query:
    """Parse one read-only query (SELECT / WITH / UNION); anything else is refused."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=SQL_DIALECT) if s is not None]
    except sqlglot.errors.ParseError as exc:
        refused = confinement_sql.refused_tokens(sql)  # a refused name the parser trips on
        if refused:
            raise ValueError(refused) from None
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        raise ValueError(
            f"SQL does not parse{where}: {first.get('description', exc)}".strip()
        ) from None
    except sqlglot.errors.TokenError as exc:  # e.g. an unterminated string literal
        raise ValueError(f"SQL does not parse: {exc}") from None
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, found {len(statements)}")
    statement = statements[0]
    if isinstance(statement, exp.Command):  # only some commands write; the rest do not parse
        writes = statement.name.upper() in _WRITE_COMMANDS
    else:
        writes = isinstance(statement, WRITES)
    if writes:
        raise ValueError(f"only a SELECT query is allowed here, not {statement.key.upper()}")
    if not isinstance(statement, exp.Query):
        start = sql.strip().split(None, 1)[0] if sql.strip() else ""
        raise ValueError(f"SQL does not parse as a SELECT query (it starts with {start!r})")
    if any(statement.find_all(*WRITES)):
        raise ValueError("the query may only read: it contains a statement that writes")
    reason = confinement_sql.refused(statement) or confinement_sql.refused_tokens(sql)
    if reason:
        raise ValueError(reason)
    return statement


def refused_expression(text: str, dialect: str) -> str | None:
    """Why an expression a target runs in its own dialect (a ClickHouse ``partition_by``) may
    not be used; None: it may (text that does not parse can only name a column)."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except sqlglot.errors.SqlglotError:
        return confinement_sql.refused_tokens(text, dialect)
    return confinement_sql.refused(tree) or confinement_sql.refused_tokens(text, dialect)


def referenced_tables(sql: str) -> set[str]:
    """Lower-cased names of the tables a query reads, CTE names excluded."""
    tree = parse_select(sql)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return {
        t.name.lower()
        for t in tree.find_all(exp.Table)
        if t.name and t.name.lower() not in ctes and not t.db
    } | {f"{t.db}.{t.name}".lower() for t in tree.find_all(exp.Table) if t.db}


def bind_parameters(sql: str, values: dict[str, Scalar]) -> str:
    """Replace ``:name`` placeholders with SQL literals (never string-pasted into the SQL)."""

    def literal(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Placeholder) or not node.name:
            return node
        if node.name not in values:
            raise ValueError(f"no value for parameter :{node.name}")
        value = values[node.name]
        if value is None:
            return exp.null()
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        if isinstance(value, int | float):
            return exp.Literal.number(value)
        return exp.Literal.string(str(value))

    return parse_select(sql).transform(literal).sql(dialect=SQL_DIALECT)
