"""One intent of the suite: what a data engineer types, and the query that computes its answer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Schema = Literal["shop", "logistics", "crm"]  # crm: the MariaDB source


@dataclass(frozen=True)
class Intent:
    """``sql`` runs on the case's source and returns exactly the rows the target must hold.

    The target is compared on the columns the reference returns (``columns``: "all" of them, or
    the named subset), matched by name case-insensitively; a reference column the target lacks
    under any name makes the case wrong. Rows are always compared as a multiset (``multiset``),
    numbers rounded to 2 decimals. ``only_columns``: the intent names its columns, so the target
    must hold those and no others.
    """

    id: str
    schema: Schema
    text: str
    sql: str
    columns: tuple[str, ...] | Literal["all"] = "all"
    only_columns: bool = False
    multiset: bool = True
    target_database: bool = False  # also name the target schema as the request's `database`
    kind: str = ""  # what the intent exercises: "date ranges", "joins", ...

    @property
    def table(self) -> str:
        """The target table, in the session's target schema."""
        return self.id


def reword(original: Intent, text: str, suffix: str) -> Intent:
    """The same meaning in other words: the same reference query, its own target table."""
    return replace(original, id=f"{original.id}__{suffix}", text=text)


def kinds(*items: str | Intent) -> list[Intent]:
    """Cases under headings: each string names the kind of the cases that follow it."""
    cases, kind = [], ""
    for item in items:
        if isinstance(item, str):
            kind = item
        else:
            cases.append(replace(item, kind=kind))
    return cases
