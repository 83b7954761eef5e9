"""Grounding: the tables, columns and values an intent's words name, in the real schema and data.

Columns by name, plural/singular, synonym and edit distance ("staus" → status); values by looking
the word up among the column's sampled distinct values (a country's name or adjective matched to
the code the column holds); relationships from declared foreign keys and ``<table>_id`` naming.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from ai.generation.intent.lexicon import (
    COLUMN_SYNONYMS,
    COUNTRIES,
    FILLER,
    SYSTEM_WORDS,
    TABLE_SYNONYMS,
    VALUE_SYNONYMS,
)
from ai.generation.words import is_text, singular
from workflows.generation_payloads import Column, DatasetSchema

TOKEN = re.compile(r"[a-z0-9_]+(?:'s)?|\*|x(?=\s)")


def distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def near(word: str, name: str) -> bool:
    """A typo of ``name``: one edit in five letters or more, two in nine or more, or its inner
    letters shuffled in seven or more ("costumer" of customer)."""
    if word == name or len(word) < 5 or word.isdigit():
        return word == name
    allowed = 2 if len(name) >= 9 else 1
    shuffled = len(word) >= 7 and word[0] + word[-1] == name[0] + name[-1]
    return distance(word, name) <= allowed or (shuffled and sorted(word) == sorted(name))


def _typo_of(phrase: str, name: str) -> bool:
    """``phrase`` is ``name`` with a typo in one of its words ("staus", "destnation country")."""
    said, meant = phrase.split(), name.split()
    if len(said) != len(meant):
        return False
    wrong = [(a, b) for a, b in zip(said, meant, strict=True) if a != b]
    return len(wrong) == 1 and near(*wrong[0])


def stem(word: str) -> str:
    """A word without its ending: "delivery", "deliveries", "delivered" → "deliver";
    "shipping", "shipped" → "ship"; "creation", "created" → "creat"."""
    w = word.lower().removesuffix("'s")
    for suffix in ("ments", "ment", "ings", "ing", "ions", "ion", "ies", "ied",
                   "ed", "es", "s", "y"):  # fmt: skip
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    w = w.removesuffix("e") if len(w) > 4 else w
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w


def plural(word: str) -> str:
    one = singular(word)
    if one.endswith("y") and not one.endswith(("ay", "ey", "oy")):
        return one[:-1] + "ies"
    if one.endswith(("s", "x", "ch", "sh")):
        return one + "es"
    return one + "s"


@dataclass(frozen=True)
class Ref:
    """A column of one of the source tables."""

    dataset: DatasetSchema
    column: Column

    @property
    def sql(self) -> str:
        from ai.generation.planning import q

        return f"{self.dataset.dataset}.{q(self.column.name)}"

    @property
    def label(self) -> str:
        return f"{self.dataset.table}.{self.column.name}"

    def __hash__(self) -> int:
        return hash((self.dataset.dataset, self.column.name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and (self.dataset.dataset, self.column.name) == (
            other.dataset.dataset,
            other.column.name,
        )


@dataclass
class Mention:
    start: int
    end: int
    refs: list[Ref]  # every column these words may name, best first


@dataclass
class Edge:
    """``left.column = right.column``: ``left`` holds the reference (many rows to one)."""

    child: DatasetSchema
    child_column: str
    parent: DatasetSchema
    parent_column: str

    def sql(self) -> str:
        from ai.generation.planning import q

        return (
            f"{self.child.dataset}.{q(self.child_column)} = "
            f"{self.parent.dataset}.{q(self.parent_column)}"
        )


def table_forms(table: str) -> set[str]:
    base = table.lower()
    one = singular(base)
    out = {base, one, plural(one)}
    return out | {f.replace("_", " ") for f in out}


def column_forms(column: Column, *, synonyms: bool = True) -> set[str]:
    base = column.name.lower()
    spaced = base.replace("_", " ")
    out = {base, spaced, singular(base), plural(base), plural(spaced), singular(spaced)}
    for synonym in COLUMN_SYNONYMS.get(base, ()) if synonyms else ():
        out.add(synonym)
    if base.endswith("_at") or base.endswith("_on"):
        out.add(spaced[:-3] + " date")
        out.add(spaced[:-3] + " time")
    if base.startswith("is_") or base.startswith("has_"):
        out.add(spaced.split(" ", 1)[1])
    unit = re.fullmatch(r"(.+?)_(kg|g|lb|cm|mm|m|km|usd|eur|gbp|pct|percent|eur_cents|cents)", base)
    if unit:  # weight_kg: "weight"
        out |= {unit[1].replace("_", " "), unit[1]}
    return out


DATE_WORDS = ("date", "time", "timestamp", "day", "datetime", "when")
_DATE_NAMES = (
    "{t}_date",
    "{t}_at",
    "{t}ed_at",
    "{t}_time",
    "created_at",
    "date",
    "ts",
    "timestamp",
)


class Catalog:
    """The source tables of one intent, searchable by the words that name them."""

    def __init__(self, datasets: list[DatasetSchema], shouted: set[str] | None = None) -> None:
        self.datasets = datasets
        self.edges = self._edges()
        # words the intent wrote in capitals ("US", "IT"): a common word is a value only so
        self.shouted = {w.lower() for w in shouted or ()}
        self.other_names = self._other_names()

    # tables ---------------------------------------------------------------------------------
    def forms(self, d: DatasetSchema) -> set[str]:
        """Ways to name ``d``: its name's forms, and its last word when no other table's name
        ends so (tracking_scans: "scans")."""
        out = table_forms(d.table)
        last = d.table.lower().rsplit("_", 1)[-1]
        if last != d.table.lower() and len(last) >= 4:
            rivals = [x for x in self.datasets if x is not d and x.table.lower().endswith(last)]
            if not rivals and not any(
                singular(last) in table_forms(x.table) for x in self.datasets
            ):
                out |= table_forms(last)
        return out | self.other_names.get(d.dataset, set())

    def _other_names(self) -> dict[str, set[str]]:
        """Other names of tables (lexicon.TABLE_SYNONYMS, "clients" for customers), each kept
        only when it names one table and no table, column or value of the schema is so called."""
        taken: set[str] = set()
        for d in self.datasets:
            taken |= table_forms(d.table)
            for c in d.columns:
                taken |= column_forms(c, synonyms=False) | {v.lower() for v in c.values}
        claims: dict[str, list[str]] = {}
        for d in self.datasets:
            last = singular(d.table.lower().rsplit("_", 1)[-1])
            for name in TABLE_SYNONYMS.get(plural(last), ()):
                if name not in taken:
                    claims.setdefault(name, []).append(d.dataset)
        out: dict[str, set[str]] = {}
        for name, owners in claims.items():
            if len(owners) == 1:
                out.setdefault(owners[0], set()).add(name)
        return out

    def tables_in(self, text: str) -> list[tuple[int, int, DatasetSchema]]:
        found: list[tuple[int, int, DatasetSchema]] = []
        for d in self.datasets:
            for form in sorted(self.forms(d), key=len, reverse=True):
                for m in re.finditer(rf"(?<![\w.]){re.escape(form)}(?:'s)?(?![\w])", text):
                    found.append((m.start(), m.end(), d))
        for d in self.datasets:  # a typo of a table's name
            for m in re.finditer(r"[a-z_]{5,}", text):
                if any(m.start() < e and m.end() > s for s, e, _ in found):
                    continue
                if m.group(0).endswith("ed"):
                    continue  # a verb done ("carried"), not a table misspelled ("carrier")
                if any(near(m.group(0), f) for f in self.forms(d) if " " not in f):
                    found.append((m.start(), m.end(), d))
            for form in (f for f in self.forms(d) if " " in f):  # "trackng scans"
                words = r"[a-z_]+(?:'s)?"
                run = rf"(?<![\w.]){words}(?:\s+{words}){{{form.count(' ')}}}(?![\w])"
                for m in re.finditer(rf"(?=({run}))", text):
                    said = m.group(1)
                    if _typo_of(said.removesuffix("'s"), form):
                        found.append((m.start(1), m.start(1) + len(said), d))
        found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        out: list[tuple[int, int, DatasetSchema]] = []
        for item in found:
            if not out or item[0] >= out[-1][1]:
                out.append(item)
        return out

    def table_named(self, word: str) -> DatasetSchema | None:
        word = word.lower().removesuffix("'s")
        for d in self.datasets:
            if word in self.forms(d):
                return d
        for d in self.datasets:
            if any(near(word, f) for f in self.forms(d) if " " not in f):
                return d
        return None

    # columns --------------------------------------------------------------------------------
    def columns_named(self, phrase: str, prefer: list[DatasetSchema]) -> list[Ref]:
        """The columns ``phrase`` names, the preferred tables' first; typos when nothing exact."""
        phrase = phrase.lower().strip().removesuffix("'s").strip()
        order = [*prefer, *[d for d in self.datasets if d not in prefer]]
        exact_root = [r for r in self._in_table(phrase, order[0], fuzzy=False)] if order else []
        if exact_root:
            if self._in_table(phrase, order[0], fuzzy=False, synonyms=False):
                return exact_root
            # the first table knows the words only as a synonym ("unit price" of products'
            # price): another table's column of that very name comes first (order_items)
            own = [
                r for d in order[1:] for r in self._in_table(phrase, d, fuzzy=False, synonyms=False)
            ]
            return own + exact_root
        # "<table> <column>", "<table>'s <column>", "<column> of the <table>"
        qualified = re.fullmatch(r"([a-z_]+?)(?:'s)?\s+(.+)", phrase)
        of = re.fullmatch(r"(.+?)\s+of\s+(?:the|its|their|each|his|her)?\s*([a-z_]+)", phrase)
        for table_word, rest in (
            (qualified and qualified.groups()) or (None, None),
            (of and (of[2], of[1])) or (None, None),
        ):
            if table_word is None or rest is None:
                continue
            d = self.table_named(table_word)
            if d is not None:
                refs = self._in_table(rest, d, fuzzy=True)
                if refs:
                    return refs
                if rest in DATE_WORDS:  # "the order date": the order's own date
                    date = self.main_date(d)
                    if date is not None:
                        return [date]
                # "customer country" where the column is customers.country_code etc.
        exact = [r for d in order for r in self._in_table(phrase, d, fuzzy=False)]
        if exact:
            return exact
        # a typo of a column's own name ("categroy") before a typo of a synonym (type: category)
        own = [r for d in order for r in self._in_table(phrase, d, fuzzy=True, synonyms=False)]
        return own or [r for d in order for r in self._in_table(phrase, d, fuzzy=True)]

    def main_date(self, d: DatasetSchema) -> Ref | None:
        """The date a row of ``d`` is of: ``<table>_date``, ``created_at``, or its only one."""
        temporal = {c.name.lower(): c for c in d.columns if re.search(r"date|time", c.type, re.I)}
        tsing = singular(d.table.lower())
        for pattern in _DATE_NAMES:
            name = pattern.format(t=tsing)
            if name in temporal:
                return Ref(d, temporal[name])
        if len(temporal) == 1:
            return Ref(d, next(iter(temporal.values())))
        return None

    def date_named(self, word: str, d: DatasetSchema) -> Ref | None:
        """The date or time column of ``d`` a word names by its stem: "delivery", "deliveries"
        and "delivered" name delivered_at; "opening" opened_on; "shipping" shipped_at."""
        wanted = stem(word)
        if len(wanted) < 3:
            return None
        found = [
            c
            for c in d.columns
            if re.search(r"date|time", c.type, re.I)
            and stem(
                re.sub(r"^(?:date|time)_|_(?:at|on|date|time|ts|timestamp|dt)$", "", c.name.lower())
            )
            == wanted
        ]
        return Ref(d, found[0]) if len(found) == 1 else None

    def _in_table(
        self, phrase: str, d: DatasetSchema, *, fuzzy: bool, synonyms: bool = True
    ) -> list[Ref]:
        out = []
        tsing = singular(d.table.lower())
        for c in d.columns:
            forms = column_forms(c, synonyms=synonyms)
            if c.name.lower().startswith(tsing + "_"):
                forms |= column_forms(Column(c.name[len(tsing) + 1 :], c.type), synonyms=synonyms)
            if phrase in forms or (  # "destnation country": a typo in one of its words
                fuzzy and any(_typo_of(phrase, f) for f in forms)
            ):
                out.append(Ref(d, c))
        exact = [r for r in out if r.column.name.lower() == phrase.replace(" ", "_")]
        return exact or out

    def mentions(
        self, text: str, prefer: list[DatasetSchema], *, fuzzy: bool = True
    ) -> list[Mention]:
        """Every run of words in ``text`` that names a column, longest first, left to right."""
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        out: list[Mention] = []
        i = 0
        while i < len(tokens):
            hit = None
            for n in (4, 3, 2, 1):
                if i + n > len(tokens):
                    continue
                start, end = tokens[i][0], tokens[i + n - 1][1]
                phrase = text[start:end]
                if n == 1 and (phrase in SYSTEM_WORDS or len(phrase) < 2):
                    break
                refs = self.columns_named(phrase, prefer) if (fuzzy or n > 1) else []
                if refs:
                    hit = Mention(start, end, refs)
                    i += n
                    break
            if hit is None:
                i += 1
            else:
                out.append(hit)
        return out

    # values ---------------------------------------------------------------------------------
    def values_named(self, phrase: str, tables: list[DatasetSchema]) -> list[tuple[Ref, str]]:
        """(column, real value) pairs whose sampled values hold ``phrase``."""
        word = phrase.lower().strip()
        if not word or word in SYSTEM_WORDS or word.isdigit():
            return []
        named = any(word in names for names in COUNTRIES.values())  # "uk"
        if word not in self.shouted and (word in FILLER or (len(word) <= 2 and not named)):
            return []  # "send us", "in", "or": words first, codes (US, IN, OR) when capitalised
        wanted = {word, singular(word), plural(word)} if len(word) >= 4 else {word}
        if len(word) == 3 and word.isalpha():  # "toy products": the category is toys
            wanted.add(plural(word))
        countries = [c for c, names in COUNTRIES.items() if word in names or word == c.lower()]
        if not countries and len(word) >= 5:  # "Germny"
            countries = [c for c, names in COUNTRIES.items() if any(near(word, n) for n in names)]
        for code in countries:
            wanted |= {code.lower(), *COUNTRIES[code]}
        exact: list[tuple[Ref, str]] = []
        close: list[tuple[Ref, str]] = []
        # "purchasing events": the verb's -ing form of a value that is the bare verb ("purchase"),
        # never of a participle ("shipping" is not "shipped")
        doing = stem(word) if re.fullmatch(r"[a-z]{3,}ing", word) else None
        inflected: list[tuple[Ref, str]] = []
        for d in tables:
            for c in d.columns:
                if not c.values or not is_text(c):
                    continue
                for v in c.values:
                    low = v.lower()
                    if low in wanted or low.replace("_", " ") in wanted | {word.replace("-", " ")}:
                        exact.append((Ref(d, c), v))
                    elif (
                        doing
                        and re.fullmatch(r"[a-z]+", low)
                        and not low.endswith(("ed", "ing"))
                        and stem(low) == doing
                    ):
                        inflected.append((Ref(d, c), v))
                    elif (  # "cancled", "in trasit": a typo, its first letter right
                        not re.search(r"[\d']", low + word)
                        and word[0] == low[0]
                        and word.count(" ") == low.replace("_", " ").count(" ")
                        and near(word, low.replace("_", " "))
                    ):
                        close.append((Ref(d, c), v))
        return exact or self._synonymous(word, tables) or inflected or close

    def _synonymous(self, word: str, tables: list[DatasetSchema]) -> list[tuple[Ref, str]]:
        """The values another word for them names ("en route": in_transit), each the one
        value of its column so called."""
        meant = set(VALUE_SYNONYMS.get(word, ()))
        found: list[tuple[Ref, str]] = []
        for d in tables:
            for c in d.columns:
                if not c.values or not is_text(c):
                    continue
                hits = [v for v in c.values if v.lower() in meant]
                if len(hits) == 1:
                    found.append((Ref(d, c), hits[0]))
        return found

    # relationships --------------------------------------------------------------------------
    def _edges(self) -> list[Edge]:
        edges: list[Edge] = []
        by_table = {d.table.lower(): d for d in self.datasets}
        for d in self.datasets:
            for fk in d.foreign_keys:
                parent = by_table.get(str(fk[1]).lower().split(".")[-1])
                if parent is not None:
                    edges.append(Edge(d, fk[0], parent, fk[2]))
        declared = {(e.child.dataset, e.child_column.lower()) for e in edges}
        for d in self.datasets:
            for c in d.columns:
                name = c.name.lower()
                if not name.endswith("_id") or (d.dataset, name) in declared:
                    continue
                stem = name[:-3]
                for parent in self.datasets:
                    if parent is d and stem != "parent":
                        continue
                    if stem in table_forms(parent.table) and any(
                        x.name.lower() == "id" for x in parent.columns
                    ):
                        edges.append(Edge(d, c.name, parent, "id"))
                        break
        return edges

    def references(self, child: DatasetSchema, parent: DatasetSchema) -> list[Edge]:
        return [e for e in self.edges if e.child is child and e.parent is parent]

    def path(
        self, start: DatasetSchema, goal: DatasetSchema, *, lookups_only: bool = False
    ) -> list[tuple[Edge, DatasetSchema]] | None:
        """The joins from ``start`` to ``goal``, each with the table it brings in; None if none.
        ``lookups_only``: through references only, each row of ``start`` meeting at most one row
        of ``goal`` (order item → order → customer)."""
        seen = {start.dataset}
        queue: deque[tuple[DatasetSchema, list[tuple[Edge, DatasetSchema]]]] = deque([(start, [])])
        while queue:
            at, steps = queue.popleft()
            if at is goal:
                return steps
            for e in self.edges:
                ways = (
                    ((e.child, e.parent),)
                    if lookups_only
                    else ((e.child, e.parent), (e.parent, e.child))
                )
                for here, there in ways:
                    if here is at and there.dataset not in seen:
                        seen.add(there.dataset)
                        queue.append((there, [*steps, (e, there)]))
        return None
