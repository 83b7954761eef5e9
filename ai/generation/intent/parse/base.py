"""The parser's state (the intent's words, their coverage, the catalog, the query being built) and
the lookups every pass shares: placing words, joining a column's table, the column named before
or after some words, a table's money, date and measure columns."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Catalog, Ref, column_forms, near, stem
from ai.generation.intent.lexicon import CREATION_VERBS, DATE_VERBS, REFERRED_VERBS
from ai.generation.intent.parse.words import DONE, MEASURES, UNIT_COLUMNS
from ai.generation.intent.query import Out, Query
from ai.generation.intent.spans import Coverage
from ai.generation.planning import PlanningError
from ai.generation.words import is_numeric, is_temporal, singular
from workflows.generation_payloads import DatasetSchema

MONEY = ("amount", "total", "price", "revenue", "value", "cost", "salary", "total_amount")

_UNIT_SUFFIXES = {"kg", "g", "lb", "lbs", "cm", "mm", "m", "km", "pct", "h", "min"}

# Words that join the parts of a sentence: never part of a column's name
_JOINERS = {
    "and",
    "or",
    "with",
    "by",
    "per",
    "of",
    "the",
    "a",
    "an",
    "for",
    "to",
    "in",
    "on",
    "nor",
}


def participle_stem(verb: str) -> str:
    """A past participle without its ending: shipped → ship, scanned → scan, placed → place."""
    stem = re.sub(r"(?:ed|d)$", "", verb)
    return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem


class _Unplaceable(PlanningError):
    """A piece names tables that nothing joins."""


class ParserBase:
    """The words being parsed, what is placed so far, and the lookups the passes share."""

    q: Query  # the query being built
    prefer: list[DatasetSchema]  # the tables whose columns win a tie: the row table first
    _top_request: tuple[re.Match[str], int, bool]  # the ranking asked, once found
    _computed_cols: list[Out]  # the computed columns placed
    _computed_spans: list[tuple[int, int, Out]]  # … and where each was said

    def __init__(
        self,
        text: str,
        cov: Coverage,
        cat: Catalog,
        aggregate_ok: bool,
        root: DatasetSchema | None = None,
    ) -> None:
        self.forced_root = root
        self.text = text
        self.cov = cov
        self.cat = cat
        self.aggregate_ok = aggregate_ok
        self.mentions = cat.tables_in(text)
        self.fan_out_ok = False  # an explicit join may repeat rows; a column lookup may not
        self.left_kept = False  # the words keep rows without a match (a LEFT JOIN)
        # Where each aggregate was said (start, end, the aggregate), once they are placed.
        self._aggregate_spans: list[tuple[int, int, Out]] = []

    def _place(self, kind: str, start: int, end: int, text: str, sql: str) -> None:
        """The words [start, end) are placed: said as ``kind`` with their SQL."""
        self.cov.take(start, end)
        self.q.say(kind, self.text[start:end], text, sql)

    def _free(self, m: re.Match[str], group: int | str = 0) -> bool:
        return self.cov.free(m.start(group), m.end(group))

    def _use(self, ref: Ref) -> str:
        """The SQL of ``ref``, joining its table to the root when it is another one."""
        d = ref.dataset
        if d.dataset not in self.q.tables:
            path = self.cat.path(self.q.root, d)
            if path is None:
                raise _Unplaceable(f"no join from {self.q.root.table} to {d.table}")
            for edge, table in path:
                if table.dataset not in self.q.tables:
                    if edge.child is table and not self.fan_out_ok:
                        # each row would repeat once per matching row of ``table``
                        self.q.ambiguous.append(
                            f"{ref.column.name} of {table.table} repeats each "
                            f"{self.q.root.table} row once per {singular(table.table)}"
                        )
                    self.q.tables.add(table.dataset)
                    self.q.joins.append((table, edge.sql()))
        return ref.sql

    def _column_before(self, end: int, kinds: str = "", words: int = 4) -> tuple[int, Ref] | None:
        """A column named by the words ending at ``end`` (at most ``words`` of them)."""
        head = self.text[:end].rstrip()
        tokens = list(re.finditer(r"[a-z0-9_]+(?:'s)?", head))
        for n in range(min(words, len(tokens)), 0, -1):
            chunk = tokens[-n:]
            start = chunk[0].start()
            if not self.cov.free(start, chunk[-1].end()):
                continue
            phrase = head[start:]
            if re.match(r"(?:with|whose|where|and|or|the|a|an|is|are|of|in)\b", phrase):
                continue
            core = re.sub(r"\s+(?:of|is|are|was|were|equal|being|that is)$", "", phrase)
            refs = [r for r in self.cat.columns_named(core, self.prefer) if self._kind(r, kinds)]
            if refs:
                lead = re.search(
                    r"\b(?:with|whose|where|having|that\s+has|that\s+have)\s+(?:an?\s+|the\s+)?$",
                    head[:start],
                )
                return (lead.start() if lead else start), self._pick(refs, core)
        return None

    def _column_after(self, start: int, kinds: str = "", words: int = 4) -> tuple[int, Ref] | None:
        tail = self.text[start:]
        lead = re.match(r"\s*(?:the\s+|its\s+|their\s+|a\s+|an\s+)?", tail)
        offset = start + (lead.end() if lead else 0)
        tokens = list(re.finditer(r"[a-z0-9_]+(?:'s)?", self.text[offset:]))
        for n in range(min(words, len(tokens)), 0, -1):
            chunk = tokens[:n]
            if chunk[0].start() > 0 and n == 1 and chunk[0].start() > 1:
                return None
            end = offset + chunk[-1].end()
            if not self.cov.free(offset, end) or (n > 1 and chunk[-1][0] in _JOINERS):
                continue  # "per parcel and scan type": no column is named "parcel and"
            phrase = self.text[offset:end]
            refs = [r for r in self.cat.columns_named(phrase, self.prefer) if self._kind(r, kinds)]
            if refs:
                return end, self._pick(refs, phrase)
        return None

    def _kind(self, ref: Ref, kinds: str) -> bool:
        c = ref.column
        if kinds == "numeric":
            return is_numeric(c) and not c.name.lower().endswith("id")
        if kinds == "temporal":
            return is_temporal(c)
        return True

    def _pick(self, refs: list[Ref], phrase: str) -> Ref:
        """The best of several columns the words may name: one of that very name ("unit price":
        unit_price, before products' price it is a synonym of), the root's, the tables named."""
        order = {d.dataset: i for i, d in enumerate(self.prefer)}
        said = phrase.lower().strip().removesuffix("'s")
        refs = sorted(
            refs,
            key=lambda r: (
                said not in column_forms(r.column, synonyms=False),
                order.get(r.dataset.dataset, 99),
            ),
        )
        best = refs[0]
        rivals = [r for r in refs[1:] if r.dataset is best.dataset and r != best]
        if rivals:
            self.q.ambiguous.append(
                f"'{phrase}' may be {', '.join(r.label for r in [best, *rivals])}"
            )
        return best

    def _money(self, d: DatasetSchema) -> Ref | None:
        for name in MONEY:
            for c in d.columns:
                if c.name.lower() == name and is_numeric(c):
                    return Ref(d, c)
        numeric = [
            c for c in d.columns if is_numeric(c) and any(m in c.name.lower() for m in MONEY)
        ]
        return Ref(d, numeric[0]) if len(numeric) == 1 else None

    def _take_lead(self, start: int) -> None:
        """The words that introduce a column named at ``start``: "plus", "along with",
        "including", "showing", "with their"."""
        lead = re.search(
            r"(?:\b(?:plus|along\s+with|together\s+with|including|incl|add(?:ing)?|attach(?:ing)?|also|and\s+also"
            r"|as\s+well\s+as|enriched\s+with|joined\s+with|showing|show|with|and|alongside)\s+"
            r"|\+\s*)"
            r"(?:(?:an?|the|its|their|each|every|his|her|that|this|these|those)\s+)*$",
            self.text[:start],
        )
        if lead is not None:
            self.cov.take(lead.start(), start)

    def _date_of(self, d: DatasetSchema, verb: str | None = None) -> Ref | None:
        cols = {c.name.lower(): c for c in d.columns if is_temporal(c)}
        if verb:
            for name in DATE_VERBS.get(verb, ()):
                if name in cols:
                    return Ref(d, cols[name])
        tsing = singular(d.table)
        for name in (f"{tsing}_date", f"{tsing}_at", f"{tsing}ed_at", "order_date", "sale_date",
                     "event_time", "created_at", "date", "ts", "timestamp"):  # fmt: skip
            if name in cols:
                return Ref(d, cols[name])
        if len(cols) == 1:
            return Ref(d, next(iter(cols.values())))
        return None

    def _date_verb(self, word: str) -> Ref | None:
        """The date column a verb or noun names ("shipped", "delivery", "opend"), in the tables
        the intent reads, by the lexicon, the column's stem, or a typo of either."""
        for d in [*self.prefer, *self._parents()]:
            temporal = {c.name.lower(): c for c in d.columns if is_temporal(c)}
            alike = [v for v in DATE_VERBS if near(word, v) or stem(v) == stem(word)]
            for verb in [word, *alike]:  # "delivred", "arriving"
                named = [temporal[n] for n in DATE_VERBS.get(verb, ()) if n in temporal]
                if named:
                    return Ref(d, named[0])
            ref = self.cat.date_named(word, d)
            if ref is not None:
                return ref
        return None

    def _parents(self) -> list[DatasetSchema]:
        """The tables the root's rows refer to (an order item's order and product)."""
        return [
            e.parent for e in self.cat.edges if e.child is self.q.root and e.parent is not e.child
        ]

    def _other_date(self, ref: Ref | None) -> str | None:
        """Another date column of ``ref``'s table a word of the intent names ("delivered",
        "shipping"), when a period is read on ``ref`` for want of a column named next to it."""
        for w in re.finditer(r"\b[a-z_]{4,}\b", self.text):
            if any(s <= w.start() < e for s, e, _ in self.mentions) or w[0] in CREATION_VERBS:
                continue
            other = self._date_verb(w[0])
            if (
                ref is not None
                and other is not None
                and other.dataset is ref.dataset
                and other != ref
            ):
                return other.column.name
        return None

    def _measure_of(self, adjective: str) -> Ref | None:
        """The root's numeric column an adjective measures (heavier: weight, long: length)."""
        stem = next((v for k, v in MEASURES.items() if re.fullmatch(k, adjective)), None)
        if stem is None:
            return None
        cols = [
            c
            for c in self.q.root.columns
            if is_numeric(c) and any(w in c.name.lower() for w in stem)
        ]
        return Ref(self.q.root, cols[0]) if len(cols) == 1 else None

    def _unit_column(self, unit: str) -> Ref | None:
        """The one numeric column of the root measured in ``unit`` (weight_kg for "kg")."""
        words = next((v for k, v in UNIT_COLUMNS.items() if re.fullmatch(k, unit)), ())
        cols = []
        for c in self.q.root.columns:
            parts = c.name.lower().split("_")
            if not is_numeric(c) or parts[-1] == "id" or not set(words) & set(parts):
                continue
            if parts[-1] in _UNIT_SUFFIXES and parts[-1] not in words:
                continue  # weight_kg is no column in pounds
            cols.append(c)
        return Ref(self.q.root, cols[0]) if len(cols) == 1 else None

    def _pick_name(self, ref: Ref) -> str | None:
        """An output name for a joined table's column: its own, else prefixed with the table;
        None when both are taken (the join key the root already holds)."""
        q = self.q
        taken = {c.name.lower() for c in q.root.columns} | {p.name for p in q.picks}
        for name in (ref.column.name, f"{singular(ref.dataset.table)}_{ref.column.name}"):
            if name.lower() not in taken:
                return name
        return None

    def _child_by_verb(self, verb: str) -> DatasetSchema | None:
        """The table whose rows a verb makes ("ordered": order_items referring to products)."""
        stem = participle_stem(verb)
        children = [
            e.child
            for e in self.cat.edges
            if e.parent is self.q.root and e.child is not self.q.root
        ]
        named = [d for d in children if stem and stem in d.table.lower()]
        if not named and verb in REFERRED_VERBS:  # "never sold": the one table referring
            named = list({d.dataset: d for d in children}.values())
        return named[0] if len(named) == 1 else None

    def _made_by(self, verb: str) -> DatasetSchema | None:
        """The one table whose name holds a verb's stem ("scanned": tracking_scans)."""
        stem = participle_stem(verb)
        named = [d for d in self.cat.datasets if len(stem) >= 3 and stem in d.table.lower()]
        return named[0] if len(named) == 1 else None

    def _done_words(self, end: int) -> int:
        """How far the verb said of rows counted goes: "customers who bought something from
        (each category)", "parcels scanned (per location)": what the rows read did to them;
        0 when no such verb follows ``end``, or it names another table's rows."""
        done = re.match(
            rf"\s+(?:(?:who|that|which)\s+)?(?:(?:were|was|got|have|has|had)\s+)?(?P<verb>{DONE})"
            r"(?:\s+(?:something|anything))?(?:\s+(?:at|in|from|on|for)(?=\s+(?:each|every)\b))?\b",
            self.text[end:],
        )
        if done is None or self._made_by(done["verb"]) not in (None, self.q.root):
            return 0
        return done.end()

    def _referring(self, d: DatasetSchema) -> DatasetSchema | None:
        """The table whose rows refer to the root and stand for ``d``: ``d`` itself, or the one
        between ("products not in any order": the order items)."""
        root = self.q.root
        if d is root:
            return None
        if self.cat.references(d, root):
            return d
        between = [
            e.child
            for e in self.cat.edges
            if e.parent is root and e.child is not root and self.cat.references(e.child, d)
        ]
        return between[0] if len(between) == 1 else None

    def _revenue(self, d: DatasetSchema) -> Ref | None:
        for name in ("revenue", "amount", "total", "total_amount", "line_total", "value"):
            for c in d.columns:
                if c.name.lower() == name and is_numeric(c):
                    return Ref(d, c)
        return None
