"""Declarative transformation steps compiled to one PostgreSQL SELECT each (pure: no I/O).

Each step reads its ``input`` (and a join's ``lookup``) by dataset name, exactly like a
hand-written SQL transformation, so reference checks, lineage and the planner's rewrite to
staging tables treat both alike. Expressions and types are parsed with sqlglot and written
back from the parsed tree, never pasted into the SQL as text.

Columns the step does not name are never listed: the compiled SQL works whatever else the
input holds. PostgreSQL has no ``SELECT * EXCEPT``, and replacing a column needs one:

* **cast** cannot be pure: a query that replaces a column must list every other one. It is
  resolved at run time instead: the compiled SQL is ``SELECT *, CAST("col" AS type) AS
  "__dw_as__col"``, valid on its own, and the transform step, which asks the database for the
  query's columns, puts each ``__dw_as__<name>`` column in the place of ``<name>``
  (``replacements``). Cast columns keep their position; any type can be cast, ``json``
  included. ``__dw_as__`` is a reserved prefix.
* **rename** works the same way: ``SELECT *, "old" AS "__dw_as__new"``; the stand-in is a bare
  column (a cast's is a ``CAST``), which tells the transform step (``renamed_columns``) to put
  it, named ``new``, in the place of ``old``, and to drop ``old``. Renamed columns keep their
  position, whatever their type.

``derive`` only adds columns (``SELECT *, expr AS "new"``): deriving a name the input already
has fails at run time with PostgreSQL's "specified more than once"; ``cast`` replaces columns.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from domain.definition.sql import parse_select

DIALECT = "postgres"
SCRATCH_PREFIX = "__dw_as__"  # a cast's new column, standing in for the one it names
MAX_IDENTIFIER = 63  # PostgreSQL silently truncates longer names

_IN = "_dw_in"
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


def parse_expression(text: str, what: str = "expression") -> exp.Condition:
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
    stand_ins = [
        exp.alias_(exp.column(old, table=_IN, quoted=True), _stand_in(new, "rename"), quoted=True)
        for old, new in columns.items()
    ]
    query = exp.select(exp.Star(), *stand_ins).from_(_dataset(input, _IN))
    return query.sql(dialect=DIALECT)


def _stand_in(name: str, what: str) -> str:
    stand_in = SCRATCH_PREFIX + column_name(name)
    if len(stand_in.encode()) > MAX_IDENTIFIER:
        raise ValueError(
            f"{what} column name {name!r} is longer than "
            f"{MAX_IDENTIFIER - len(SCRATCH_PREFIX)} bytes"
        )
    return stand_in


def renamed_columns(sql: str) -> dict[str, str]:
    """A compiled step's rename stand-ins: ``{"__dw_as__new": "old"}`` for each projection of
    the top-level SELECT that is a bare column aliased with the reserved prefix."""
    tree = sqlglot.parse_one(sql, read=DIALECT)
    if not isinstance(tree, exp.Select):
        return {}
    return {
        e.alias: e.this.name
        for e in tree.expressions
        if isinstance(e, exp.Alias)
        and e.alias.startswith(SCRATCH_PREFIX)
        and isinstance(e.this, exp.Column)
    }


def compile_cast(input: str, columns: dict[str, str]) -> str:
    """``{"col": "type"}``: each column replaced by its cast value, in its place (at run time:
    see the module docstring and ``replacements``)."""
    _nonempty(columns, "cast")
    casts = []
    for col, type_ in columns.items():
        stand_in = _stand_in(col, "cast")
        value = exp.Cast(this=exp.column(col, table=_IN, quoted=True), to=parse_type(type_))
        casts.append(exp.alias_(value, stand_in, quoted=True))
    query = exp.select(exp.Star(), *casts).from_(_dataset(input, _IN))
    return query.sql(dialect=DIALECT)


def replacements(
    names: list[str], renames: dict[str, str] | None = None
) -> list[tuple[str, str]] | None:
    """For a query's output columns, the ``(column, name)`` pairs of its final row when cast
    columns (``__dw_as__<name>``) stand in for the ones they name, and rename stand-ins
    (``renames``: ``{"__dw_as__new": "old"}``) for the ones they rename; None when there are
    none."""
    renames = {n: old for n, old in (renames or {}).items() if n in names}
    stand_ins = {
        n[len(SCRATCH_PREFIX) :]: n
        for n in names
        if n.startswith(SCRATCH_PREFIX) and n not in renames
    }
    if not stand_ins and not renames:
        return None
    missing = sorted(set(stand_ins) - set(names))
    if missing:
        raise ValueError(f"cast of columns the data does not have: {missing}")
    gone = sorted(set(renames.values()) - set(names))
    if gone:
        raise ValueError(f"rename of columns the data does not have: {gone}")
    renamed = {old: n for n, old in renames.items()}
    return [
        (renamed[n], renamed[n][len(SCRATCH_PREFIX) :])
        if n in renamed
        else (stand_ins.get(n, n), n)
        for n in names
        if not n.startswith(SCRATCH_PREFIX)
    ]


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


def _nonempty(columns: dict[str, str], what: str) -> None:
    if not columns:
        raise ValueError(f"{what} needs at least one column")
