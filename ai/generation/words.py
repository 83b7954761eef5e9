"""Matching words of an intent to table and column names."""

from __future__ import annotations

import re

from sqlglot.tokens import Tokenizer

from workflows.generation_payloads import Column

NUMERIC = re.compile(r"int|numeric|decimal|float|double|real|money|number", re.I)
TEMPORAL = re.compile(r"date|time", re.I)
TEXTUAL = re.compile(r"char|text|string|enum", re.I)
BOOLEAN = re.compile(r"bool|bit\(1\)|tinyint\(1\)", re.I)


def singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def forms(name: str) -> set[str]:
    """Ways an intent may say a name: as is, singular, plural, with spaces for underscores."""
    base = name.lower()
    one = singular(base)
    out = {base, one, one + "s", one[:-1] + "ies" if one.endswith("y") else one + "s"}
    return out | {f.replace("_", " ") for f in out}


def position(text: str, name: str) -> int | None:
    """Where ``text`` first mentions ``name`` (any of its forms), else None."""
    best = None
    for form in forms(name):
        match = re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", text)
        if match and (best is None or match.start() < best):
            best = match.start()
    return best


def find_column(word: str, columns: list[Column]) -> Column | None:
    """The column a word names: exactly, by singular/plural, or as the start of its name."""
    word = word.lower().strip("'\"`")
    by_name = {c.name.lower(): c for c in columns}
    for form in (word, singular(word), word.replace(" ", "_")):
        if form in by_name:
            return by_name[form]
    for c in columns:
        if singular(c.name) == singular(word):
            return c
    if len(word) >= 4:
        starts = [c for c in columns if c.name.lower().startswith(word)]
        if len(starts) == 1:
            return starts[0]
    return None


def is_numeric(c: Column) -> bool:
    return bool(NUMERIC.search(c.type)) and not BOOLEAN.search(c.type)


def is_temporal(c: Column) -> bool:
    return bool(TEMPORAL.search(c.type))


def is_text(c: Column) -> bool:
    return bool(TEXTUAL.search(c.type))


def is_boolean(c: Column) -> bool:
    return bool(BOOLEAN.search(c.type))


def convention(name: str, style: str | None) -> str:
    """A column name in a data-warehouse naming convention (snake_case, camelCase, PascalCase)."""
    parts = [p for p in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", name) if p]
    if style == "camelCase":
        return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
    if style == "PascalCase":
        return "".join(p.capitalize() for p in parts)
    if style == "snake_case":
        return "_".join(p.lower() for p in parts)
    return name


def safe_name(text: str, taken: set[str], fallback: str = "data") -> str:
    """An identifier for a dataset: lower snake case, not an SQL keyword, not taken."""
    base = re.sub(r"[^a-z0-9_]", "_", text.lower()).strip("_")[:32] or fallback
    if base[0].isdigit():
        base = f"t_{base}"
    if base.upper() in Tokenizer.KEYWORDS or base.upper() in _RESERVED:
        base = f"{base}_{fallback}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


_RESERVED = {
    "USER",
    "ORDER",
    "GROUP",
    "TABLE",
    "SELECT",
    "WHERE",
    "FROM",
    "JOIN",
    "LIMIT",
    "OFFSET",
    "DEFAULT",
    "CHECK",
    "COLUMN",
    "END",
    "ALL",
    "ANY",
    "CASE",
}


def needs_quotes(name: str) -> bool:
    return (
        not re.match(r"^[a-z_][a-z0-9_]*$", name)
        or name.upper() in Tokenizer.KEYWORDS
        or (name.upper() in _RESERVED)
    )


def ident(name: str, dialect: str) -> str:
    """An identifier in ``dialect``, quoted when it is a keyword or not lower snake case."""
    from sqlglot import exp

    return exp.to_identifier(name, quoted=needs_quotes(name)).sql(dialect)
