"""The SELECT of an understood query (PostgreSQL's dialect, over the source datasets' names)."""

from __future__ import annotations

from ai.generation.intent.grounding import Ref
from ai.generation.intent.understand import Out, Query
from ai.generation.planning import q as ident


def outputs(query: Query) -> list[Out]:
    """The output columns, in order."""
    if query.aggregates:
        return [*query.groups, *query.aggregates]
    root = query.root
    base = query.columns
    if base is None:
        base = [Out(Ref(root, c).sql, c.name, Ref(root, c)) for c in root.columns]
    return [*base, *query.picks]


def select_sql(query: Query) -> str:
    cols = outputs(query)
    # Grouped by another table's column: rows without that table have no group (an inner join),
    # unless the rows without a match are kept (a count of 0).
    inner = (query.inner or bool(query.aggregates)) and not query.keep_unmatched
    joiner = "JOIN" if inner else "LEFT JOIN"
    source = query.root.dataset + "".join(
        f" {joiner} {d.dataset} ON {cond}" for d, cond in query.joins
    )
    listed = ", ".join(_column(o) for o in cols)
    where = f" WHERE {' AND '.join(query.where)}" if query.where else ""
    if query.one_per is not None and not query.aggregates:
        names = ", ".join(ident(o.name) for o in cols)
        kept = "= 1" if query.one_count == 1 else f"<= {int(query.one_count)}"
        sql = (
            f"SELECT {names} FROM (SELECT {listed}, row_number() OVER (PARTITION BY "
            f"{query.one_per.sql} ORDER BY {query.one_order}) AS dw_row_number FROM {source}"
            f"{where}) AS deduplicated WHERE dw_row_number {kept}"
        )
    else:
        sql = f"SELECT {listed} FROM {source}{where}"
        if query.aggregates and query.groups:
            sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(query.groups)))
            if query.having:
                sql += " HAVING " + " AND ".join(query.having)
    if query.order:
        sql += " ORDER BY " + ", ".join(query.order)
    if query.limit is not None:
        sql += f" LIMIT {int(query.limit)}"
    return sql


def _column(o: Out) -> str:
    if o.sql.endswith(f".{ident(o.name)}"):
        return o.sql
    return f"{o.sql} AS {ident(o.name)}"
