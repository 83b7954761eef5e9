"""Target schema evolution: add new columns, refuse changes that would lose data."""

from __future__ import annotations

import re

import asyncpg

from connectors.base import TerminalError
from connectors.postgres.copy import Column, describe_table
from connectors.postgres.sql import Relation, quote_ident

# Source type -> target types that hold every value of it.
_WIDER = {
    "smallint": {"integer", "bigint", "numeric", "real", "double precision"},
    "integer": {"bigint", "numeric", "double precision"},
    "bigint": {"numeric"},
    "real": {"double precision"},
    "date": {"timestamp without time zone", "timestamp with time zone"},
    "timestamp without time zone": {"timestamp with time zone"},
    "character varying": {"text"},
    "character": {"text", "character varying"},
}
_TYPMOD = re.compile(r"^(?P<base>[a-z ]+?)(?:\((?P<args>[\d, ]+)\))?(?P<array>(\[\])*)$")


def fits(source: str, target: str) -> bool:
    """Whether every value of PostgreSQL type ``source`` is stored unchanged in ``target``."""
    if source == target:
        return True
    s, t = _TYPMOD.match(source), _TYPMOD.match(target)
    if not s or not t or s["array"] != t["array"]:
        return False
    if s["base"] == t["base"]:
        if t["args"] is None:  # varchar -> varchar, numeric(12,2) -> numeric
            return True
        if s["args"] is None:
            return False
        s_args = [int(a) for a in s["args"].split(",")]
        t_args = [int(a) for a in t["args"].split(",")]
        if s["base"] == "numeric":
            s_scale = s_args[1] if len(s_args) > 1 else 0
            t_scale = t_args[1] if len(t_args) > 1 else 0
            return t_scale >= s_scale and t_args[0] - t_scale >= s_args[0] - s_scale
        return t_args[0] >= s_args[0]
    return t["base"] in _WIDER.get(s["base"], set())


async def evolve(
    conn: asyncpg.Connection, staged: Relation, target: Relation, *, sparse: bool = False
) -> tuple[list[Column], list[str]]:
    """Make ``target`` able to take the staged rows; return the columns to load and those added.

    A new column is added to the target. A column whose type does not fit, or a target column
    that the data no longer has (and that has no default), stops the load with its name;
    ``sparse`` data (a stream's messages, whose fields come and go) leaves such a column NULL.
    """
    data = await describe_table(conn, staged)
    existing = {c.name: c for c in await describe_table(conn, target)}
    if sparse:
        await _loosen(conn, target, data, existing)
    problems = [
        f"column {c.name!r} is {c.type} in the data but {existing[c.name].type} in {target}"
        for c in data
        if c.name in existing
        and not fits(c.type, existing[c.name].type)
        and not (sparse and _assignable(c.type, existing[c.name].type))
    ]
    present = {c.name for c in data}
    gone = [
        name
        for name in existing
        if name not in present and not sparse and not await _has_default(conn, target, name)
    ]
    problems += [
        f"column {name!r} of {target} is not in the data (dropped or renamed in the source?)"
        for name in gone
    ]
    if problems:
        raise TerminalError(
            "the target table does not match the data: "
            + "; ".join(problems)
            + ". Change the target table or the pipeline's SQL; nothing was loaded.",
            error_type="SCHEMA_MISMATCH",
        )
    added = [c for c in data if c.name not in existing]
    for column in added:
        await conn.execute(
            f"ALTER TABLE {target.sql} ADD COLUMN {quote_ident(column.name)} {column.type}"
        )
    return data, [c.name for c in added]


_INTEGERS = {"smallint", "integer", "bigint"}
_FLOATS = {"real", "double precision"}


async def _loosen(
    conn: asyncpg.Connection, target: Relation, data: list[Column], existing: dict[str, Column]
) -> None:
    """A stream's JSON fields change kind between batches (``5`` then ``5.5``, a number then a
    word): a target column takes what the data now holds. Integers go into a floating column
    as they are; an integer column the data gives fractions for becomes double precision; a
    column the data gives text for becomes text (every value keeps its text)."""
    for column in data:
        held = existing.get(column.name)
        if held is None or fits(column.type, held.type):
            continue
        if _assignable(column.type, held.type):
            continue  # the INSERT casts them
        wider = "double precision" if column.type in _FLOATS and held.type in _INTEGERS else None
        wider = wider or ("text" if column.type == "text" else None)
        if wider is None:
            continue  # refused below, with its name
        name = quote_ident(column.name)
        await conn.execute(
            f"ALTER TABLE {target.sql} ALTER COLUMN {name} TYPE {wider} USING {name}::{wider}"
        )
        existing[column.name] = Column(column.name, wider)


def _assignable(source: str, target: str) -> bool:
    """Values of ``source`` an INSERT stores in ``target`` as they are (their text, a number)."""
    return target == "text" or (source in _INTEGERS and target in _FLOATS)


async def _has_default(conn: asyncpg.Connection, table: Relation, column: str) -> bool:
    return await conn.fetchval(
        "SELECT atthasdef OR attidentity <> '' FROM pg_attribute "
        "WHERE attrelid = to_regclass($1) AND attname = $2",
        table.sql,
        column,
    )
