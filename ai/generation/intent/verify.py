"""A model's plan held against the same understanding of the intent: every condition, aggregate,
grouping, limit and dedupe the built-in understanding placed must appear in the model's SQL, or
the part is reported unresolved (a model that drops a filter does not pass as understood)."""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ai.generation.intent.understand import Query
from ai.generation.planning import PlanningError


def _literal(node: exp.Literal) -> str:
    text = str(node.this).lower()
    if node.is_number:
        try:
            return repr(float(text))
        except ValueError:
            return text
    return text


def _facts(
    sqls: list[str],
) -> tuple[set[str], set[str], set[type], int | None, set[str], set[str]]:
    """Columns in conditions, literals, node kinds present, the LIMIT, columns grouped by and
    columns in arithmetic, of the model's SQL."""
    conditions: set[str] = set()
    literals: set[str] = set()
    kinds: set[type] = set()
    limit = None
    grouped: set[str] = set()
    computed: set[str] = set()
    for sql in sqls:
        try:
            tree = sqlglot.parse_one(sql, read="postgres")
        except SqlglotError:
            continue
        for node in tree.walk():
            kinds.add(type(node))
            if isinstance(node, exp.Literal):
                literals.add(_literal(node))
            if isinstance(node, exp.Column) and node.find_ancestor(
                exp.Where, exp.Having, exp.Join, exp.Exists, exp.Qualify
            ):
                conditions.add(node.name.lower())
            if isinstance(node, exp.Column) and node.find_ancestor(exp.Group):
                grouped.add(node.name.lower())
            if isinstance(node, exp.Column) and node.find_ancestor(exp.Binary):
                computed.add(node.name.lower())
            if isinstance(node, exp.Limit) and isinstance(node.expression, exp.Literal):
                limit = int(float(node.expression.this))
        for select in tree.find_all(exp.Select):  # GROUP BY 1, 2: the listed expressions
            group = select.args.get("group")
            for position in group.expressions if group else []:
                if isinstance(position, exp.Literal) and position.is_int:
                    listed = select.expressions[int(position.this) - 1 :][:1]
                    grouped |= {c.name.lower() for e in listed for c in e.find_all(exp.Column)}
    return conditions, literals, kinds, limit, grouped, computed


def _columns(sql: str) -> set[str]:
    try:
        return {
            c.name.lower() for c in sqlglot.parse_one(sql, read="postgres").find_all(exp.Column)
        }
    except SqlglotError:
        return set()


def dropped(understood: Query, definition: dict[str, Any]) -> list[str]:
    """Parts of the intent the model's SQL leaves out, in the intent's words."""
    sqls = [str(t.get("sql") or "") for t in definition.get("transformations") or []]
    conditions, literals, kinds, limit, grouped, computed = _facts(sqls)
    missing: list[str] = []
    for piece in understood.pieces:
        if piece.kind == "filter":
            try:
                cond = sqlglot.parse_one(piece.sql, read="postgres")
            except SqlglotError:
                continue
            columns = {c.name.lower() for c in cond.find_all(exp.Column)}
            values = {_literal(v) for v in cond.find_all(exp.Literal)}
            if not columns <= conditions or not values <= literals:
                missing.append(f"'{piece.words}' ({piece.sql}) is not a condition of the SQL")
        elif piece.kind == "aggregate" and not any(issubclass(k, exp.AggFunc) for k in kinds):
            missing.append(f"'{piece.words}' ({piece.sql}) is not computed by the SQL")
        elif piece.kind == "group" and (
            exp.Group not in kinds or not _columns(piece.sql.removeprefix("GROUP BY ")) <= grouped
        ):
            missing.append(f"'{piece.words}' is not grouped by in the SQL")
        elif piece.kind == "computed" and not _columns(piece.sql) <= computed:
            missing.append(f"'{piece.words}' ({piece.sql}) is not computed by the SQL")
        elif piece.kind == "dedupe" and not ({exp.Window, exp.Distinct} & kinds):
            missing.append(f"'{piece.words}' (one row per key) is not done by the SQL")
        elif piece.kind == "order" and understood.limit is not None and limit != understood.limit:
            missing.append(f"'{piece.words}' (LIMIT {understood.limit}) is not in the SQL")
    return missing


__all__ = ["PlanningError", "dropped"]
