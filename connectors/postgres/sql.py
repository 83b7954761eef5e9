"""Identifier quoting and relation names."""

from __future__ import annotations

from dataclasses import dataclass


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string literal (standard_conforming_strings, on by default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str

    @classmethod
    def parse(cls, text: str, default_schema: str = "public") -> Relation:
        """``orders`` or ``sales.orders`` (quotes allowed) into schema and name."""
        parts = _split(text)
        if len(parts) == 1:
            return cls(default_schema, parts[0])
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        raise ValueError(f"{text!r} is not a table name: use 'table' or 'schema.table'")

    @property
    def sql(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


def _split(text: str) -> list[str]:
    parts: list[str] = []
    current, quoted, i = "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    if quoted or any(not p.strip() for p in parts):
        raise ValueError(f"{text!r} is not a table name: use 'table' or 'schema.table'")
    return [p.strip() for p in parts]
