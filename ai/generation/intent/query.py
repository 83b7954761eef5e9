"""The query an intent asks: its row table, joins, filters, computed columns, groups, aggregates,
order and limit, and the pieces understood."""

from __future__ import annotations

from dataclasses import dataclass, field

from ai.generation.intent.grounding import Ref
from workflows.generation_payloads import DatasetSchema


@dataclass
class Out:
    sql: str
    name: str
    ref: Ref | None = None


@dataclass
class Piece:
    """One understood part: what kind, the intent's words, plain words, and its SQL."""

    kind: str
    words: str
    text: str
    sql: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "words": self.words, "text": self.text, "sql": self.sql}


@dataclass
class Query:
    root: DatasetSchema
    tables: set[str] = field(default_factory=set)  # datasets the SELECT reads (joined)
    picks: list[Out] = field(default_factory=list)  # columns of joined tables, computed ones
    columns: list[Out] | None = None  # a projection of the root's columns (None: all)
    where: list[str] = field(default_factory=list)
    groups: list[Out] = field(default_factory=list)
    having: list[str] = field(default_factory=list)  # conditions on the groups' aggregates
    aggregates: list[Out] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    limit: int | None = None
    one_per: Out | None = None  # keep one row per this key …
    one_order: str = ""  # … the first by this ORDER BY
    one_count: int = 1  # … or the first so many of each key
    joins: list[tuple[DatasetSchema, str]] = field(default_factory=list)  # table, ON condition
    inner: bool = False  # joins keep only rows that match
    keep_unmatched: bool = False  # grouped rows without a match are kept (a count of 0)
    schedule: str | None = None
    pieces: list[Piece] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    counted: list[DatasetSchema] = field(default_factory=list)  # counted, but not the rows read

    def say(self, kind: str, words: str, text: str, sql: str) -> None:
        self.pieces.append(Piece(kind, words.strip(), text, sql))
