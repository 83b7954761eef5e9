"""Declarative transformation steps compiled to one PostgreSQL SELECT each (pure: no I/O).

Each step reads its ``input`` (and a join's ``lookup``) by dataset name, exactly like a
hand-written SQL transformation, so reference checks, lineage and the planner's rewrite to
staging tables treat both alike. Expressions and types are parsed with sqlglot and written
back from the parsed tree, never pasted into the SQL as text.

Columns the step does not name are never listed: the compiled SQL works whatever else the
input holds. PostgreSQL has no ``SELECT * EXCEPT``, and replacing a column needs one:

* **rename** is pure SQL. ``input LEFT JOIN (SELECT "old" FROM input WHERE FALSE) USING
  ("old")`` keeps every input row exactly once (the joined relation is empty), with the same
  types, and puts the ``USING`` columns first; a column alias list on that subquery then renames
  those leading columns, positionally: ``AS _dw_out("new")``. The renamed columns move to the
  front of the row; the others keep their order. Limitation: ``USING`` compares the columns, so
  a renamed column's type needs an ``=`` operator; ``json``, ``xml`` and geometric types such as
  ``point`` have none and fail at run time (``operator does not exist: json = json``): rename
  those in a ``sql`` step.
* **cast** cannot be pure: a query that replaces a column must list every other one (the join
  above only renames, and cannot change a type). It is resolved at run time instead: the
  compiled SQL is ``SELECT *, CAST("col" AS type) AS "__dw_as__col"``, valid on its own, and the
  transform step, which asks PostgreSQL for the query's columns, puts each ``__dw_as__<name>``
  column in the place of ``<name>`` (``replacements``). Cast columns keep their position; any
  type can be cast, ``json`` included. ``__dw_as__`` is a reserved prefix.

``derive`` only adds columns (``SELECT *, expr AS "new"``): deriving a name the input already
has fails at run time with PostgreSQL's "specified more than once"; ``cast`` replaces columns.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from core.definition.sql import parse_select

DIALECT = "postgres"
SCRATCH_PREFIX = "__dw_as__"  # a cast's new column, standing in for the one it names
MAX_IDENTIFIER = 63  # PostgreSQL silently truncates longer names

_IN = "_dw_in"
_NONE = "_dw_none"
_OUT = "_dw_out"
_LOOKUP = "_dw_lookup"


def column_name(name: str) -> str:
    """A column name as written in a step (exact, case included); refused when PG can't keep it."""
    if not name or not name.strip():
        raise ValueError("a column name may not be empty")
    if "\x00" in name:
        raise ValueError(f"column name {name!r} contains a NUL character")
    if len(name.encode()) > MAX_IDENTIFIER:
        raise ValueError(f"column name {name!r} is longer than {MAX_IDENTIFIER} bytes")
    if name.startswith(SCRATCH_PREFIX):
        raise ValueError(f"column names starting with {SCRATCH_PREFIX!r} are reserved")
    return name


def parse_expression(text: str, what: str = "expression") -> exp.Expression:
    """One SQL expression (no statement, nothing that writes); :name parameters allowed."""
    if not text or not text.strip():
        raise ValueError(f"the {what} is empty")
    try:
        tree = sqlglot.parse_one(text, read=DIALECT, into=exp.Condition)
    except sqlglot.errors.ParseError:
        raise ValueError(
            f"the {what} does not parse as one SQL expression (statements, ';' and "
            f"unbalanced parentheses are refused): {text!r}"
        ) from None
    if isinstance(tree, exp.Query):
        raise ValueError(f"the {what} is a query, not an expression: {text!r}")
    # Subqueries may only read: checked by the same rules as a transformation's SQL.
    try:
        parse_select(exp.select(tree.copy()).sql(dialect=DIALECT))
    except ValueError as exc:
        raise ValueError(f"the {what} {text!r} is refused: {exc}") from None
    return tree


def parse_type(text: str) -> exp.DataType:
    """A PostgreSQL data type such as ``int``, ``numeric(12, 2)``, ``timestamptz``, ``text[]``."""
    try:
        data_type = sqlglot.parse_one(text, read=DIALECT, into=exp.DataType)
    except sqlglot.errors.ParseError:
        data_type = None
    if data_type is None or data_type.this == exp.DataType.Type.USERDEFINED:
        raise ValueError(f"{text!r} is not a SQL data type (e.g. int, numeric(12, 2), date, text)")
    return data_type


def compile_rename(input: str, columns: dict[str, str]) -> str:
    """``{"old": "new"}``: see the module docstring for how this stays pure SQL."""
    _nonempty(columns, "rename")
    for old, new in columns.items():
        column_name(old), column_name(new)
    news = list(columns.values())
    if len(set(news)) != len(news):
        raise ValueError(f"rename gives two columns the same name: {news}")
    query = exp.select(exp.Star()).from_(_renamed_first(input, columns))
    return query.sql(dialect=DIALECT)


