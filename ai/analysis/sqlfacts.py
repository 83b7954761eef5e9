"""What one SELECT does, read from its sqlglot tree: tables, joins, filters, grouping, stars."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from domain.definition.sql import SQL_DIALECT, parse_select


@dataclass
class JoinFact:
    table: str
    kind: str  # "inner", "left", "cross", ...
    has_condition: bool


@dataclass
class SqlFacts:
    tables: list[str] = field(default_factory=list)
    joins: list[JoinFact] = field(default_factory=list)
    where: str | None = None
    group_by: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    distinct: bool = False
    order_by: bool = False
    limit: bool = False
    star_line: int | None = None  # the line of a SELECT * (1-based), when there is one
    window_functions: int = 0
    ctes: int = 0
    lines: int = 1

    @property
    def cartesian_joins(self) -> list[JoinFact]:
        return [j for j in self.joins if not j.has_condition]


def sql_facts(sql: str) -> SqlFacts:
    tree = parse_select(sql)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    facts = SqlFacts(lines=sql.strip().count("\n") + 1, ctes=len(ctes))
    seen: set[str] = set()
    for table in tree.find_all(exp.Table):
        name = ".".join(p for p in (table.db, table.name) if p)
        if name and name.lower() not in ctes and name not in seen:
            seen.add(name)
            facts.tables.append(name)
    for join in tree.find_all(exp.Join):
        target = join.this
        name = target.name if isinstance(target, exp.Table) else target.alias_or_name
        kind = (join.side or join.kind or "inner").lower()
        has_condition = bool(join.args.get("on") or join.args.get("using"))
        # A lateral or a join of a function (e.g. generate_series) is not a cartesian product.
        function = isinstance(target, exp.Table) and isinstance(target.this, exp.Func)
        if function or isinstance(target, exp.Lateral | exp.Unnest) or kind == "lateral":
            has_condition = True
        facts.joins.append(JoinFact(name or "subquery", kind, has_condition))
    outer = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if outer is not None:
        where = outer.args.get("where")
        facts.where = where.this.sql(dialect=SQL_DIALECT) if where is not None else None
        group = outer.args.get("group")
        if group is not None:
            facts.group_by = [e.sql(dialect=SQL_DIALECT) for e in group.expressions]
        facts.distinct = outer.args.get("distinct") is not None
        facts.order_by = outer.args.get("order") is not None
        facts.limit = outer.args.get("limit") is not None
        if any(_is_star(e) for e in outer.expressions):
            facts.star_line = _star_line(sql)
    facts.aggregates = sorted({type(f).__name__.lower() for f in tree.find_all(exp.AggFunc)})
    facts.window_functions = sum(1 for _ in tree.find_all(exp.Window))
    return facts


def _is_star(node: exp.Expression) -> bool:
    return isinstance(node, exp.Star) or (isinstance(node, exp.Column) and node.is_star)


def _star_line(sql: str) -> int:
    for number, line in enumerate(sql.strip().splitlines(), start=1):
        if "*" in line.split("--", 1)[0]:
            return number
    return 1