def compile_cast(input: str, columns: dict[str, str]) -> str:
    """``{"col": "type"}``: each column replaced by its cast value, in its place (at run time:
    see the module docstring and ``replacements``)."""
    _nonempty(columns, "cast")
    casts = []
    for col, type_ in columns.items():
        stand_in = SCRATCH_PREFIX + column_name(col)
        if len(stand_in.encode()) > MAX_IDENTIFIER:
            raise ValueError(
                f"cast column name {col!r} is longer than "
                f"{MAX_IDENTIFIER - len(SCRATCH_PREFIX)} bytes"
            )
        value = exp.Cast(this=exp.column(col, table=_IN, quoted=True), to=parse_type(type_))
        casts.append(exp.alias_(value, stand_in, quoted=True))
    query = exp.select(exp.Star(), *casts).from_(_dataset(input, _IN))
    return query.sql(dialect=DIALECT)


def replacements(names: list[str]) -> list[tuple[str, str]] | None:
    """For a query's output columns, the ``(column, name)`` pairs of its final row when cast
    columns (``__dw_as__<name>``) stand in for the ones they name; None when there are none."""
    stand_ins = {n[len(SCRATCH_PREFIX) :]: n for n in names if n.startswith(SCRATCH_PREFIX)}
    if not stand_ins:
        return None
    missing = sorted(set(stand_ins) - set(names))
    if missing:
        raise ValueError(f"cast of columns the data does not have: {missing}")
    return [(stand_ins.get(n, n), n) for n in names if not n.startswith(SCRATCH_PREFIX)]


def compile_filter(input: str, condition: str) -> str:
    """The input's rows for which ``condition`` is true."""
    where = parse_expression(condition, "condition")
    return exp.select(exp.Star()).from_(_dataset(input, _IN)).where(where).sql(dialect=DIALECT)


def compile_derive(input: str, columns: dict[str, str]) -> str:
    """``{"new_col": "expression"}``: every input column plus one per expression."""
    _nonempty(columns, "derive")
    derived = [
        exp.alias_(exp.paren(parse_expression(text, f"expression for {name!r}")), column_name(name))
        for name, text in columns.items()
    ]
    for alias in derived:
        alias.args["alias"].set("quoted", True)
    query = exp.select(exp.Star(), *derived).from_(_dataset(input, _IN))
    return query.sql(dialect=DIALECT)


def compile_lookup_join(
    input: str, lookup: str, on: dict[str, str], columns: list[str], how: str = "left"
) -> str:
    """The input's rows with ``columns`` of the ``lookup`` row whose keys match ``on``
    (``{"input_col": "lookup_col"}``). ``left`` keeps rows without a match (NULLs), ``inner``
    drops them; a key matched by several lookup rows repeats the input row, as any join does."""
    _nonempty(on, "lookup_join 'on'")
    if not columns:
        raise ValueError("lookup_join needs 'columns', the lookup columns to add")
    if len(set(columns)) != len(columns):
        raise ValueError(f"lookup_join lists a column twice: {columns}")
    if how not in ("left", "inner"):
        raise ValueError(f"lookup_join 'how' must be 'left' or 'inner', not {how!r}")
    condition = exp.and_(
        *(
            exp.EQ(
                this=exp.column(column_name(left), table=_IN, quoted=True),
                expression=exp.column(column_name(right), table=_LOOKUP, quoted=True),
            )
            for left, right in on.items()
        )
    )
    picked = [exp.column(column_name(c), table=_LOOKUP, quoted=True) for c in columns]
    query = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(_IN)), *picked)
    query = query.from_(_dataset(input, _IN)).join(
        _dataset(lookup, _LOOKUP), on=condition, join_type=how.upper()
    )
    return query.sql(dialect=DIALECT)


def _dataset(name: str, alias: str) -> exp.Table:
    table = exp.Table(this=exp.to_identifier(name, quoted=True))
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def _renamed_first(input: str, columns: dict[str, str]) -> exp.Subquery:
    """``input`` with ``columns`` first, renamed, and every other column after, unchanged:
    ``(SELECT * FROM input LEFT JOIN (SELECT old FROM input WHERE FALSE) USING (old))
    AS _dw_out(new)``. The joined relation is empty, so each row appears once."""
    olds = [exp.to_identifier(c, quoted=True) for c in columns]
    empty = (
        exp.select(*(exp.column(c, quoted=True) for c in columns))
        .from_(exp.Table(this=exp.to_identifier(input, quoted=True)))
        .where(exp.false())
        .subquery(_NONE)
    )
    joined = exp.select(exp.Star()).from_(_dataset(input, _IN)).join(empty, using=olds)
    joined.args["joins"][-1].set("side", "LEFT")
    subquery = joined.subquery()
    subquery.set(
        "alias",
        exp.TableAlias(
            this=exp.to_identifier(_OUT),
            columns=[exp.to_identifier(n, quoted=True) for n in columns.values()],
        ),
    )
    return subquery


def _nonempty(columns: dict[str, str], what: str) -> None:
    if not columns:
        raise ValueError(f"{what} needs at least one column")
