"""An intent over real tables → a query shape: the row table, joins, filters, computed columns,
grouping and aggregates, order and limit, one row per key; every piece tied to the words it came
from, and the words nothing placed (``unresolved``).

Pieces are recognised in a fixed order, each taking the words it used (spans.Coverage); a piece
that cannot be grounded leaves its words free, so they end up unresolved rather than ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ai.generation.intent import dates
from ai.generation.intent.grounding import Catalog, Ref, column_forms, near, stem
from ai.generation.intent.lexicon import (
    CREATION_VERBS,
    DATE_VERBS,
    FILLER,
    NUMBER_WORDS,
    REFERRED_VERBS,
)
from ai.generation.intent.spans import Coverage
from ai.generation.intent.wording import expand, respelled, schema_words, take_framing
from ai.generation.planning import PlanningError
from ai.generation.words import is_boolean, is_numeric, is_temporal, singular
from workflows.generation_payloads import Column, DatasetSchema

MONEY = ("amount", "total", "price", "revenue", "value", "cost", "salary", "total_amount")
_OPS = {
    "greater than or equal to": ">=", "more than or equal to": ">=", "at least": ">=",
    "no less than": ">=", "not less than": ">=", "minimum of": ">=", "or more": ">=",
    "greater than": ">", "more than": ">", "larger than": ">", "bigger than": ">",
    "higher than": ">", "above": ">", "over": ">", "exceeding": ">", "exceeds": ">",
    "exceed": ">", "in excess of": ">",
    "less than or equal to": "<=", "at most": "<=", "no more than": "<=", "not more than": "<=",
    "up to": "<=", "maximum of": "<=",
    "less than": "<", "fewer than": "<", "lower than": "<", "smaller than": "<", "below": "<",
    "under": "<", "beneath": "<",
    ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "equal to": "=", "equals": "=",
    "of exactly": "=", "exactly": "=", "!=": "<>", "<>": "<>", "max": "<=", "maximum": "<=",
    "min": ">=", "upwards of": ">", "greater or equal to": ">=", "less or equal to": "<=",
    "not over": "<=", "not above": "<=", "not under": ">=", "not below": ">=",
    "does not exceed": "<=", "doesn't exceed": "<=", "do not exceed": "<=", "don't exceed": "<=",
    "not exceeding": "<=", "at or below": "<=", "at or under": "<=", "at or above": ">=",
    "≤": "<=", "≥": ">=",
}  # fmt: skip
_OP_RE = "|".join(re.escape(k) for k in sorted(_OPS, key=len, reverse=True))
_NUM = r"-?\$?\d[\d,]*(?:\.\d+)?"
# a number compared: digits or a word ("under fifty"; not "one": "at least one order")
_AMOUNT = _NUM + "|" + "|".join(w for w in NUMBER_WORDS if w != "one")
_AGGS = (
    (r"total number of|number of|count of|how many|counts?|counted", "count"),
    (r"sum of|total|sum", "sum"),
    (r"average|avg|mean", "avg"),
    (r"maximum|max|highest|largest|biggest|heaviest|longest|latest|most\s+recent", "max"),
    (r"minimum|min|lowest|smallest|lightest|shortest|earliest|first", "min"),
)
_AGG_WORDS = "|".join(p for p, _ in _AGGS)
_NEGATE = (
    r"ignoring|excluding|except(?:\s+for)?|skipping|dropping|leaving\s+out|omitting|not\s+counting"
    r"|filtering\s+out|removing|but\s+not|without\s+counting"
    r"|(?:but\s+|and\s+)?(?:skip|drop|exclude|ignore|omit|remove|leave\s+out|filter\s+out)"
)
_SET_WORDS = (
    r"assigned|set|given|specified|provided|recorded|attached|linked|entered|filled(?:\s+in)?"
)
_UNEQUAL = r"is\s+not|isn't|!=|<>|not|(?:is\s+)?(?:different|other|unlike)"
# Words around a value that say nothing more: "orders that are still pending", "marked as paid"
_ADVERBS = r"either|still|already|currently|presently|now|only|just|both"
_VALUE_LEADS = (
    r"marked(?:\s+as)?|flagged(?:\s+as)?|labell?ed(?:\s+as)?|tagged(?:\s+as)?|set\s+to"
    r"|categori[sz]ed\s+as|classified\s+as|listed\s+as|in\s+(?:the\s+)?(?:state|status)"
    r"|based\s+in|located\s+in|situated\s+in|living\s+in|residing\s+in|headquartered\s+in"
    r"|got|get|gets|became|become|belonging\s+to|filtered\s+(?:to|on|for|by)|restricted\s+to"
    r"|limited\s+to|offering|providing|recording|called|named|offers?|provides?|supports?"
    r"|supporting|(?:(?:handled|carried|transported|operated|served)\s+)?by"
)
_GRAIN = {
    "day": r"daily|per day|by day|each day|a day|per date|by date",
    "week": r"weekly|per week|by week|each week",
    "month": r"monthly|per month|by month|each month|a month",
    "quarter": r"quarterly|per quarter|by quarter|each quarter",
    "year": r"yearly|annually|annual|per year|by year|each year",
}
_SCHEDULES = {
    r"\bevery hour\b|\bhourly\b": "0 * * * *",
    r"\bevery day\b|\bdaily\b|\bnightly\b|\beach night\b|\bevery night\b": "0 2 * * *",
    r"\bevery week\b|\bweekly\b": "0 2 * * 1",
    r"\bevery month\b|\bmonthly\b": "0 2 1 * *",
}


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
    schedule: str | None = None
    pieces: list[Piece] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    counted: list[DatasetSchema] = field(default_factory=list)  # counted, but not the rows read

    def say(self, kind: str, words: str, text: str, sql: str) -> None:
        self.pieces.append(Piece(kind, words.strip(), text, sql))


def _factor(m: re.Match[str]) -> str:
    """ "* (1 + 19%)" as the one number it is: "* 1.19"."""
    share = float(m[3]) / (100 if m[4] else 1)
    return f" {m[1]} {1 + share if m[2] == '+' else 1 - share:g} "


def normalize(intent: str) -> str:
    text = intent.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    text = text.replace("\u00d7", " * ").replace("\u00f7", " / ").replace("\u2212", "-")
    text = re.sub(r"(?<=\w)\s*\*\s*(?=\w)", " * ", text)  # "qty*unit_price": an operator
    text = re.sub(  # "total * (1 + 19%)": total * 1.19
        r"(\*|\btimes)\s*\(\s*1\s*([+-])\s*(\d+(?:\.\d+)?)\s*(%|percent)?\s*\)",
        _factor,
        text,
        flags=re.I,
    )
    text = re.sub(r"(?<=[A-Za-z_])\s*(!=|<>|=)\s*(?=[\w'])", r" \1 ", text)  # "status=shipped"
    text = re.sub(r"\b(sum|avg|count|min|max)\(", r"\1 (", text, flags=re.I)  # "sum(cost)"
    text = re.sub(r"#\s*of\b|#(?=\s*[a-z])", "number of ", text, flags=re.I)  # "# of orders"
    text = re.sub(r"\bw/o\b", "without", text, flags=re.I)
    text = re.sub(  # "19% VAT on top of the total": the total plus 19% VAT
        r"\b(\d+(?:\.\d+)?\s*(?:%|percent)\s+(?:vat|tax|sales\s+tax))\s+(?:added\s+)?"
        r"on\s+top\s+of\s+(?:the\s+|its\s+|their\s+)?([a-z][a-z_]*)\b",
        r"\2 plus \1",
        text,
        flags=re.I,
    )
    units = "|".join(k for k in _UNIT_COLUMNS if "%" not in k)
    text = re.sub(  # "cost/kg (cost / weight_kg)", "cost/kg = …": a name, cost_per_kg
        rf"\b([a-z][a-z_]*)\s*/\s*({units})(?=\s*[(=:])", r"\1_per_\2", text, flags=re.I
    )
    text = re.sub(r"\b(who|they|we|you|i)'ve\b", r"\1 have", text, flags=re.I)  # "who've"
    text = re.sub(r"\bw/(?=\s)", "with", text, flags=re.I)
    text = re.sub(r"\bincl\.?(?=\s)", "including", text, flags=re.I)
    text = re.sub(r"\b(?:nr|no|num)\.?\s+of\b", "number of", text, flags=re.I)
    text = re.sub(r"\btop-(\d+)\b", r"top \1", text, flags=re.I)
    aggregate = r"min|max|minimum|maximum|avg|average|mean|sum|count|total"
    text = re.sub(rf"\b({aggregate})\s*/\s*({aggregate})\b", r"\1 and \2", text, flags=re.I)
    text = re.sub(r"(?<![\w'])'([\w -]+)'(?![\w'])", r"\1", text)  # "count of 'purchase' events"
    text = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m[1].replace(".", ""), text)  # "U.K."
    return " ".join(text.split()).lower()


def understand(
    intent: str,
    datasets: list[DatasetSchema],
    *,
    ignore: set[str] | None = None,
    aggregate_ok: bool = True,
) -> Query:
    """The query an intent asks of ``datasets``; ``ignore`` holds words that name systems,
    connections or the target (never filters)."""
    text = respelled(expand(normalize(intent), datasets), datasets, _VOCABULARY)
    cov = Coverage(text)
    dotless = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m[1].replace(".", ""), intent)  # U.K.
    cat = Catalog(datasets, shouted=set(re.findall(r"\b[A-Z][A-Z0-9]+\b", dotless)))
    named = {f for d in datasets for f in cat.forms(d)}  # a table called warehouses is no system
    for word in (ignore or set()) - named:
        for m in re.finditer(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", text):
            cov.take_match(m)
    taken = list(cov.taken)
    query = _Parser(text, cov, cat, aggregate_ok).parse()
    fanned = {d.dataset: d for d, _ in query.joins if cat.references(d, query.root)}
    fanned |= {d.dataset: d for d in query.counted if cat.references(d, query.root)}
    if query.ambiguous and len(fanned) == 1:
        # "top 5 customers by total order value", "the 3 warehouses with the most shipments":
        # the rows summed or counted are the orders, the shipments
        again = _Parser(
            text, Coverage(text, list(taken)), cat, aggregate_ok, root=next(iter(fanned.values()))
        )
        retried = again.parse()
        if retried.aggregates and not retried.ambiguous and not retried.unresolved:
            return retried
    return query


class _Parser:
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

    # ------------------------------------------------------------------------------------------
    def parse(self) -> Query:
        root = self._root()
        q = Query(root=root, tables={root.dataset})
        self.q = q
        self.prefer = [root, *[d for _, _, d in self.mentions if d is not root]]
        self._fact()
        self._schedule()
        self._load_words()
        self._dedupe()
        self._top()
        self._computed()
        self._aggregates()
        self._aggregate_said_again()
        self._periods()
        self._between_numbers()
        self._comparisons()
        self._unmatched()
        self._anti_joins()
        self._never_verbed()
        self._nullness()
        self._existence()
        self._values()
        self._booleans()
        self._related_dates()
        self._picks()
        self._relation_words()
        self._order()
        for start, end, d in self.mentions:  # the tables named: placed by the joins they need
            if d is root or d.dataset in q.tables:
                self.cov.take(start, end)
            if d.dataset in q.tables and q.aggregates:  # "sum of qty * unit_price over items"
                over = re.search(r"\b(?:over|across)\s+(?:all\s+)?(?:the\s+)?$", self.text[:start])
                if over is not None:
                    self.cov.take(over.start(), start)
            if d is q.root:  # "each order item with …", "to every order"
                lead = re.search(r"\b(?:each|every)\s+$", self.text[:start])
                if lead is None and re.match(r"\s*:", self.text[end:]):  # "per order item: …"
                    lead = re.search(r"\bper\s+$", self.text[:start])
                if lead is not None and not q.groups:
                    self.cov.take(lead.start(), start)
        for m in re.finditer(r"\bbut\s+(?=(?:only|just)\b)", self.text):
            if not self.cov.free(m.end(), m.end() + 4):
                self.cov.take_match(m)  # "…, but only sales with a customer": only
        for m in re.finditer(r"(?:^|,)\s*(each|every\s+one)\s+with\b", self.text):
            self.cov.take(m.start(1), m.end())  # "order items, each with the status of …"
        if q.limit is not None and q.one_per is not None and not q.aggregates:
            self._rows_per_key()
        if q.limit is not None and q.one_per is not None and not q.aggregates:
            q.ambiguous.append(  # "the 3 most expensive shipments per warehouse"
                f"the first {q.limit} rows and one row per {q.one_per.name}: {q.limit} per "
                f"{q.one_per.name}, or {q.limit} in all?"
            )
        if q.aggregates and not q.groups:  # "total number of orders, one row", "overall"
            for m in re.finditer(_WHOLE_TABLE, self.text):
                self.cov.take_match(m)
        if q.having and not q.groups:
            q.ambiguous.append("a condition on an aggregate, but no groups to keep or drop")
        if q.aggregates and q.one_per is not None:
            q.ambiguous.append(
                f"one row per {q.one_per.name} and an aggregate: which is done first?"
            )
        self._traded_measures()
        columns = None if q.columns is None else len(q.columns) + len(q.picks)
        if q.aggregates:
            columns = len(q.groups) + len(q.aggregates)
        plain = not (q.where or q.picks or q.aggregates or q.limit or q.one_per or q.joins)
        take_framing(
            self.text, self.cov, self.cat, q.root, q.tables, columns, plain and not columns
        )
        q.unresolved = self.cov.left()
        for start, end, d in self.mentions:  # "shipments and their warehouse": a table named,
            # read by nothing, even when its name is also a system's ("into the warehouse")
            word = self.text[start:end]
            if (
                self.cov.free(start, end)
                and d.dataset not in q.tables
                and word not in q.unresolved
                and not re.search(r"\b(?:into|to|in|onto)\s+(?:[a-z]+\s+){0,2}$", self.text[:start])
            ):
                q.unresolved.append(word)
        return q

    def _traded_measures(self) -> None:
        """ "total quantity sold per product": a verb of trade after an aggregated column says
        what the column counts, not a condition, when no period is asked."""
        if not self.q.aggregates or dates.periods(self.text):
            return
        for m in re.finditer(r"\b([a-z_]+)\s+(sold|ordered|bought|purchased)\b", self.text):
            named = [r for r in self.cat.columns_named(m[1], self.prefer) if is_numeric(r.column)]
            if self.cov.free(m.start(2), m.end(2)) and any(
                re.search(rf"\.{re.escape(r.column.name)}\b", a.sql)
                for r in named
                for a in self.q.aggregates
            ):
                self.cov.take(m.start(2), m.end(2))

    def _rows_per_key(self) -> None:
        """ "the 2 most expensive products in every category": the first rows of each key, when
        the ranking is the order the rows of a key are kept by and no word says one per key
        ("the 3 most expensive shipments, one per warehouse" stays a question)."""
        q = self.q
        one = re.search(
            r"\b(?:one|a\s+single|single|1)\s+(?:[a-z_]+\s+)?(?:per|for\s+each|for\s+every"
            r"|of\s+each|in\s+each|each|every)\b",
            self.text,
        )
        if one is not None or q.order != [q.one_order] or q.limit is None or q.limit < 2:
            return
        q.one_count, q.limit, q.order = q.limit, None, []
        top = getattr(self, "_top_request", None)
        q.say(
            "dedupe",
            top[0][0] if top else "",
            f"Keeps the first {q.one_count} rows per {q.one_per.name if q.one_per else ''}",
            f"row_number() OVER (PARTITION BY … ORDER BY {q.one_order}) <= {q.one_count}",
        )

    def _fact(self) -> None:
        """ "Revenue per product": the rows summed are the table holding the money that refers
        to the one named (order items, not products)."""
        q = self.q
        money = re.search(r"\b(revenue|turnover|sales|spend(?:ing)?|income)\b", self.text)
        if not money or any(s <= money.start() < e for s, e, _ in self.mentions):
            return
        if self._revenue(q.root) is not None:
            return
        ranked: list[tuple[int, DatasetSchema]] = []
        for edge in self.cat.edges:
            if edge.parent is q.root and edge.child is not q.root:
                rank = self._revenue_rank(edge.child)
                if rank is not None:
                    ranked.append((rank, edge.child))
        ranked.sort(key=lambda x: x[0])
        if not ranked:
            return
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            q.ambiguous.append(
                f"'{money[1]}' may be read from "
                + " or ".join(d.table for r, d in ranked if r == ranked[0][0])
            )
            return
        fact = ranked[0][1]
        q.root = fact
        q.tables = {fact.dataset}
        self.prefer = [fact, *[d for d in self.prefer if d is not fact]]

    def _revenue_rank(self, d: DatasetSchema) -> int | None:
        names = {c.name.lower() for c in d.columns if is_numeric(c)}
        if names & {"quantity", "qty"} and any("price" in n for n in names):
            return 0
        if names & {"amount", "total", "revenue", "total_amount", "line_total", "value"}:
            return 1
        return None

    def _revenue(self, d: DatasetSchema) -> Ref | None:
        for name in ("revenue", "amount", "total", "total_amount", "line_total", "value"):
            for c in d.columns:
                if c.name.lower() == name and is_numeric(c):
                    return Ref(d, c)
        return None

    def _root(self) -> DatasetSchema:
        if self.forced_root is not None:
            return self.forced_root
        kept = re.search(_KEEP_ITS, self.text)  # "for each shipment keep only its heaviest parcel"
        listed = re.match(r"(?:for\s+(?:each|every)|per)\s+", self.text)
        for start, end, d in self.mentions:  # "for each tracking scan, the … of its parcel"
            if (
                listed
                and start == listed.end()
                and re.match(r"\s*[,:]", self.text[end:])
                and not re.search(rf"\b(?:{_AGG_WORDS}|per|by)\b", self.text[end:])
            ):
                return d
        for start, end, d in self.mentions:  # "add the shipment status to every parcel"
            if (
                re.match(r"(?:please\s+)?(?:add|attach|append)\b", self.text)
                and re.search(
                    r"\bto\s+(?:(?:each|every|all(?:\s+of)?|the|our)\s+)*$", self.text[:start]
                )
                and not self.text[end:].strip(" .!")
            ):
                return d
        if kept and self.cat.table_named(kept["what"]) is not None:
            return self.cat.table_named(kept["what"])  # type: ignore[return-value]
        free = []
        for start, end, d in self.mentions:
            before = self.text[max(0, start - 24) : start]
            listing = re.match(r"\s*:", self.text[end:])  # "for each order item: the order id"
            if not listing and re.search(
                r"(?:\b(?:per|by|for each|for every|its|their)|(?<!\blist )(?<!\ball )(?<!\bcopy )"
                r"(?<!\bnone )(?<!\bsome )\bof the|\w\s+(?:each|every))\s+$",
                before,
            ):
                continue
            if re.search(
                r"\b(?:without|with no|no|never\s+\w+\s+(?:an?|any))\s+(?:an?\s+|any\s+)?$", before
            ):
                continue
            if self.text[start:end].endswith("'s"):
                continue
            free.append(d)
        each = [
            (s, d)
            for s, _, d in self.mentions
            if re.search(r"\b(?:each|every)\s+$", self.text[max(0, s - 12) : s])
        ]
        if free and len(each) == 1 and not re.search(rf"\b(?:{_AGG_WORDS}|per)\b", self.text):
            # "customer email on every order": every table named before it names a column of
            # it; the rows are the orders
            owner = each[0][1]
            if all(
                (after := re.match(r"(?:'s)?\s+([a-z_]+)", self.text[e:])) is not None
                and any(r.dataset is d for r in self.cat.columns_named(after[1], [d]))
                and self.cat.references(owner, d)
                for s, e, d in self.mentions
                if d is not owner
            ):
                return owner
        named = [  # "kitchen items from the products table": the table said to be read
            d
            for s, e, d in self.mentions
            if re.match(r"\s+table\b", self.text[e:])
            and re.search(r"\bfrom\s+(?:the\s+|our\s+|my\s+)?$", self.text[:s])
        ]
        if len(named) == 1:
            return named[0]
        bridge = self._distinct_counted_through(free)
        if bridge is not None:
            return bridge
        if free:
            return free[0]
        if self.mentions:
            return self.mentions[0][2]
        if len(self.cat.datasets) == 1:
            return self.cat.datasets[0]
        # no table named: the one table holding the most of the columns named
        held = {
            d.dataset: {
                r.column.name
                for m in self.cat.mentions(self.text, [d])
                for r in m.refs
                if r.dataset is d
            }
            for d in self.cat.datasets
        }
        best = sorted(self.cat.datasets, key=lambda d: -len(held[d.dataset]))
        if (
            best
            and len(held[best[0].dataset]) >= 2
            and (len(best) == 1 or len(held[best[0].dataset]) > len(held[best[1].dataset]))
        ):
            return best[0]
        # "purchases in 2024", "electronics over 100": the one table whose values the words are
        valued = {
            r.dataset.dataset: r.dataset
            for w in re.findall(r"[a-z][a-z0-9_-]+", self.text)
            for r, _ in self.cat.values_named(w, self.cat.datasets)
        }
        if len(valued) == 1:
            return next(iter(valued.values()))
        names = ", ".join(sorted(d.qualified for d in self.cat.datasets)[:20])
        raise PlanningError(f"the intent names none of the source tables ({names}): name the table")

    def _distinct_counted_through(self, free: list[DatasetSchema]) -> DatasetSchema | None:
        """ "how many different products in each order": the products counted are the distinct
        references of the one table that references them and every other table named (the
        order items); that table's rows are read. None unless exactly one such table (or one
        named) fits."""
        counted = [
            d
            for s, _, d in self.mentions
            if re.search(
                r"\b(?:number\s+of|how\s+many|count\s+of)\s+(?:the\s+)?(?:distinct|different"
                r"|unique)\s+$",
                self.text[:s],
            )
        ]
        others = {d.dataset: d for _, _, d in self.mentions if counted and d is not counted[0]}
        if len(counted) != 1 or not others:
            return None
        bridges = [
            c
            for c in self.cat.datasets
            if c is not counted[0]
            and self.cat.references(c, counted[0])
            and all(c is o or self.cat.references(c, o) for o in others.values())
        ]
        named = [c for c in bridges if any(c is f for f in free)]
        if len(named) == 1:
            return named[0]
        return bridges[0] if len(bridges) == 1 and not free[1:] else None

    # helpers ----------------------------------------------------------------------------------
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

    # pieces -----------------------------------------------------------------------------------
    def _schedule(self) -> None:
        grain_words = "|".join(_GRAIN.values())
        aggregated = re.search(
            r"\b(?:total|sum|count|number of|average|revenue|sales)\b", self.text
        )
        for pattern, cron in _SCHEDULES.items():
            m = re.search(pattern, self.text)
            if m and not (aggregated and re.fullmatch(grain_words, m.group(0))):
                self.q.schedule = cron
                self.cov.take_match(m)
                self.q.say("schedule", m.group(0), f"Runs on the schedule {cron} (UTC)", cron)
                return

    def _load_words(self) -> None:
        """Words the load planning reads (loading.py): placed there, so not unresolved here."""
        for m in re.finditer(
            r"\b(?:merge|merging|upsert\w*|update existing|insert or update|append\w*|add new"
            r"|insert new|replac\w+|overwrit\w+|full refresh|snapshot|truncate and load"
            r"|incremental\w*|new rows|only new|since the last run|with incremental updates"
            r"|(?:on|by|using) (?:the )?(?:key|primary key)|keyed (?:on|by))\b"
            r"|\b(?:merge|upsert|keyed)\s+(?:[a-z_]+\s+)?(?:on|by)\s+(?:the\s+)?[a-z_]+",
            self.text,
        ):
            self.cov.take_match(m)

    def _dedupe(self) -> None:
        """One row per key: "the latest order of each customer", "each parcel's last scan",
        "for each shipment keep only its heaviest parcel", "dedupe customers by email, keeping
        the most recently updated row"."""
        if self._argmax():
            return
        which = rf"(?:very\s+)?(?:most\s+recent(?:ly)?|latest|newest|last|first|earliest|oldest|{_SUPERLATIVES})"  # noqa: E501
        verb = (
            r"(?:\s+(?P<verb>updated|modified|created|placed|changed|added|scanned|made"
            r"|recorded)\b)?"
        )
        what = r"(?P<what>[a-z_]+(?:\s+(?!(?:[a-z]+ed|by|per|for|of|in|with|and|or)\b)[a-z_]+)?)"
        key_re = r"(?P<key>[a-z_]+(?:'s)?(?:\s+[a-z_]+)?)"
        keep = r"(?:(?:keep(?:ing)?|retain(?:ing)?|take|taking|pick(?:ing)?|just|only)\s+)*"
        forms = [
            rf"\b{keep}(?:the\s+)?(?P<which>{which}){verb}\s+(?:{what}\s+)?(?:(?:placed|made|done)"
            r"\s+)?(?:(?:for|of|per|from|in)\s+(?:each|every|a\s+given)?|by\s+(?:each|every))"
            r"\s*(?:the\s+)?(?:same\s+)?" + key_re,
            rf"\b(?:(?:each|every)\s+)?(?P<key>[a-z_]+(?:\s+[a-z_]+)?)'s\s+(?P<which>{which}){verb}"
            rf"\s+{what}",
            # "most recent order by customer": the rows' own table, by another table
            rf"\b{keep}(?:the\s+)?(?P<which>{which}){verb}\s+(?P<what>[a-z_]+)\s+by\s+"
            r"(?P<key>[a-z_]+)(?P<by_table>)",
            rf"\b(?:for\s+(?:each|every)|per|(?:one|a\s+single)\s+[a-z_]+\s+per)\s+{key_re}\s*[,:;-]?\s*"
            rf"{keep}(?:its|their|the)?\s*(?P<which>{which}){verb}(?:\s+{what})?",
        ]
        m = next(
            (
                x
                for f in forms
                if (x := re.search(f, self.text))
                and self._free(x)
                and ("by_table" not in x.groupdict() or self.cat.table_named(x["key"]) is not None)
                and not re.search(  # "the lightest and heaviest parcel per shipment"
                    rf"\b(?:{_AGG_WORDS})\s*(?:and|or|,|&|\+|/)\s*(?:the\s+)?$",
                    self.text[: x.start("which")],
                )
            ),
            None,
        )
        chosen = None
        if m is None:
            m = re.search(
                r"\b(?:dedup\w*|de-?dup\w*|remove\s+duplicates?|without\s+duplicates?|duplicates?"
                r"|(?:with\s+)?no\s+duplicates?|one\s+(?:row|record|entry)|unique)\s+"
                r"(?:(?:the\s+)?[a-z_]+\s+(?=(?:by|on|per|of|for|in)\s))?(?:(?:by|on|per|of|for"
                r"|in)\s+(?:each\s+|every\s+|the\s+)?)?(?P<key>[a-z_]+(?:\s+[a-z_]+)?)",
                self.text,
            )
            if m is None or not self._free(m):
                return
            chosen = re.search(
                rf"\b{keep}(?:the\s+)?(?:(?:row|record|entry|version|one)\s+(?:with\s+)?"
                rf"(?:the\s+)?)?(?P<which>{which}){verb}(?:\s+(?:row|record|entry|version|one))?",
                self.text[m.end() :],
            )
        q = self.q
        found = self._dedupe_key(m["key"])
        if found is None:
            return
        key, key_words = found
        words = m.groupdict()
        said = chosen or m
        which_words = said["which"] if chosen or words.get("which") else "latest"
        what_words = (words.get("what") or "").strip()
        rows = {"row", "record", "entry", "version", "one"}
        dated = what_words and [  # "per email, latest updated_at wins": the order, not a what
            r
            for r in self.cat.columns_named(what_words.split()[0], [q.root])
            if r.dataset is q.root and is_temporal(r.column)
        ]
        if dated:
            what_words = ""
        if what_words and not (
            set(what_words.split()) <= rows
            or self.cat.table_named(what_words) is q.root
            or (
                self.cat.table_named(what_words.split()[0]) is q.root
                and what_words.split()[-1] in rows
            )
        ):
            return  # "the latest order of each customer" read from another table; "the
            # largest order total per customer" is an aggregate
        latest = not re.search(
            r"first|earliest|oldest|lightest|smallest|shortest|cheapest", which_words
        )
        span_end = m.start("key") + len(key_words)
        if (words.get("what") and m.start("what") > m.start("key")) or (
            "which" in words and m.start("which") > m.start("key")
        ):
            span_end = m.start("what") if dated else m.end()
        # the order: "by updated_at", "(earliest placed_at)", "the latest updated_at", a verb
        # ("most recently updated"), a superlative's measure ("heaviest"), else the row's date
        order_col, how = None, ""
        for at in ([m.end() + chosen.end()] if chosen else []) + [span_end]:
            after = re.match(
                rf"\s*(?:,\s*)?(?:\(\s*)?(?P<by>(?:by|on|using)\s+)?(?:the\s+)?(?:{which}\s+)?",
                self.text[at:],
            )
            col = self._column_after(at + after.end(), "", 2) if after else None
            if col is not None and (after["by"] or is_temporal(col[1].column)):  # type: ignore[index]
                order_col, how = col[1], "named"
                closing = re.match(r"\s*\)", self.text[col[0] :])
                self.cov.take(at, col[0] + (closing.end() if closing else 0))
                break
        if order_col is None:
            order_col = self._measure_of(which_words)
            how = "measure" if order_col is not None else ""
            if order_col is None and re.fullmatch(_SUPERLATIVES, which_words):
                return  # "the largest order per customer": by what?
        if order_col is None and said.groupdict().get("verb"):
            order_col, how = self._date_of(q.root, said["verb"]), "verb"
        if order_col is None:
            order_col = self._date_of(q.root)
        if order_col is None:
            return
        dates = [c for c in q.root.columns if is_temporal(c)]
        if not how and len(dates) > 1:
            named_date = re.search(
                rf"\b{re.escape(order_col.column.name.split('_')[0])}", self.text
            )
            if not named_date:  # "the latest row": by which of several dates?
                q.ambiguous.append(
                    f"'{which_words}' of {q.root.table}: by {order_col.column.name} or another of "
                    + ", ".join(c.name for c in dates if c is not order_col.column)
                )
        direction = "DESC" if latest else "ASC"
        q.one_per = Out(key.sql, key.column.name, key)
        q.one_order = f"{order_col.sql} {direction}"
        self._place(
            "dedupe",
            m.start(),
            span_end,
            f"Keeps one row per {key.column.name}: the {which_words} by {order_col.column.name}",
            f"row_number() OVER (PARTITION BY {key.sql} ORDER BY {q.one_order}) = 1",
        )
        for extra in re.finditer(  # the dedupe said again: "unique", "duplicates … removed"
            r"\b(?:unique|distinct|dedup\w*|de-?dup\w*|(?:duplicates?\s+)?(?:removed|dropped"
            r"|eliminated)|wins)\b",
            self.text,
        ):
            if self._free(extra):
                self.cov.take_match(extra)
        if chosen is not None:
            self.cov.take(m.end() + chosen.start(), m.end() + chosen.end())
        elif m.groupdict().get("which") is not None and m.start("which") > span_end:
            self.cov.take(m.start("which"), m.end())

    def _argmax(self) -> bool:
        """ "for each shipment the parcel with the highest weight", "the parcel with the max
        weight in each shipment": one row per key, the first by that column; without a key, or
        by no column, unresolved (never the aggregate alone). True when the words were read."""
        q = self.q
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(q.root), key=len)[::-1])
        m = re.search(
            rf"\b(?:the\s+)?(?:single\s+|one\s+)?(?:{rows}|row|record|entry|one)\s+with\s+"
            rf"(?:the\s+)?(?P<which>{_ARGMAX})\s+",
            self.text,
        )
        if m is None or not self._free(m):
            return False
        found = self._column_after(m.end(), "", 2)
        after = found and re.match(
            r"\s*,?\s*(?:(?:in|of|for|within|from)\s+(?:each|every)|per)\s+(?:the\s+)?"
            r"(?P<key>[a-z_]+(?:'s)?)",
            self.text[found[0] :],
        )
        before = re.search(
            r"\b(?:(?:for|in|within)\s+(?:each|every)|per)\s+(?:the\s+)?(?P<key>[a-z_]+)\s*[,:;-]?"
            r"\s*(?:(?:keep(?:ing)?|only|just|take)\s+)*$",
            self.text[: m.start()],
        )
        said = after or before
        key = self._dedupe_key(said["key"]) if said else None
        if key is None and re.search(r"\b(?:de-?dup\w*|duplicates?|unique|one\s+row)\b", self.text):
            return False  # "dedupe customers by email, keep the row with the latest updated_at"
        if found is None or key is None:
            q.ambiguous.append(f"'{m.group(0).strip()}': which row per what?")
            self.cov.take_match(m)
            return True
        end, ref = found
        low = re.match(r"lowest|min|smallest|least|earliest|oldest|first", m["which"])
        q.one_per = Out(key[0].sql, key[0].column.name, key[0])
        q.one_order = f"{ref.sql} {'ASC' if low else 'DESC'}"
        start = before.start() if before and not after else m.start()
        stop = found[0] + after.end() if after else end
        self._place(
            "dedupe",
            start,
            stop,
            f"Keeps one row per {key[0].column.name}: the one with the {m['which']} "
            f"{ref.column.name}",
            f"row_number() OVER (PARTITION BY {key[0].sql} ORDER BY {q.one_order}) = 1",
        )
        return True

    def _dedupe_key(self, words: str) -> tuple[Ref, str] | None:
        """The key of "one row per …": a column of the root, the root's reference to a table
        ("each customer": customer_id), or ``<word>_id`` ("per user": user_id)."""
        q = self.q
        words = words.removesuffix("'s")
        for said in (words, words.split()[0].removesuffix("'s")):
            refs = [r for r in self.cat.columns_named(said, self.prefer) if r.dataset is q.root]
            if refs:
                return refs[0], said
            d = self.cat.table_named(said)
            if d is not None and d is not q.root:
                edges = self.cat.references(q.root, d)
                if edges:
                    col = next(c for c in q.root.columns if c.name == edges[0].child_column)
                    return Ref(q.root, col), said
            own = next(
                (c for c in q.root.columns if c.name.lower() == f"{singular(said)}_id"), None
            )
            if own is not None:
                return Ref(q.root, own), said
        return None

    def _top(self) -> None:
        """ "top 10 products by revenue", "the 3 warehouses with the most shipments", "5
        customers who spent the most", "the 5 most expensive products": a ranking, kept for
        _aggregates (which knows what is ranked)."""
        n_re = rf"(?P<n>\d+|{'|'.join(NUMBER_WORDS)})"
        most = r"highest|most|largest|biggest|greatest|lowest|smallest|fewest|least"
        selling = r"(?:(?:(?:best|top|biggest)[- ]selling|biggest|largest|top)\s+)"
        measure = (
            r"(?:the\s+)?(?P<measure>[a-z_ ]+?)"
            r"(?=$|[,.;:(?+]|\s+\+|\s+(?:with|and|from|in|per|into|to|showing|including|plus)\b)"
        )
        forms = [
            rf"\b(?:the\s+)?(?:top|first|best|biggest|largest|highest)\s+{n_re}\s+{selling}?"
            rf"(?P<ent>[a-z_]+)?\s*(?:by|ranked\s+by|in\s+terms\s+of|with\s+the\s+(?P<dir>{most}))"
            rf"\s+{measure}",
            rf"\b(?:the\s+)?{n_re}\s+{selling}(?P<ent>[a-z_]+)\s+(?:by|ranked\s+by)\s+{measure}",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<ent>[a-z_]+)\s+(?:with|having|that\s+have)"
            rf"\s+(?:the\s+)?(?P<dir>{most})\s+{measure}",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<ent>[a-z_]+)\s+(?:who|that|which)\s+"
            rf"(?P<verb>[a-z]+)\s+the\s+(?P<dir>most|least)\b",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<sup>{_SUPERLATIVES}|most\s+expensive|priciest"
            r"|newest|latest|most\s+recent|oldest|earliest)\s+(?P<ent>[a-z_]+)",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<dir>{most}|top)[\s-]+(?P<measure>[a-z_]+)\s+"
            r"(?P<ent>[a-z_]+)",
        ]
        m = next((x for f in forms if (x := re.search(f, self.text)) is not None), None)
        if not m:
            return
        n = int(m["n"]) if m["n"].isdigit() else NUMBER_WORDS[m["n"]]
        words = m.groupdict()
        low = r"lowest|smallest|fewest|least|cheapest|lightest|shortest|oldest|earliest"
        desc = not re.match(low, words.get("dir") or words.get("sup") or "")
        self._top_request = (m, n, desc)

    def _top_measure_start(self, m: re.Match[str]) -> int:
        """Where the words of what is ranked start (the end of the ranking when none)."""
        return m.start("measure") if m.groupdict().get("measure") else m.end()

    def _top_by_verb_or_adjective(self, top: tuple[re.Match[str], int, bool]) -> bool:
        """ "5 customers who spent the most": the sum of their rows' money, per customer;
        "the 3 warehouses that shipped the most": their shipments counted; "the 5 most
        expensive products": the rows ordered by price. True when placed."""
        q = self.q
        m, n, desc = top
        words = m.groupdict()
        entity = self.cat.table_named(m["ent"])
        if entity is None:
            return False
        if words.get("sup"):
            if entity is not q.root:
                return False
            sup = words["sup"]
            ref = self._measure_of(sup)
            if ref is None and re.match(r"newest|latest|most\s+recent|oldest|earliest", sup):
                ref = self._date_of(q.root)
            if ref is None:
                return False
            direction = "DESC" if desc else "ASC"
            q.order.append(f"{self._use(ref)} {direction}")
            q.limit = n
            self._place(
                "order", m.start(), m.end(), f"Keeps the {n} {sup} rows by {ref.column.name}",
                f"ORDER BY {ref.sql} {direction} LIMIT {n}",
            )  # fmt: skip
            return True
        verb = words.get("verb") or ""
        children = [e.child for e in self.cat.edges if e.parent is entity and e.child is not entity]
        if re.fullmatch(r"spent|spend|paid|pay|earned|generated", verb):
            money = [(d, self._money(d)) for d in children if self._money(d) is not None]
            if len(money) != 1 or not self.aggregate_ok:
                return False
            fact, ref = money[0]
            agg = Out(f"sum({self._use(ref)})", f"total_{verb}")  # type: ignore[arg-type]
        else:
            stem = re.sub(r"(?:ed|d)$", "", verb)
            stem = stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem
            counted = [d for d in children if len(stem) >= 3 and stem in d.table.lower()]
            if len(counted) != 1 or not self.aggregate_ok:
                return False
            fact = counted[0]
            agg = Out("count(*)", f"{singular(fact.table)}_count")
            if fact is not q.root:
                q.counted.append(fact)
                q.ambiguous.append(f"'{m.group(0)}' counts {fact.table}, not {q.root.table}")
        if fact is not q.root and agg.sql == "count(*)":
            return True
        q.aggregates.append(agg)
        self._group_entity(entity, m.start("ent"), m.end("ent"), label_too=True)
        q.order.append(f"{agg.name} {'DESC' if desc else 'ASC'}")
        q.limit = n
        self._place(
            "aggregate", m.start(), m.end(), f"Computes {agg.name} as {agg.sql} per {entity.table}",
            f"{agg.sql} AS {agg.name} ORDER BY {agg.name} LIMIT {n}",
        )  # fmt: skip
        return True

    def _computed(self) -> None:
        self._computed_cols: list[Out] = []
        self._computed_spans: list[tuple[int, int, Out]] = []
        for m in re.finditer(  # "the hours between shipped_at and delivered_at"
            r"\b(?:(?P<what>[a-z_]+\s+(?:time|duration))\s+in\s+)?(?:number\s+of\s+)?"
            r"(?P<unit>hours|days|minutes|seconds)\s+(?P<lead>between|from)\s+"
            r"(?:the\s+)?(?P<a>[a-z_]+(?:\s+[a-z_]+)?)\s+(?P<join>and|to|until|till)\s+(?:the\s+)?"
            r"(?P<b>[a-z_]+(?:\s+[a-z_]+)?)",
            self.text,
        ):
            if (m["lead"] == "between") != (m["join"] == "and"):  # "between a and b", "from a to b"
                continue
            first = self._moment_at(m.start("a"))
            last = self._moment_at(m.start("b"))
            if first is None or last is None or first[1] == last[1] or not self._free(m):
                continue
            sql = _duration(self._use(last[1]), self._use(first[1]), m["unit"])
            label = "_".join([*(m["what"] or "").split(), m["unit"]])  # "transit time in hours"
            self._add_computed(m.start(), last[0], sql, label, "")
        for m in re.finditer(
            r"(?P<a>[a-z_]+(?:\s+[a-z_]+)?)(?:\s+(?P<op>times|multiplied\s+(?:by|with)|x|plus|minus|including"
            r"|with(?=\s+[\d.]+\s*(?:%|percent)\s+(?:vat|tax|sales))|divided\s+by|-"
            r"|(?:increased|raised|marked\s+up|grossed\s+up|decreased|reduced|discounted|lowered)"
            r"\s+by(?=\s+[\d.]+\s*(?:%|percent)))\s+"
            r"|\s*(?P<sym>\*|/|\+)\s*)"
            r"(?:(?P<num>\d+(?:\.\d+)?)(?P<pct>\s*(?:%|percent)(?P<tax>\s+(?:vat|tax|sales\s+tax)"
            r"(?:\s+(?:added|on\s+top))?)?)?"
            r"(?![\w.])|(?P<b>[a-z_]+(?:\s+[a-z_]+)?))",
            self.text,
        ):
            word = (m["op"] or m["sym"]).split()[0]
            if word == "including" and not m["pct"]:  # "total including shipping": no sum said
                continue
            if word == "with" and not m["tax"]:  # "total with 19% VAT (added)": only a tax
                continue
            op = {"times": "*", "x": "*", "multiplied": "*", "plus": "+", "minus": "-"}.get(word)
            op = op or {"including": "+", "with": "+"}.get(word)
            op = op or ("+" if word in ("increased", "raised", "marked", "grossed") else None)
            op = op or ("-" if word in ("decreased", "reduced", "discounted", "lowered") else None)
            op = op or {"divided": "/"}.get(word, word)
            a = self._column_before(m.end("a"), "numeric", 2)
            b = self._column_after(m.start("b"), "numeric", 2) if m["b"] else None
            if op == "-" and m["b"] and (a is None or b is None):
                # "delivered_at minus shipped_at": a duration, in the unit the intent says
                late = self._column_before(m.end("a"), "temporal", 2)
                early = self._column_after(m.start("b"), "temporal", 2)
                unit = self._duration_unit()
                if late is not None and early is not None and unit is not None:
                    sql = _duration(self._use(late[1]), self._use(early[1]), unit[0])
                    self._add_computed(late[0], early[0], sql, unit[0], "")
                    if self.cov.free(unit[1], unit[2]):  # "in hours", after the name's words
                        self.cov.take(unit[1], unit[2])
                continue
            if a is None or (b is None and m["num"] is None):
                continue
            if b is not None:
                end, other, b_name = b[0], self._use(b[1]), b[1].column.name
            else:
                end, other, b_name = m.end(), _number(m["num"]), m["num"].replace(".", "_")
                if m["pct"]:
                    if op not in "+-":
                        continue
                    # "the total plus 19% VAT": total * 1.19
                    factor = 1 + float(m["num"]) / 100 * (1 if op == "+" else -1)
                    op, other, b_name = "*", f"{factor:g}", f"{m['num']}_percent"
            whole = _whole(a[1].column) and (
                _whole(b[1].column) if b is not None else "." not in other
            )
            left = f"{self._use(a[1])} * 1.0" if op == "/" and whole else self._use(a[1])
            sql = f"{left} {op} {other}"  # "length_cm / 100": a fraction, not a whole division
            if self._restated(a[0], end, sql):
                continue
            label = f"{a[1].column.name}_{_OP_NAMES[op]}_{b_name}"
            said = f"{a[1].column.name} {op} {b_name}"
            # "total incl. 19% VAT" may describe the total itself: a new column only if named
            named_only = word in ("including", "with")
            self._add_computed(a[0], end, sql, label, said, named_only=named_only)
        self._rates()

    def _rates(self) -> None:
        """ "cost per kg": a column over the one column of its table measured in that unit
        (weight_kg); not when a comparison follows ("cost per kg over 5")."""
        units = "|".join(k for k in _UNIT_COLUMNS if "%" not in k)
        for m in re.finditer(
            rf"\b(?P<a>[a-z_]+(?:\s+[a-z_]+)?)\s+per\s+(?P<unit>{units})\b",
            self.text,
        ):
            clause = re.split(r"[,;:()]", self.text[m.end() :], maxsplit=1)[0]
            if re.search(
                rf"(?:{_OP_RE})|[<>=\d]|\b(?:of|at|between|sort|sorted|order|rank)", clause
            ):
                continue  # "cost per kg is above 3": a condition on the rate, not placed here
            a = self._column_before(m.end("a"), "numeric", 2)
            per = self._unit_column(m["unit"])
            if a is None or per is None or a[1] == per or not self.cov.free(a[0], m.end()):
                continue
            left = (
                f"{self._use(a[1])} * 1.0"
                if _whole(a[1].column) and _whole(per.column)
                else self._use(a[1])
            )
            sql = f"{left} / {self._use(per)}"
            label = f"{a[1].column.name}_per_{m['unit']}"
            self._add_computed(a[0], m.end(), sql, label, f"{a[1].column.name} / {per.column.name}")

    def _moment_at(self, start: int) -> tuple[int, Ref] | None:
        """The date column the words at ``start`` name: by its name ("shipped_at"), or by the
        verb or noun of the event ("shipped", "delivery") of the tables the intent reads."""
        found = self._column_after(start, "temporal", 2)
        if found is not None:
            return found
        word = re.match(r"[a-z_]+", self.text[start:])
        ref = self._date_verb(word[0]) if word else None
        return (start + len(word[0]), ref) if word and ref is not None else None

    def _restated(self, start: int, end: int, sql: str) -> bool:
        """The words [start, end) say again a computed column already placed ("gross_total
        (total incl. 19% VAT, i.e. total * 1.19)"): placed with it, and True."""
        if not any(out.sql == sql for out in self._computed_cols):
            return False
        lead = re.search(r"(?:,\s*)?\b(?:i\.e\.?|ie|that\s+is|meaning|=)\s*$", self.text[:start])
        self.cov.take(lead.start() if lead else start, end)
        closing = re.match(r"\s*\)", self.text[end:])
        if closing:
            self.cov.take(end, end + closing.end())
        return True

    def _duration_unit(self) -> tuple[str, int, int] | None:
        """The one unit a duration is asked in ("the transit time in hours"), and its words."""
        found = [
            m
            for m in re.finditer(r"\b(?:in\s+)?(hours?|days?|minutes?|seconds?)\b", self.text)
            if self._free(m)
        ]
        if len({m[1].rstrip("s") for m in found}) != 1:
            return None
        return found[0][1].rstrip("s") + "s", found[0].start(), found[0].end()

    def _add_computed(
        self, start: int, end: int, sql: str, label: str, said: str, named_only: bool = False
    ) -> None:
        """A computed column from the words [start, end), named by the words before it ("a
        line total, quantity times unit price") or after it ("… as weighted_cost"); with
        ``named_only``, nothing unless so named."""
        name = None
        before = self.text[:start]
        named = re.search(
            r"(?:an?\s+|the\s+|its\s+|their\s+)?((?:[a-z_]+\s+){0,3}[a-z_]+)(?:\s+(?:column|field))?(?:\s*\((?:in\s+)?(?:hours|days|minutes|seconds)\))?\s*(?:\(\s*=|,|:|=|\(|\bequal\s+to\b|\bequals\b|\bof\b|\bas\b|\bbeing\b|\bcomputed as\b|\bcalculated as\b|\bdefined as\b|\bwhich is\b|,?\s*\bi\.e\.|,?\s*\bthat is\b)\s*(?:the\s+|its\s+|their\s+)?$",  # noqa: E501
            before,
        )
        after = re.match(
            r"\s*(?:\)\s*)?(?:as|called|named)\s+(?:the\s+)?([a-z_]+(?:\s+[a-z_]+)?)",
            self.text[end:],
        )
        called = after and next(
            (w for w in (after[1], after[1].split()[0]) if self._new_name(w)), None
        )
        if after and called:
            name = called
            end += after.start(1) + len(called)
        elif named and self.cov.free(named.start(1), named.end(1)):
            # the words just before the definition, after any word that is no name's
            cut = re.match(
                r"(?:.*\b(?:with|and|plus|including|add|adding|a|an|the|by|for|each|every|of"
                rf"|in|from|per(?!\s+(?:{_UNITS}|unit|item|piece)))\s+)?(.+)",
                re.sub(r"\s+in\s+(?:hours|days|minutes|seconds)$", "", named[1]),
            )
            words = re.sub(
                r"\s+(?:computed|calculated|defined|being|which)$",
                "",
                cut[1] if cut else named[1],
            )
            if self._new_name(words):
                name = words
                start = named.start(1) + named[1].rfind(words)
                closing = re.match(r"\s*\)", self.text[end:])
                if closing:
                    end += closing.end()
        if name is None and named_only:
            return
        label = "_".join(name.split()) if name else label
        out = Out(sql, label)
        self._computed_cols.append(out)
        self._computed_spans.append((start, end, out))
        self.cov.take(start, end)
        self._take_lead(start)  # "order items plus line_total = …", "add cost_per_kg (…)"
        self.q.say("computed", self.text[start:end], f"Computes {label} = {said or sql}", sql)

    def _new_name(self, words: str) -> bool:
        """Words that may name a new column: not a table's or a column's name, nor a word that
        says what to do (an aggregate, a grouping)."""
        rate = re.sub(rf"\bper\s+(?:{_UNITS}|unit|item|piece)", "", words)  # "cost per kg"
        if re.match(rf"(?:{_AGG_WORDS})\b", words) or re.search(
            r"\b(?:per|by|each|every|group(?:ed)?|breakdown|split|across)\b", rate
        ):
            return False
        said = words.split()
        if self.cat.table_named(said[-1]) is not None or any(
            self.cat.values_named(w, self.cat.datasets) for w in said
        ):  # "delivered shipments: total cost" is a condition and a table, not a name
            return False
        return self.cat.table_named(words) is None and not self._is_column_name(words)

    def _is_column_name(self, words: str) -> bool:
        """True when the words are a column's name, or a table's and its column's ("carrier
        name"); a near miss ("loan time" for loaned_at) is no column's name."""
        for r in self.cat.columns_named(words, self.prefer):
            forms = column_forms(r.column)
            head, _, rest = words.partition(" ")
            if words in forms or (rest in forms and self.cat.table_named(head) is r.dataset):
                return True
        return False

    def _measure(self, words: str) -> tuple[str, str, str] | None:
        """(SQL, name, words used) of what an aggregate reads: a column, a computed column, or
        a money word (revenue) over the table's amounts."""
        words = words.strip()
        shared = re.match(
            rf"(?:and|or|,|/|\+|&)\s*(?:the\s+)?(?:{_AGG_WORDS})\s+(?:of\s+)?(?:the\s+)?", words
        )
        skipped = shared.end() if shared else 0  # "smallest and largest order total"
        if skipped:
            found = self._measure(words[skipped:])
            return (found[0], found[1], words[:skipped] + found[2]) if found else None
        for out in self._computed_cols:
            if words.startswith(out.name.replace("_", " ")) or words.startswith(out.name):
                return out.sql, out.name, out.name.replace("_", " ")
        tokens = words.split()
        for first in (0, 1):  # "shipping cost": a word of kind before the column
            for n in range(min(3, len(tokens) - first), 0, -1):
                phrase = " ".join(tokens[first : first + n])
                refs = [
                    r
                    for r in self.cat.columns_named(phrase, self.prefer)
                    if self._kind(r, "numeric")
                ]
                if refs:
                    ref = self._pick(refs, phrase)
                    return self._use(ref), ref.column.name, " ".join(tokens[: first + n])
        if tokens and re.fullmatch(
            r"revenue|sales|turnover|spend(?:ing)?|income|value|amount", tokens[0]
        ):
            computed = self._computed_cols
            if computed:
                return computed[0].sql, tokens[0], tokens[0]
            d = self.q.root
            qty = [c for c in d.columns if c.name.lower() in ("quantity", "qty")]
            price = [c for c in d.columns if "price" in c.name.lower() and is_numeric(c)]
            if qty and price:
                sql = f"{self._use(Ref(d, qty[0]))} * {self._use(Ref(d, price[0]))}"
                return sql, tokens[0], tokens[0]
            money = self._revenue(d)
            if money is not None:
                return self._use(money), tokens[0], tokens[0]
        return None

    def _computed_at(self, pos: int) -> tuple[Out, bool] | None:
        """The computed column whose words start at ``pos`` (and whether it was named)."""
        for start, end, out in self._computed_spans:
            if start <= pos < end or start == pos:
                return out, not re.search(r"_(?:times|per|plus|minus)_", out.name)
        return None

    def _condition_words(self, words: str, d: DatasetSchema) -> bool:
        """Words before a table's name that a later piece places as a condition on it: one of
        its values ("purchase events"), or its boolean column ("fragile parcels")."""
        if self.cat.values_named(words, [d]):
            return True
        bare = re.sub(r"^(?:not\s+|non-?|un)", "", words)
        return any(
            is_boolean(c) and c.name.lower().removeprefix("is_").removeprefix("has_") == bare
            for c in d.columns
        )

    def _counted(self, m: re.Match[str]) -> tuple[DatasetSchema | None, int, re.Match[str] | None]:
        """What a bare "count" counts: the table named just before it ("order count"), else
        the rows read when the count stands alone ("count and average total", "with a count")."""
        if not m["agg"].startswith("count"):
            return None, m.start(), None
        top = getattr(self, "_top_request", None)
        ranked = top[0].groupdict().get("measure") if top else None
        if ranked and self.cat.table_named(ranked.split()[-1]) not in (None, self.q.root):
            # "3 warehouses with most shipments + their code and count": the shipments
            return self.cat.table_named(ranked.split()[-1]), m.start(), None
        before = re.search(r"\b([a-z_]+)\s+$", self.text[: m.start()])
        if before is not None and self.cov.free(before.start(1), before.end(1)):
            d = self.cat.table_named(before[1])
            if d is not None:
                return d, before.start(1), None
        if re.match(r"\s*(?:$|[,;:.)]|and\b|or\b|per\b|by\b|for\b)", self.text[m.end("agg") :]):
            return self.q.root, m.start(), None
        return None, m.start(), None

    def _distinct_words(self, rest: str) -> re.Match[str] | None:
        """ "distinct destination countries": the longest words after distinct/unique/different
        that name a table or a column (group 1); the first word when none does."""
        for n in (3, 2, 1):
            m = re.match(
                rf"(?:distinct|unique|different)\s+((?:[a-z_]+\s+){{{n - 1}}}[a-z_]+)", rest
            )
            if m and (self.cat.table_named(m[1]) or self.cat.columns_named(m[1], self.prefer)):
                return m
        return re.match(r"(?:distinct|unique|different)\s+([a-z_]+)", rest)

    def _implicit_count(self, aggregates: list[tuple[int, int, Out]], top: object) -> None:
        """ "orders per customer country": the rows read, counted per group."""
        if aggregates or top is not None or self.q.one_per is not None:
            return
        q = self.q
        for start, end, d in self.mentions:
            if d is not q.root or not self.cov.free(start, end):
                continue
            lead = re.search(
                r"\b(?:breakdown|split|distribution|(?P<qty>qty|quantity))\s+of\s+(?:the\s+)?$",
                self.text[:start],
            )
            if lead and lead["qty"] and self.cat.columns_named(lead["qty"], self.prefer):
                lead = None  # "quantity of order items": their quantity column, or a count?
            if re.match(
                r"\s+(?:per|for\s+each|for\s+every|grouped\s+by|broken\s+down\s+by)\s",
                self.text[end:],
            ) or (lead and re.match(r"\s+(?:by|per)\s", self.text[end:])):
                # "orders per customer country", "breakdown of orders by customer country"
                start = lead.start() if lead else start
                aggregates.append((start, end, Out("count(*)", f"{singular(d.table)}_count")))
                self.cov.take(start, end)
                return

    def _superlative_measure(self, agg: str, rest: str) -> tuple[str, str, str] | None:
        """ "the lightest and heaviest parcel": the measure the adjective names, of the rows."""
        shared = re.match(rf"(?:and|or|,|/)\s*(?:the\s+)?(?:{_AGG_WORDS})\s+", rest.strip())
        words = rest.strip()[shared.end() if shared else 0 :]
        table = re.match(r"[a-z_]+", words)
        ref = self._measure_of(agg)
        if table is None or ref is None or self.cat.table_named(table[0]) is not self.q.root:
            return None
        used = (
            rest[: len(rest) - len(rest.lstrip())] + rest.strip()[: len(rest.strip()) - len(words)]
        )
        return self._use(ref), ref.column.name, used + table[0]

    def _aggregates(self) -> None:
        q = self.q
        aggregates: list[tuple[int, int, Out]] = []
        top = getattr(self, "_top_request", None)
        for pattern, fn in _AGGS:
            for m in re.finditer(
                # the rest is looked at, not consumed: "avg weight_kg and avg cost" is two
                rf"\b(?P<agg>{pattern})\b(?:\s*\(|\s+(?:the|of|all)\b)*\s*(?=(?P<rest>[a-z_ ']*))",
                self.text,
            ):
                if not self.cov.free(m.start(), m.end("agg")):
                    continue
                if m["agg"] == "total" and re.search(
                    rf"\b(?:{_AGG_WORDS})\s+$", self.text[: m.start()]
                ):
                    continue  # "min total": the column total, not a sum
                if top is not None and top[0].start() <= m.start() < self._top_measure_start(
                    top[0]
                ):
                    continue  # "top 5", "with the highest": the ranking's words
                rest = m["rest"]
                first = m.start()
                inside = self._computed_at(m.start("rest"))
                if inside is not None and fn != "count":
                    out, named = inside  # "sum of quantity times unit price", "sum(a * b) as x"
                    prefix = {"sum": "total", "avg": "avg", "max": "max", "min": "min"}[fn]
                    out = Out(f"{fn}({out.sql})", out.name if named else f"{prefix}_{out.name}")
                    end = m.start("rest")
                elif fn == "count":
                    distinct = self._distinct_words(rest)
                    if distinct:
                        refs = self.cat.columns_named(distinct[1], self.prefer)
                        d = self.cat.table_named(distinct[1])
                        if d is not None and d is not q.root and self.cat.references(q.root, d):
                            edge = self.cat.references(q.root, d)[0]
                            col = f"{q.root.dataset}.{edge.child_column}"
                            out = Out(f"count(DISTINCT {col})", f"{singular(distinct[1])}_count")
                        elif refs:
                            out = Out(
                                f"count(DISTINCT {self._use(refs[0])})",
                                f"{refs[0].column.name}_count",
                            )
                        else:
                            continue
                        end = m.start("rest") + distinct.end()
                    else:
                        word = re.match(r"[a-z_]+", rest)
                        d = self.cat.table_named(word[0]) if word else None
                        if d is None:  # "number of purchase events": a value, then the table
                            word = re.match(r"(?:[a-z_]+\s+){1,2}?([a-z_]+)", rest)
                            d = self.cat.table_named(word[1]) if word else None
                            if word is not None and d is not None:
                                inner = m.start("rest") + word.start(1)
                                said = rest[: word.start(1)].strip()
                                if not self._condition_words(said, d):
                                    d = None
                                else:
                                    self.cov.take(inner, m.start("rest") + word.end())
                                    end = m.start("rest") + word.start(1) - 1
                        if d is None or word is None:
                            # "order count", "shipment count"; "count and average total": rows
                            d, first, word = self._counted(m)
                            if d is None:
                                continue
                        if d is not q.root:
                            q.counted.append(d)
                            counted_words = f"{m.group(0).strip()} {rest.strip()}"
                            q.ambiguous.append(
                                f"'{counted_words}' counts {d.table}, but the rows read are "
                                f"{q.root.table}"
                            )
                        out = Out("count(*)", f"{singular(d.table)}_count")
                        if word is None:
                            end = m.end("agg")
                        elif word.lastindex is None:
                            end = m.start("rest") + word.end()
                        else:
                            end = m.start("rest")  # the value words are placed by _values
                else:
                    measure = self._measure(rest) or self._superlative_measure(m["agg"], rest)
                    listed = re.match(r"\s*,", self.text[m.end("agg") :])
                    if measure is None and not rest.strip() and listed:
                        shared = self._measure(self.text[m.end("agg") :])  # "min, max and avg …"
                        measure = (shared[0], shared[1], "") if shared else None
                    if measure is None:
                        continue
                    sql, name, used = measure
                    rows = "|".join(re.escape(f) for f in self.cat.forms(q.root))
                    if fn in ("max", "min") and re.match(
                        rf"\s+(?:{rows})\b", self.text[m.start("rest") + len(used) :]
                    ):  # "max weight parcel of each shipment": that parcel, or the weight?
                        q.ambiguous.append(f"'{m.group(0)}{used}': the row, or the {fn}?")
                    prefix = {"sum": "total", "avg": "avg", "max": "max", "min": "min"}[fn]
                    label = (
                        name
                        if (fn == "sum" and name in ("revenue", "sales", "turnover"))
                        else f"{prefix}_{name}"
                    )
                    out = Out(f"{fn}({sql})", label)
                    end = m.start("rest") + len(used)
                if re.match(r"\s*(?:(?:and|or)\b|,|/|\+|&)\s*(?:the\s+)?[a-z]", rest):
                    end = m.start("rest")  # "lightest and heaviest weight"
                computed = [c.sql for c in self._computed_cols]
                if fn != "count" and out.sql[len(fn) + 1 : -1] in computed:
                    end = max(m.end("agg"), m.start("rest"))  # computed words: placed already
                if not self.cov.free(first, end):
                    continue
                title = re.search(  # "weighted_cost = sum of …", "weighted cost per x: sum …"
                    r"(?:^|[\s,;(])([a-z_]+(?:\s+[a-z_]+)?)(?:\s+(?:per|by|for\s+each)\s+[a-z_]+)?"
                    r"\s*(?:=|:|\(|\bis\b|\bbeing\b|\bas\b)\s*(?:the\s+)?$",
                    self.text[:first],
                )
                if title and self.cov.free(*title.span(1)) and self._new_name(title[1]):
                    out.name = "_".join(title[1].split())
                    self.cov.take(*title.span(1))
                aggregates.append((first, end, out))
                self.cov.take(first, end)
        for m in re.finditer(r"\b(?:summed(?:\s+up)?|totall?ed(?:\s+up)?|added\s+up)\b", self.text):
            found = self._column_before(m.start(), "numeric", 3) if self._free(m) else None
            if found is not None:  # "sales amount summed per country": a sum said after
                start, ref = found
                out = Out(f"sum({self._use(ref)})", f"total_{ref.column.name}")
                aggregates.append((start, m.end(), out))
                self.cov.take(start, m.end())
        self._implicit_count(aggregates, top)
        # "revenue per product" without sum: a money word next to a grouping
        money = re.search(r"\b(revenue|sales|turnover)\b", self.text)
        if money and any(s <= money.start() < e for s, e, _ in self.mentions):
            money = None
        if (
            money
            and self.cov.free(*money.span())
            and (
                aggregates
                or re.search(r"\b(?:per|by|for each|each)\b", self.text)
                or getattr(self, "_top_request", None)
            )
        ):
            measure = self._measure(money[1])
            if measure is not None:
                aggregates.append((money.start(), money.end(), Out(f"sum({measure[0]})", money[1])))
                self.cov.take(*money.span())
        for start, end, out in self._computed_spans:  # "revenue = quantity * unit_price summed"
            summed = re.match(r"\s*,?\s*(?:summed|totall?ed|added\s+up)\b", self.text[end:])
            if summed and not any(o.sql == f"sum({out.sql})" for _, _, o in aggregates):
                aggregates.append((start, end + summed.end(), Out(f"sum({out.sql})", out.name)))
                self.cov.take(end, end + summed.end())
        for start, end, out in self._computed_spans:  # "revenue (qty x unit price) per category"
            if (
                not aggregates
                and out.name in ("revenue", "sales", "turnover")
                and (re.search(r"\b(?:per|by|for each|each)\b", self.text) or top is not None)
            ):
                aggregates.append((start, end, Out(f"sum({out.sql})", out.name)))
        if not aggregates and top is None:
            return
        if top is not None and not aggregates:
            if self._top_by_verb_or_adjective(top):
                return
            # "the 5 most expensive products by price": a plain ordering of rows
            m, n, desc = top
            if not m.groupdict().get("measure"):
                return
            found = self._column_after(m.start("measure"), "numeric", 3)
            if found is None:
                return
            entity = self.cat.table_named(m["ent"]) if m["ent"] else None
            summed = re.match(r"(?:the\s+)?(?:total|sum\s+of)\b", m["measure"]) or re.search(
                r"\bselling\b", m.group(0)
            )  # "the 5 best selling products by quantity": the units of their sales, summed
            if (
                entity is not None
                and found[1].dataset is not entity
                and self.cat.references(found[1].dataset, entity)
                and summed
                and self.aggregate_ok
            ):  # "top 5 customers by total order value": the sum of their orders' totals
                col = found[1].column.name
                agg = Out(
                    f"sum({self._use(found[1])})",
                    col if col.startswith("total") else f"total_{col}",
                )
                q.aggregates.append(agg)
                self._group_entity(entity, m.start("ent"), m.end("ent"), label_too=True)
                q.order.append(f"{agg.name} {'DESC' if desc else 'ASC'}")
                q.limit = n
                self.cov.take(m.start(), max(found[0], m.end("measure")))
                q.say(
                    "aggregate",
                    m.group(0),
                    f"Computes {agg.name} as {agg.sql} per {entity.table}",
                    f"{agg.sql} AS {agg.name} ORDER BY {agg.name} LIMIT {n}",
                )
                return
            q.order.append(f"{self._use(found[1])} {'DESC' if desc else 'ASC'}")
            q.limit = n
            self.cov.take(m.start(), found[0])
            q.say(
                "order",
                m.group(0),
                f"Keeps the {n} rows with the {'highest' if desc else 'lowest'} {found[1].column.name}",  # noqa: E501
                f"ORDER BY {found[1].sql} {'DESC' if desc else 'ASC'} LIMIT {n}",
            )
            return
        if not self.aggregate_ok:
            return
        aggregates.sort(key=lambda x: x[0])
        self._aggregate_spans = aggregates
        if top is not None:  # not a grouping ("by revenue"); given back if nothing is ranked
            self.cov.take(top[0].start(), top[0].end())
        self._group_by()
        names: set[str] = set()
        same: dict[str, Out] = {}
        for start, end, out in list(aggregates):  # "revenue …, as the sum of quantity times price"
            if out.sql in same:
                aggregates.remove((start, end, out))
                if out.name in ("revenue", "sales", "turnover"):
                    same[out.sql].name = out.name
            else:
                same[out.sql] = out
        for start, end, out in aggregates:
            base, i = out.name, 2
            while out.name in names:
                out.name, i = f"{base}_{i}", i + 1
            names.add(out.name)
            q.aggregates.append(out)
            q.say(
                "aggregate",
                self.text[start:end],
                f"Computes {out.name} as {out.sql}",
                f"{out.sql} AS {out.name}",
            )
        called = re.search(  # "sum of cost*weight_kg per warehouse_id, called weighted_cost"
            r"(?:,\s*)?\b(?:called|named|labell?ed|aliased(?:\s+as)?)\s+([a-z_]+)\b", self.text
        )
        if called and len(q.aggregates) == 1 and self._free(called) and self._new_name(called[1]):
            q.aggregates[0].name = called[1]
            self.cov.take_match(called)
        for a in q.aggregates:
            for m2 in re.finditer(
                rf"\b(?:(?:with|and|including|plus|showing)\s+)?(?:the\s+|their\s+|its\s+)?(?:{re.escape(a.name.replace('_', ' '))}|{re.escape(a.name)})\b",  # noqa: E501
                self.text,
            ):
                if self.cov.free(*m2.span()):
                    self.cov.take_match(m2)
        if top is not None:
            m, n, desc = top
            wanted = (m.groupdict().get("measure") or "").strip()
            target = next(
                (
                    a
                    for a in q.aggregates
                    if a.name.replace("_", " ") in wanted
                    or wanted.startswith(a.name.split("_")[-1])
                    or (  # "with most shipments": the shipments counted
                        wanted
                        and (d := self.cat.table_named(wanted.split()[-1])) is not None
                        and a.name == f"{singular(d.table)}_count"
                    )
                ),
                None,
            )
            ranked = (self._top_measure_start(m), m.end("measure") if wanted else m.end())
            if target is None:  # the aggregate computed from the ranking's own words
                target = next(
                    (a for s, e, a in aggregates if s < ranked[1] and e > ranked[0]), None
                )
            if target is None and len(q.aggregates) == 1 and not wanted:
                target = q.aggregates[0]
            if target is None:  # the ranking's words were not understood: unresolved
                self.cov.taken.remove((top[0].start(), top[0].end()))
            if target is not None:
                q.order.append(f"{target.name} {'DESC' if desc else 'ASC'}")
                q.limit = n
                self.cov.take(m.start(), m.end())
                if m["ent"] and not q.groups:
                    d = self.cat.table_named(m["ent"])
                    if d is not None:
                        self._group_entity(d, m.start("ent"), m.end("ent"), label_too=True)
                    else:  # "the 3 categories with the lowest revenue": a column's values
                        self._group_by_values(m["ent"], m.start("ent"), m.end("ent"))
                elif not q.groups:  # "products: top 10 by revenue": the one table named
                    entities = {
                        t.dataset: (s, e, t)
                        for s, e, t in self.mentions
                        if t is not q.root and self.cat.references(q.root, t)
                    }
                    if len(entities) == 1:
                        s, e, t = next(iter(entities.values()))
                        self._group_entity(t, s, e, label_too=True)
                if not q.groups:  # the top groups of what? not understood
                    q.ambiguous.append(f"'{m.group(0)}': the top {n} of what?")
                q.say(
                    "order",
                    m.group(0),
                    f"Keeps the {n} groups with the {'highest' if desc else 'lowest'} {target.name}",  # noqa: E501
                    f"ORDER BY {target.name} {'DESC' if desc else 'ASC'} LIMIT {n}",
                )

    def _aggregate_said_again(self) -> None:
        """ "… by the sum of their order totals; give me their id, name and the total they
        spent": the one sum, named again by its column, "sum", or what was spent; "with that
        average": the one aggregate of that function."""
        q = self.q
        for m in re.finditer(
            r"\b(?:that|this|these|those)\s+(?P<agg>average|avg|mean|sum|total|count|number"
            r"|maximum|max|minimum|min)s?\b",
            self.text,
        ):
            fn = next(f for p, f in _AGGS if re.fullmatch(p, m["agg"].replace("number", "count")))
            if self._free(m) and sum(a.sql.startswith(f"{fn}(") for a in q.aggregates) == 1:
                self.cov.take_match(m)
        if len(q.aggregates) != 1 or not q.aggregates[0].sql.startswith("sum("):
            return
        summed = q.aggregates[0].sql[len("sum(") : -1]
        for m in re.finditer(
            r"\b(?:the|that|this)\s+(?P<word>[a-z_]+)(?P<verb>\s+(?:they|it|he|she|we)\s+"
            r"(?:spent|paid|made|earned|generated|brought\s+in))?\b",
            self.text,
        ):
            if not self._free(m):
                continue
            word = m["word"]
            named = any(r.sql == summed for r in self.cat.columns_named(word, self.prefer))
            if word == "sum" or (m["verb"] and word in ("total", "amount")) or named:
                self.cov.take_match(m)

    def _group_by_values(self, words: str, start: int, end: int) -> None:
        """Group by the text column whose values ``words`` name ("categories": category)."""
        refs = [
            r
            for r in self.cat.columns_named(words, self.prefer)
            if not is_numeric(r.column) and not is_temporal(r.column)
        ]
        if not refs:
            return
        ref = self._pick(refs, words)
        self.q.groups.append(Out(self._use(ref), ref.column.name, ref))
        self._place("group", start, end, f"One row per {ref.label}", f"GROUP BY {ref.sql}")

    def _group_entity(
        self, d: DatasetSchema, start: int, end: int, *, label_too: bool = False
    ) -> None:
        """Group by a table: its reference on the root (``customer_id``) or its id, with its
        name when it has one."""
        q = self.q
        if d is q.root:
            key = next((c for c in d.columns if c.name.lower() == "id"), None)
            if key is None:
                return
            ref = Ref(d, key)
            q.groups.append(
                Out(self._use(ref), f"{singular(d.table)}_id" if False else key.name, ref)
            )
        else:
            edges = self.cat.references(q.root, d)
            label = next(
                (
                    c
                    for c in d.columns
                    if c.name.lower() in ("name", "title", f"{singular(d.table)}_name")
                ),
                None,
            )
            named = re.search(r"\b(?:name|names|title|titles)\b", self.text)
            if label is not None and named and self.cov.free(*named.span()):
                self.cov.take_match(named)
                self._take_lead(named.start())
            elif not label_too:
                label = None
            if edges and label is None:
                col = next(c for c in q.root.columns if c.name == edges[0].child_column)
                ref = Ref(q.root, col)
                q.groups.append(Out(ref.sql, col.name, ref))
            else:
                key = next((c for c in d.columns if c.name.lower() == "id"), None)
                if key is None:
                    return
                ref = Ref(d, key)
                q.groups.append(Out(self._use(ref), f"{singular(d.table)}_id", ref))
                if label is not None:
                    lref = Ref(d, label)
                    q.groups.append(
                        Out(
                            self._use(lref),
                            label.name if label.name != "name" else f"{singular(d.table)}_name",
                            lref,
                        )
                    )
        self.cov.take(start, end)
        q.say(
            "group",
            self.text[start:end],
            f"One row per {singular(d.table)}",
            "GROUP BY " + ", ".join(g.sql for g in q.groups),
        )

    def _group_by(self) -> None:
        q = self.q
        for grain, pattern in _GRAIN.items():
            m = re.search(rf"\b(?:{pattern})\b", self.text)
            if m and self.cov.free(*m.span()):
                date = self._grain_date(m)
                if date is None:
                    continue
                sql = f"CAST(date_trunc('{grain}', {self._use(date)}) AS DATE)"
                q.groups.append(Out(sql, grain))
                self.cov.take_match(m)
                q.say(
                    "group",
                    m.group(0),
                    f"One row per {grain} of {date.column.name}",
                    f"GROUP BY {sql}",
                )
        for m in re.finditer(
            r"\b(?:per|by|for each|for every|each|grouped by|group by|broken down by|split by|across)\s+(?:the\s+|its\s+|their\s+)?",  # noqa: E501
            self.text,
        ):
            if not self.cov.free(m.start(), m.end()):
                continue
            end = self._group_at(m.end(), m.start())
            if end is None:
                continue
            more = re.match(_MORE_GROUPS, self.text[end:])
            while more is not None:  # "per country and status", "per warehouse and status"
                then = self._group_at(end + more.end(), end)
                if then is None:
                    break
                end = then
                more = re.match(_MORE_GROUPS, self.text[end:])
        for m in re.finditer(r"\s+(?:breakdown|split)\b", self.text):  # "order status breakdown"
            found = self._column_before(m.start(), "", 3)
            if found is not None and self.cov.free(m.start(), m.end()):
                start, ref = found
                q.groups.append(Out(self._use(ref), ref.column.name, ref))
                self._place("group", start, m.end(), f"One row per {ref.label}", ref.sql)

    def _grain_date(self, grain: re.Match[str]) -> Ref | None:
        """The date column a grain ("monthly", "per year") is of: named after a by/of/on
        ("per month of placed_at", "monthly count … (by delivered_at)"), else the table's own
        date; None, with the doubt said, when the words name two or another date may be meant
        ("shipments delivered per year": of created_at or of delivered_at?)."""
        q = self.q
        named: dict[str, tuple[Ref, list[tuple[int, int]]]] = {}
        lead = r"(?<!sorted )(?<!ordered )\b(?:of|by|on|using|based\s+on|going\s+by)\s+(?:the\s+)?"
        for m in re.finditer(lead, self.text):
            if not self._free(m):
                continue
            found = self._column_after(m.end(), "temporal", 3)
            if found is None or found[1].dataset is not q.root:
                continue
            end = found[0] + (len(c[0]) if (c := re.match(r"\s*\)", self.text[found[0] :])) else 0)
            spans = [*named.get(found[1].column.name, (None, []))[1], (m.start(), end)]
            named[found[1].column.name] = (found[1], spans)
        if len(named) > 1:
            q.ambiguous.append(f"'{grain[0]}': of {' or '.join(named)}?")
            return None
        if named:
            chosen, spans = next(iter(named.values()))
            for span in spans:
                self.cov.take(*span)
            return chosen
        ref = self._date_of(q.root)
        other = self._other_date(ref)
        if ref is not None and other is not None:
            q.ambiguous.append(f"'{grain[0]}': of {ref.column.name} or {other}?")
            return None
        return ref

    def _group_at(self, pos: int, start: int) -> int | None:
        """A group key named at ``pos`` (a column, a table, or "user" for the root's user_id):
        grouped by, its words from ``start`` placed; the end of its words, None if none."""
        q = self.q
        found = self._column_after(pos, "", 3)
        word = re.match(r"([a-z_]+)(?:'s)?", self.text[pos:])
        d = self.cat.table_named(word[1]) if word else None
        if d is not None and not self.cov.free(pos, pos + word.end()):  # type: ignore[union-attr]
            d = None
        if found is not None and (d is None or found[0] > pos + word.end()):  # type: ignore[union-attr]
            end, ref = found
            name = ref.column.name
            if ref.dataset is not q.root and name.lower() in {g.name for g in q.groups}:
                name = f"{singular(ref.dataset.table)}_{name}"
            q.groups.append(Out(self._use(ref), name, ref))
            self._place("group", start, end, f"One row per {ref.label}", f"GROUP BY {ref.sql}")
            return end
        if d is not None and word is not None:
            self.cov.take(start, pos)
            self._group_entity(d, pos, pos + word.end())
            return pos + word.end()
        if word is not None:  # "per user": the root's user_id
            col = next(
                (c for c in q.root.columns if c.name.lower() == f"{singular(word[1])}_id"),
                None,
            )
            if col is not None and self.cov.free(pos, pos + word.end()):
                ref = Ref(q.root, col)
                q.groups.append(Out(ref.sql, col.name, ref))
                end = pos + word.end()
                self._place("group", start, end, f"One row per {col.name}", f"GROUP BY {ref.sql}")
                return end
        return None

    def _periods(self) -> None:
        q = self.q
        self._dated: list[tuple[Ref, str | None, str | None]] = []  # the periods placed
        for p in dates.periods(self.text):
            if not self.cov.free(p.start, p.end):
                continue
            if p.doubt:
                q.ambiguous.append(p.doubt)
                self.cov.take(p.start, p.end)
                continue
            if p.restates:  # "H1 2024, i.e. 1 Jan to 30 Jun 2024"
                self._place("filter", p.start, p.end, f"'{p.words}' says the period again", "")
                continue
            self._undated = ""
            start, ref = self._date_column(p.start)
            end, named = self._date_after(p.end)
            if ref is not None and named is not None and named != ref:
                q.ambiguous.append(f"'{p.words}': of {ref.column.name} or {named.column.name}?")
                continue
            ref = ref or named
            if ref is None:
                ref = self._date_of(q.root)
                dated = {r for r in (self._date_of(d) for d in self._parents()) if r is not None}
                if (
                    ref is None
                    and not any(is_temporal(c) for c in q.root.columns)
                    and len(dated) == 1
                ):
                    ref = dated.pop()  # "order items from 2024": the date of their order
                other = self._other_date(ref) or self._valued_verb(start)
                if self._undated:  # "shipments that went out in Q2 2024"
                    other = other or f"the date '{self._undated}' says"
                if ref is not None and other is not None:  # "delivered shipments in March 2024"
                    q.ambiguous.append(f"'{p.words}': of {ref.column.name} or {other}?")
                    self.cov.take(p.start, p.end)
                    continue
            if ref is None:
                q.ambiguous.append(f"'{p.words}': which date column of {q.root.table} is meant?")
                continue
            if any(r == ref and _disjoint((lo, hi), (p.lo, p.hi)) for r, lo, hi in self._dated):
                # "2024-02-11..2024-03-16" read as two days: no row is on both
                q.ambiguous.append(f"'{p.words}': no {ref.column.name} is in both periods")
                continue
            self._dated.append((ref, p.lo, p.hi))
            sql = self._use(ref)
            ranges = []
            for lo, hi in [(p.lo, p.hi), *p.also]:
                parts = [f"{sql} >= {lo}"] if lo else []
                parts += [f"{sql} < {hi}"] if hi else []
                ranges.append(" AND ".join(parts))
            cond = " OR ".join(f"({r})" for r in ranges) if len(ranges) > 1 else ranges[0]
            q.where.append(f"({cond})" if len(ranges) > 1 else cond)
            self._place(
                "filter",
                start,
                end,
                f"Keeps rows whose {ref.column.name} is {p.words}",
                cond,
            )

    def _date_after(self, end: int) -> tuple[int, Ref | None]:
        """The date column named after a period: "H2 2023 shipments by creation date",
        "in March 2024 (by delivered_at)"; (end, None) when none is."""
        tail = self.text[end:]
        table = next((e for s, e, d in self.mentions if s == end + 1 and d is self.q.root), None)
        skip = (table - end) if table is not None else 0
        lead = re.match(
            r"\s*,?\s*\(?\s*(?:by|on|using|based\s+on|according\s+to|going\s+by|per)\s+"
            r"(?:the\s+|their\s+|its\s+)?",
            tail[skip:],
        )
        if lead is None:  # "2022 signups", "March 2024 deliveries"
            noun = re.match(r"\s+([a-z_]+)\b", tail[skip:])
            ref = self._date_verb(noun[1]) if noun and not skip else None
            return (end + noun.end(), ref) if noun and ref else (end, None)
        at = end + skip + lead.end()
        found = self._column_after(at, "temporal", 3)
        if found is None:
            word = re.match(rf"([a-z_]+)(?:\s+(?:{_DATE_NOUNS}))?\b", self.text[at:])
            ref = self.cat.date_named(word[1], self.q.root) if word else None
            found = (at + word.end(), ref) if word and ref else None
        if found is None:
            return end, None
        closing = re.match(r"\s*\)", self.text[found[0] :]) if "(" in lead[0] else None
        return found[0] + (closing.end() if closing else 0), found[1]

    def _date_column(self, start: int) -> tuple[int, Ref | None]:
        """The date column named by the words before a period at ``start``: a column
        ("whose delivered_at is", "with a delivery date"), or a verb ("shipped", "dispatched",
        "opened", "whose delivery happened"); (start, None) when they name none."""
        head = self.text[:start]
        link = re.search(rf"(?:\s*\b(?:{_LINKS}|date[ds]?|times?|timestamps?|days?)\b)*\s*$", head)
        cut = link.start() if link else start
        found = self._column_before(cut, "temporal", 3)
        if found is not None:
            return found
        # Only the words after the last number or mark: in "qty greater than 3 since 2024", the
        # comparison's "than" says nothing of the date.
        clause = re.search(r"[a-z_\s'-]*$", head[:cut])
        clause_start = clause.start() if clause else cut
        words = list(_WORD.finditer(head, clause_start, cut))[-3:][::-1]
        created = None
        words = [w for w in words if w[0] not in ("up", "out", "in", "off")]  # "sent out in"
        for k, word in enumerate(words):
            if not self.cov.free(word.start(), word.end()):
                continue
            table = next((d for s, e, d in self.mentions if s <= word.start() < e), None)
            if table is not None:  # "shipments in 2024", "events that occurred in": its own date
                if created is not None:
                    return created
                return cut, None if table is self.q.root else self._date_of(table)
            lead = re.search(
                rf"\b(?:(?:with|having|by)\s+(?:an?\s+|the\s+|its\s+|their\s+)?|(?:{_LINKS})\s+)+$",
                head[: word.start()],
            )
            begin = lead.start() if lead else word.start()
            ref = self._date_verb(word[0])
            if ref is not None:
                return begin, ref
            if word[0] in CREATION_VERBS and created is None:  # "orders made in 2024"
                created = (begin, self._date_of(self.q.root))
                continue  # "whose delivery happened in": the word before may say which date
            if k == 0 and created is None:
                # another word just before the date: a verb no date is named after ("went out")
                # leaves the date unknown; a value ("to Germany in 2024") does not
                if word[0] not in FILLER and not self.cat.values_named(word[0], self.prefer):
                    self._undated = word[0]
                break
        return created or (start, None)

    def _valued_verb(self, start: int) -> str | None:
        """ "orders paid in 2024", "shipments lost in 2024": a value said as the verb of a
        period, with no date of its own; the date it happened on is not known."""
        word = re.search(rf"\b([a-z_]+)\s+(?:(?:{_LINKS})\s+)*$", self.text[:start])
        participle = r"[a-z]+ed|paid|lost|sold|sent|bought|held|kept|left|won|shut|done"
        if word is None or word[1] in CREATION_VERBS or not re.fullmatch(participle, word[1]):
            return None
        found = self.cat.values_named(word[1], [self.q.root])
        return f"the date it became {found[0][1]}" if found else None

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

    def _parents(self) -> list[DatasetSchema]:
        """The tables the root's rows refer to (an order item's order and product)."""
        return [
            e.parent for e in self.cat.edges if e.child is self.q.root and e.parent is not e.child
        ]

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

    def _between_numbers(self) -> None:
        for m in re.finditer(
            rf"(?:\b(?P<lead>between|from)\s+)?(?<![\w.-])({_NUM})\s*(?:{_UNITS}\s*)?"
            rf"(?P<join>and|to|-)\s*({_NUM})(?:\s*(?P<unit>{_UNITS}))?(?![\w.-])",
            self.text,
        ):
            if not self._free(m) or (m["join"] == "and" and m["lead"] != "between"):
                continue
            placed = self._compared(m, m.start(), require_said=not m["lead"])
            if placed is None:
                continue
            start, end, ref = placed
            lo, hi = _number(m[2]), _number(m[4])
            cond = f"{self._use(ref)} BETWEEN {lo} AND {hi}"
            self.q.where.append(cond)
            said = f"Keeps rows whose {ref.column.name} is between {lo} and {hi}"
            self._place("filter", start, end, said, cond)

    def _comparisons(self) -> None:
        matches = (
            [
                (m, _OPS[m["op"] or m["sym"]])
                for m in re.finditer(
                    rf"(?:(?<![\w])(?P<op>{_OP_RE})\s+|(?P<sym>>=|<=|!=|<>|>|<|=|≤|≥)\s*)"
                    rf"(?P<num>{_AMOUNT})(?:\s*(?P<unit>{_UNITS}))?(?![\w-])",
                    self.text,
                )
            ]
            + [
                (m, ">" if re.match(_MORE, m["adj"]) else "<")
                for m in re.finditer(
                    rf"(?<![\w])(?P<adj>{_COMPARATIVES})\s+than\s+(?P<num>{_NUM})(?:\s*(?P<unit>{_UNITS}))?(?![\w-])",
                    self.text,
                )
            ]
            + [
                (m, "<=" if re.search(r"less|fewer|below|lower|under|max", m["after"]) else ">=")
                for m in re.finditer(
                    rf"(?<![\w])(?P<num>{_NUM})\s*(?:(?P<unit>{_UNITS})\s*)?(?P<after>{_AFTER_NUMBER})"
                    r"(?![\w])",
                    self.text,
                )
            ]
        )
        placed_ops: list[str] = []
        for m, op in matches:
            if not self._free(m):
                continue
            negated = re.search(r"\bnot\s+(?:be\s+)?$", self.text[: m.start()])
            if negated:
                op = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "<>", "<>": "="}[op]
            if self._having(m, op, negated.start() if negated else m.start()):
                continue
            placed = self._compared(m, negated.start() if negated else m.start())
            if placed is None:
                continue
            start, end, ref = placed
            cond = f"{self._use(ref)} {op} {_number(m['num'])}"
            self.q.where.append(cond)
            placed_ops.append(op)
            said = f"Keeps rows whose {ref.column.name} {op} {_number(m['num'])}"
            self._place("filter", start, end, said, cond)
        # "a total of 500", "quantity 2 or 3": a number right after its column is its value
        for m in re.finditer(
            rf"(?<![\w.$-])(?P<num>{_NUM})(?P<more>(?:\s*(?:,|or)\s*{_NUM})*)(?![\w.%-])"
            rf"(?:\s*{_UNITS})?",
            self.text,
        ):
            found = self._column_before(m.start(), "numeric", 3) if self._free(m) else None
            ranked = re.search(r"\b(?:top|first|last|limit|latest)\s+$", self.text[: m.start()])
            if found is None or ranked:
                continue
            start, ref = found
            values = [_number(v) for v in re.findall(_NUM, m["num"] + m["more"])]
            sql = self._use(ref)
            cond = f"{sql} = {values[0]}" if len(values) == 1 else f"{sql} IN ({', '.join(values)})"
            self.q.where.append(cond)
            said = f"Keeps rows whose {ref.column.name} is {' or '.join(values)}"
            self._place("filter", start, m.end(), said, cond)
        # "big orders: total > 900": the adjective says what the comparison says
        forms = "|".join(re.escape(f) for f in sorted(self.cat.forms(self.q.root), key=len)[::-1])
        for m in re.finditer(rf"\b(?P<adj>{_SIZES})\s+(?:{forms})\b", self.text):
            big = not re.match(_SMALL, m["adj"])
            if self._free(m, "adj") and any(o[0] == (">" if big else "<") for o in placed_ops):
                self.cov.take_match(m, "adj")

    def _having(self, m: re.Match[str], op: str, start_at: int) -> bool:
        """A comparison of an aggregate, kept as a condition on the groups: "with more than 11
        orders" (the grouped rows counted), "where the average cost is above 120" (an aggregate
        of a column). True when the comparison is of an aggregate, placed or not: a count of a
        table's rows, or an aggregate word before the column, never compares a column's rows
        ("more than 11 orders" is no order total over 11)."""
        q = self.q
        rows = re.match(r"\s+([a-z_]+)\b", self.text[m.end() :])
        counted = self.cat.table_named(rows[1]) if rows and not m.groupdict().get("unit") else None
        if counted is not None and rows is not None:
            if counted is not q.root or not q.aggregates:
                return True  # counted per what? its words stay unresolved
            lead = re.search(
                r"\b(?:(?:with|having|that\s+have|that\s+has|who\s+have|who\s+has|which\s+have"
                r"|which\s+has)\s+)?$",
                self.text[:start_at],
            )
            start = lead.start() if lead and lead[0] else start_at
            cond = f"count(*) {op} {_number(m['num'])}"
            q.having.append(cond)
            said = f"Keeps the groups with {op} {_number(m['num'])} {counted.table}"
            self._place("filter", start, m.end() + rows.end(), said, cond)
            return True
        link = re.search(
            r"(?:\s+(?:is|are|was|were|comes?\s+to|amounts?\s+to|adds?\s+up\s+to))*\s*$",
            self.text[:start_at],
        )
        before = link.start() if link else start_at
        spans = self._aggregate_spans
        aggregate_at: int | None = next((s for s, e, _ in spans if e == before), None)
        computed = next((o for s, e, o in spans if e == before), None)
        if (
            aggregate_at is not None and computed is not None
        ):  # "where the total weight_kg is over 50"
            lead = re.search(
                r"\b(?:with|having|where|whose|if|when|in\s+which|for\s+which)\s+"
                r"(?:an?\s+|the\s+|their\s+|its\s+)?$",
                self.text[:aggregate_at],
            )
            if lead is None:  # "number of orders over 500": the orders' totals; "sum of cost
                return computed.sql != "count(*)"  # over 50": which? left unresolved
            if not q.aggregates:
                return True
            cond = f"{computed.sql} {op} {_number(m['num'])}"
            q.having.append(cond)
            text = f"Keeps the groups whose {computed.name} {op} {_number(m['num'])}"
            self._place("filter", before, m.end(), text, cond)
            if self._free(lead):
                self.cov.take_match(lead)
            return True
        found = self._column_before(start_at, "numeric")
        if found is None:
            return False
        aggregate = re.search(
            rf"\b(?P<agg>{_AGG_WORDS})\s+(?:of\s+)?(?:the\s+|their\s+|its\s+)?$",
            self.text[: found[0]],
        )
        if aggregate is None or not self._free(aggregate):
            return False
        fn = next(f for p, f in _AGGS if re.fullmatch(p, aggregate["agg"]))
        if fn == "count" or not q.aggregates:
            return True  # "where the count of cost …", an aggregate of rows kept: unresolved
        lead = re.search(
            r"\b(?:with|having|where|whose|in\s+which|for\s+which)\s+(?:an?\s+|the\s+|their\s+"
            r"|its\s+)?$",
            self.text[: aggregate.start()],
        )
        start = lead.start() if lead else aggregate.start()
        cond = f"{fn}({self._use(found[1])}) {op} {_number(m['num'])}"
        q.having.append(cond)
        said = f"Keeps the groups whose {fn} of {found[1].column.name} {op} {_number(m['num'])}"
        self._place("filter", start, m.end(), said, cond)
        return True

    def _compared(
        self, m: re.Match[str], start_at: int, *, require_said: bool = False
    ) -> tuple[int, int, Ref] | None:
        """(start, end, column) of a comparison's column: named before it ("a total of"), by an
        adjective ("heavier than", "90 cm long"), after it ("below 50 in total"), by its unit
        ("over 25 kg": weight_kg), by a verb ("costing"), else the table's money column."""
        q = self.q
        before = self.text[:start_at]
        end = m.end()
        found = self._column_before(start_at, "numeric")
        # "heavier than 80 kg", "at least 90 cm long": the adjective names the measure
        adjective = re.search(rf"\b({_ADJECTIVES})\s+$", before)
        if found is None and m.groupdict().get("adj"):
            ref = self._measure_of(m["adj"])
            found = (m.start(), ref) if ref is not None else None
        after = re.match(rf"\s+({_ADJECTIVES})\b", self.text[end:])
        for said, at_end in ((adjective, False), (after, True)):
            if found is None and said is not None:
                ref = self._measure_of(said[1])
                if ref is not None:
                    found = (start_at if at_end else said.start(), ref)
                    end += said.end() if at_end else 0
        if found is None:  # "below 50 in total", "over 300 total", "8,000 capacity"
            lead = re.match(r"\s+(?:(?:in|of|for)\s+)?", self.text[end:])
            later = self._column_after(end + lead.end(), "numeric", 2) if lead else None
            if later is not None:
                found, end = (start_at, later[1]), later[0]
        unit = m.groupdict().get("unit")
        if found is None and unit and not re.fullmatch(_CURRENCY, unit):
            ref = self._unit_column(unit)
            if ref is None:
                return None  # "over 25 kg" of no column in kg: not guessed
            found = (start_at, ref)
        if found is not None:
            return found[0], end, found[1]
        verb = re.search(
            r"\b(?:costing|costs?|cost|priced(?:\s+at)?|worth|valued(?:\s+at)?|spending|spent|earning"
            r"|earns?|paying|paid|totall?ing|totals?|amounting\s+to|amounts?\s+to|selling\s+for)\s+$",
            before,
        )
        ref = self._money(q.root)
        if ref is None or (require_said and verb is None):
            return None
        if verb:
            return verb.start(), end, ref
        whose = re.search(r"\b(?:with|whose|where|that|which)\s+(?:is\s+|are\s+)?$", before)
        return (whose.start() if whose else start_at), end, ref

    def _unit_column(self, unit: str) -> Ref | None:
        """The one numeric column of the root measured in ``unit`` (weight_kg for "kg")."""
        words = next((v for k, v in _UNIT_COLUMNS.items() if re.fullmatch(k, unit)), ())
        cols = []
        for c in self.q.root.columns:
            parts = c.name.lower().split("_")
            if not is_numeric(c) or parts[-1] == "id" or not set(words) & set(parts):
                continue
            if parts[-1] in _UNIT_SUFFIXES and parts[-1] not in words:
                continue  # weight_kg is no column in pounds
            cols.append(c)
        return Ref(self.q.root, cols[0]) if len(cols) == 1 else None

    def _child_by_verb(self, verb: str) -> DatasetSchema | None:
        """The table whose rows a verb makes ("ordered": order_items referring to products)."""
        stem = re.sub(r"(?:ed|d)$", "", verb)
        if len(stem) > 3 and stem[-1] == stem[-2]:
            stem = stem[:-1]  # shipped → ship, scanned → scan
        children = [
            e.child
            for e in self.cat.edges
            if e.parent is self.q.root and e.child is not self.q.root
        ]
        named = [d for d in children if stem and stem in d.table.lower()]
        if not named and verb in REFERRED_VERBS:  # "never sold": the one table referring
            named = list({d.dataset: d for d in children}.values())
        return named[0] if len(named) == 1 else None

    def _measure_of(self, adjective: str) -> Ref | None:
        """The root's numeric column an adjective measures (heavier: weight, long: length)."""
        stem = next((v for k, v in _MEASURES.items() if re.fullmatch(k, adjective)), None)
        if stem is None:
            return None
        cols = [
            c
            for c in self.q.root.columns
            if is_numeric(c) and any(w in c.name.lower() for w in stem)
        ]
        return Ref(self.q.root, cols[0]) if len(cols) == 1 else None

    def _anti_joins(self) -> None:
        """ "customers who never placed an order", "products nobody ordered", "carriers that
        don't have a single shipment": no row of a table referring to the root refers to it."""
        q = self.q
        for m in re.finditer(
            r"\b(?:(?:that|which|who)\s+)?(?:without|with\s+(?:no|zero|0)|having\s+no|lacking"
            r"|lacks?|(?:have|has|had)\s+(?:no|zero)|(?:have|has|had|do|does|did)\s+not"
            r"|(?:have|has|had|do|does|did)n't|(?:have\s+|has\s+)?never|nobody|no\s+one|not"
            r"|(?:[a-z]{3,}ed|made|bought|sold)\s+(?:no|zero))\b",  # "who placed no orders"
            self.text,
        ):
            if not self._free(m) or re.search(
                rf"\b(?:{_NEGATE})\s+(?:(?:any|all|the)\s+)?(?:[a-z_]+\s+)?$",
                self.text[: m.start()],
            ):
                continue  # "ignoring customers without orders": _nullness keeps those with
            table, verb, end = None, None, m.end()
            said = list(re.finditer(r"[a-z_']+", self.text[m.end() :]))[:7]
            for i, w in enumerate(said):
                at = m.end() + w.start()
                named = next(((s, e, d) for s, e, d in self.mentions if s == at), None)
                if named is not None:
                    table, end = named[2], named[1]
                    break
                auxiliary = re.search(r"(?:do|does|did|n't|not|never)$", m.group(0))
                first_verb = i == 0 and auxiliary is not None  # "did not place any orders"
                if (
                    w[0] not in _ANTI_WORDS
                    and not re.fullmatch(r"[a-z]{2,}ed", w[0])
                    and not first_verb
                ):
                    break
                verb = w[0] if w[0] not in _ANTI_WORDS else verb
                end = m.end() + w.end()
            child = self._referring(table) if table is not None else None
            if child is None and table is None and verb is not None:
                child = self._child_by_verb(verb)  # "never ordered": no order refers to it
            if child is None:
                continue
            edge = self.cat.references(child, q.root)[0]
            rest = re.match(
                r"(?:\s+(?:at\s+all|ever|yet|anything|whatsoever|assigned|linked"
                r"|(?:to|for|with)\s+(?:it|them)))+\b",
                self.text[end:],
            )
            end += rest.end() if rest else 0
            dropped = _DROPPED.match(self.text, end)  # "customers without orders excluded"
            end = dropped.end() if dropped else end
            exists = "EXISTS" if dropped else "NOT EXISTS"
            cond = f"{exists} (SELECT 1 FROM {child.dataset} WHERE {edge.sql()})"
            q.where.append(cond)
            self._place(
                "filter",
                m.start(),
                end,
                f"Keeps {q.root.table} {'with' if dropped else 'without'} any {child.table}",
                cond,
            )

    def _never_verbed(self) -> None:
        """ "unscanned parcels", "unshipped orders": no row of the table the verb makes
        refers to them."""
        q = self.q
        for m in re.finditer(r"\b(?:un|never-)([a-z]{2,}ed|sold|bought)\b", self.text):
            child = self._child_by_verb(m[1]) if self._free(m) else None
            if child is None:
                continue
            edge = self.cat.references(child, q.root)[0]
            cond = f"NOT EXISTS (SELECT 1 FROM {child.dataset} WHERE {edge.sql()})"
            q.where.append(cond)
            self._place(
                "filter",
                m.start(),
                m.end(),
                f"Keeps {q.root.table} without any {child.table}",
                cond,
            )

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

    def _unmatched(self) -> None:
        """Words saying how rows without a related row are treated: kept with empty columns
        (a LEFT JOIN: "null when there's no carrier", "keeping sales without a customer",
        "left join") or dropped ("inner join")."""
        q = self.q
        tables = "|".join(
            re.escape(f)
            for d in self.cat.datasets
            for f in sorted(self.cat.forms(d), key=len)[::-1]
        )
        for m in re.finditer(
            r"\b(?:left[\s-]+(?:outer[\s-]+)?join(?:ed|ing)?|outer[\s-]+join(?:ed)?)"
            r"(?:\s+(?:to|with|on|against))?\b"
            r"|\b(?:keep(?:ing)?|includ(?:e|ing)|retain(?:ing)?|even|also|plus)\s+(?:also\s+)?(?:the\s+|those"
            rf"\s+|all\s+)?(?:ones\s+|rows\s+|(?:{tables})\s+)?(?:that\s+(?:have|has)\s+no|without"
            rf"(?:\s+an?|\s+any)?|with\s+no|lacking(?:\s+an?)?)\s+(?:{tables})"
            r"(?:\s+(?:too|as\s+well|also))?\b"
            r"|\b(?:or\s+)?(?:empty|null|blank|missing|none|nothing|left\s+(?:null|empty|blank))\s+"
            r"(?:when|if|where|for\s+(?:those|the\s+ones|rows))\s+(?:there\s+is\s+|there's\s+"
            r"|it\s+has\s+|they\s+have\s+|the\s+[a-z_]+\s+has\s+|without\s+an?\s+)?(?:no\s+)?"
            r"(?:[a-z_]+)(?:\s+(?:is|was))?(?:\s+(?:assigned|set|known|given|linked|found|present))?\b"
            r"|\b(?:with\s+)?(?:the\s+|its\s+|their\s+)?[a-z_]+\s+left\s+(?:null|empty|blank)\b"
            r"|\b(?:where|when|if)\s+(?:there\s+is\s+one|there's\s+one|it\s+has\s+one|they\s+have"
            r"\s+one|one\s+exists|known|available|present|any|set|assigned)\b"
            r"|\beven\s+(?:when|if|where)\s+(?:there\s+is|there's|it\s+has|they\s+have)\s+(?:no|none)"
            rf"\s+(?:an?\s+)?(?:{tables})(?:\s+(?:{_SET_WORDS}))?\b"
            r"|\(\s*left(?:\s+outer)?(?:\s+join)?\s*\)"
            r"|\b(?:keep(?:ing)?|includ(?:e|ing)|retain(?:ing)?|even)\s+(?:the\s+)?un(?:assigned|matched"
            rf"|linked)\s+(?:ones|rows|{tables})(?:\s+(?:too|as\s+well|also))?\b",
            self.text,
        ):
            if self._free(m):
                self._place(
                    "join", m.start(), m.end(), "Keeps rows without a match (LEFT JOIN)", ""
                )
                self.left_kept = True
        for m in re.finditer(
            r"\binner[\s-]+join(?:ed|ing)?(?:\s+(?:to|with|on))?\b|\(\s*inner(?:\s+join)?\s*\)"
            r"|\b(?:keep(?:ing)?\s+)?only\s+(?:the\s+)?match(?:es|ing\s+rows|ed\s+rows)\b",
            self.text,
        ):
            if self._free(m):
                self._place("join", m.start(), m.end(), "Keeps only rows with a match", "JOIN")
                q.inner = True
        nullable = [
            e
            for e in self.cat.edges
            if e.child is q.root
            and any(c.name == e.child_column and c.nullable for c in q.root.columns)
        ]
        for m in re.finditer(
            rf"\b(?:{_NEGATE}|without|but\s+not|not)\s+(?:the\s+|any\s+)?un(?:assigned|matched"
            rf"|linked)\s+(?:ones|rows|{tables})\b",
            self.text,
        ):
            if self._free(m) and len(nullable) == 1:  # "drop unassigned ones": its reference set
                cond = f"{q.root.dataset}.{nullable[0].child_column} IS NOT NULL"
                q.where.append(cond)
                self._place("filter", m.start(), m.end(), "Keeps only rows with a match", cond)

    def _nullness(self) -> None:
        q = self.q
        for m in re.finditer(
            rf"(?:(?P<neg>{_NEGATE})\s+(?:(?:any|all|the)\s+)?(?:[a-z_]+\s+){{0,2}}?)?"
            r"(?P<kw>without|with\s+no|that\s+(?:have|has)\s+no|having\s+no|who\s+(?:have|has)\s+no"
            r"|with\s+(?:a\s+)?missing|missing|lacking|that\s+lack|(?:that|which|who)\s+(?:are|is)\s+missing"
            r"|with(?:\s+an?)?\s+(?:null|empty|unknown|blank)|(?:not|never)\s+(?:assigned|linked|attached|tied)\s+to"
            r"|(?P<nonnull>with\s+(?:an?\s+)?non-?(?:null|empty|blank))"
            r"|(?:where|whose|with|that\s+have|which\s+have|\()\s*(?:the\s+|an?\s+)?(?P<colnull>[a-z_ ]+?)(?:\s+(?:field|column|value))?\s+(?:is\s+|are\s+)?(?:still\s+|currently\s+)?(?:(?P<isnot>not\s+)?(?:null|empty|missing|blank|unknown|unset|not\s+(?:set|known|filled(?:\s+in)?|given|provided|present))|(?P<isset>set|present|populated|filled(?:\s+in)?|known|given|provided|available))\b(?:\s+yet)?"  # noqa: E501
            r"|(?:that|which|who)\s+(?:do|does|did)(?:n't|\s+not)\s+have"
            r"|who\s+(?:have|has)\s+never|that\s+(?:have|has)\s+never|never|who\s+(?:have|has)\s+not|that\s+(?:have|has)\s+not)"
            r"(?:\s+(?:an?|any|ever|been|placed|made|bought|purchased|ordered|had|received|got|created|did)\b)*\s*(?P<x>[a-z_]+(?:'s)?(?:\s+[a-z_]+)?)?",
            self.text,
        ):
            if not self.cov.free(m.start("kw"), m.end("kw")):
                continue
            negated = bool(m["neg"])
            if m["colnull"]:
                refs = self.cat.columns_named(m["colnull"], self.prefer)
                parent = self.cat.table_named(m["colnull"])
                edges = self.cat.references(q.root, parent) if parent is not None else []
                if not refs and edges:  # "where the customer is unknown": its reference
                    column = next(c for c in q.root.columns if c.name == edges[0].child_column)
                    refs = [Ref(q.root, column)]
                noun = re.fullmatch(rf"([a-z_]+)\s+(?:{_DATE_NOUNS})", m["colnull"].strip())
                dated = self._date_verb(noun[1]) if noun and not refs else None
                if dated is not None:  # "the delivery timestamp is empty"
                    refs = [dated]
                if not refs:
                    continue
                ref = self._pick(refs, m["colnull"])
                is_null = not m["isnot"] and not m["isset"]
                end = m.end("kw")
                start = m.start()
            else:
                x = (m["x"] or "").strip()
                if not x and re.search(r"never|not", m["kw"]):
                    x = m.group(0).split()[-1]  # "never ordered": the verb names the table
                if not x:
                    continue
                first = x.split()[0].removesuffix("'s")
                d = self.cat.table_named(x.removesuffix("'s"))
                if d is not None:
                    first = x.removesuffix("'s")
                d = d or self.cat.table_named(first)
                start = m.start()
                end = m.start("x") + len(first) if m["x"] else m.end()
                if d is None and re.search(r"never|not", m["kw"]):
                    d = self._child_by_verb(first)  # "never ordered": no order item refers
                if d is not None:
                    rest = re.match(r"\s+(?:anything|any|at\s+all|ever|yet)\b", self.text[end:])
                    if rest:
                        end += rest.end()
                dropped = _DROPPED.match(self.text, end)  # "customers without orders excluded"
                if d is not None and d is not q.root and self.cat.references(d, q.root):
                    if dropped:
                        negated, end = not negated, dropped.end()
                    edge = self.cat.references(d, q.root)[0]
                    exists = "EXISTS" if negated else "NOT EXISTS"
                    cond = f"{exists} (SELECT 1 FROM {d.dataset} WHERE {edge.sql()})"
                    q.where.append(cond)
                    self.cov.take(start, end)
                    q.say(
                        "filter",
                        self.text[start:end],
                        f"Keeps {q.root.table} {'with' if negated else 'without'} any {d.table} (an anti-join)"  # noqa: E501
                        if not negated
                        else f"Keeps {q.root.table} that have {d.table}",
                        cond,
                    )
                    continue
                ref = None
                if d is not None and d is not q.root:
                    edges = self.cat.references(q.root, d)
                    if edges:
                        ref = Ref(
                            q.root,
                            next(c for c in q.root.columns if c.name == edges[0].child_column),
                        )
                if ref is None:
                    found = self._column_after(m.start("x"), "", 2)
                    dated = self.cat.date_named(first, q.root)
                    if found is None and dated is not None:  # "no delivery date"
                        found = (m.start("x") + len(first), dated)
                    if found is None:
                        continue
                    end, ref = found
                # "no carrier assigned", "without a delivered_at timestamp"
                rest = re.match(
                    rf"\s+(?:{_SET_WORDS}|{_DATE_NOUNS}|values?|ids?|keys?|references?)\b",
                    self.text[end:],
                )
                if rest:
                    end += rest.end()
                is_null = not m["nonnull"]  # "with a non-null country": the value is there
                dropped = _DROPPED.match(self.text, end)  # "sales without a customer excluded"
                if dropped:
                    negated, end = not negated, dropped.end()
            if negated:
                is_null = not is_null
            if ref is None:
                continue
            cond = f"{self._use(ref)} IS {'' if is_null else 'NOT '}NULL"
            q.where.append(cond)
            self.cov.take(start, end)
            q.say(
                "filter",
                self.text[start:end],
                f"Keeps rows whose {ref.column.name} is {'' if is_null else 'not '}empty (NULL)",
                cond,
            )

    def _existence(self) -> None:
        """ "shipments that have a carrier": the reference is set, or a row of the other table
        refers to this one."""
        q = self.q
        for m in re.finditer(
            r"\b(?:that|which|who)\s+(?:have|has|had)\s+(?:an?|some|at\s+least\s+one|any)\s+"
            r"(?:assigned\s+)?(?P<x>[a-z_]+)(?:\s+(?:assigned|set|linked|attached))?|\bhaving\s+(?:an?|some|at\s+least\s+one)\s+(?P<y>[a-z_]+)"
            rf"|\bwith\s+(?:an?\s+|the\s+)?(?:(?:known|{_SET_WORDS})\s+(?P<k>[a-z_]+)"
            rf"|(?P<z>[a-z_]+)\s+(?:{_SET_WORDS})\b)"
            r"|\b(?:with|having)\s+(?:at\s+least\s+one|one\s+or\s+more)\s+(?P<u>[a-z_]+)"
            # "customers who have placed at least one order", "parcels scanned at least once"
            r"|\b(?:(?:that|which|who)\s+)?(?:(?:have|has|had)\s+)?(?:been\s+)?"
            r"(?P<verb>[a-z]{2,}ed|made|sold|bought|sent)\s+(?:at\s+least\s+(?:once\b|one\s+"
            r"(?P<t>[a-z_]+))|one\s+or\s+more\s+(?P<s>[a-z_]+)|(?:one\s+or\s+more\s+times"
            r"|(?:once\s+)?or\s+more)\b)"
            r"|\bwith\s+an?\s+(?P<w>[a-z_]+)(?=\s*(?:$|[,.;)]|\band\b|\bor\b))"
            r"|\b(?:linked|attached|assigned|tied|belonging|belongs?)\s+to\s+(?:an?|some)\s+(?P<v>[a-z_]+)",
            self.text,
        ):
            if not self._free(m):
                continue
            word = m["x"] or m["y"] or m["k"] or m["z"] or m["w"] or m["v"] or m["u"]
            word = word or m["t"] or m["s"] or ""
            d = self.cat.table_named(word) if word else self._child_by_verb(m["verb"])
            if m["verb"] and d is not None:  # the rows of the table that refers to the root
                d = self._referring(d)
                word = d.table if d is not None else word
            if m["w"] and (d is None or not self.cat.references(q.root, d)):
                continue  # "with a total": only a reference to another table is had or not
            cond = None
            if d is not None and d is not q.root and self.cat.references(q.root, d):
                edge = self.cat.references(q.root, d)[0]
                cond = f"{q.root.dataset}.{edge.child_column} IS NOT NULL"
            elif d is not None and d is not q.root and self.cat.references(d, q.root):
                edge = self.cat.references(d, q.root)[0]
                cond = f"EXISTS (SELECT 1 FROM {d.dataset} WHERE {edge.sql()})"
            else:
                refs = [r for r in self.cat.columns_named(word, [q.root]) if r.dataset is q.root]
                if refs:
                    cond = f"{refs[0].sql} IS NOT NULL"
            if cond is None:
                continue
            q.where.append(cond)
            self.cov.take_match(m)
            q.say("filter", m.group(0), f"Keeps only {q.root.table} that have {word}", cond)

    def _values(self) -> None:
        q = self.q
        tables = [d for d in self.prefer if d.dataset in q.tables] + [
            d for d in self.prefer if d.dataset not in q.tables
        ]
        tables += [  # "DHL shipments": a value of a table the rows refer to
            e.parent for e in self.cat.edges if e.child is q.root and e.parent not in tables
        ]
        tokens = list(re.finditer(r"[a-z0-9_](?:[a-z0-9_'-]*[a-z0-9_])?", self.text))
        i = 0
        hits: list[tuple[int, int, Ref, str, bool]] = []  # start, end, column, value, negated
        while i < len(tokens):
            t = tokens[i]
            if not self.cov.free(t.start(), t.end()) or any(
                s <= t.start() < e for s, e, _ in self.mentions
            ):
                i += 1
                continue
            matched = False
            for n in (3, 2, 1):
                if i + n > len(tokens):
                    continue
                start, end = t.start(), tokens[i + n - 1].end()
                if not self.cov.free(start, end):
                    continue
                words = self.text[start:end]
                negated = False
                found = self.cat.values_named(words, tables)
                prefix = re.match(r"(non-?|un)(?=[a-z])", words)
                kind = re.fullmatch(r"([a-z0-9_]+)-([a-z_]+)", words)
                if not found and kind:  # "purchase-type events", "France-based warehouses"
                    found = [
                        f
                        for f in self.cat.values_named(kind[1], tables)
                        if kind[2] in ("based", "located", "bound", "destined")
                        or self._names_column(kind[2], f[0])
                        or self.cat.table_named(kind[2]) is f[0].dataset  # "purchase-events"
                    ]
                if not found and prefix:  # "non-cancelled"; "unpaid" may be more than not paid
                    found = self.cat.values_named(words[prefix.end() :], tables)
                    negated = True
                    if found and prefix[1] == "un":
                        q.ambiguous.append(f"'{words}': which values of {found[0][0].label}?")
                        self.cov.take(start, end)
                        i += n
                        matched = True
                        break
                if found:
                    # "German warehouses": the table named next to the value, then the root's
                    beside = next((d for s, _, d in self.mentions if s == end + 1), None)
                    # "warehouses in Germany": the table the value is said of, before it
                    said_of = next(
                        (
                            d
                            for _, e, d in self.mentions
                            if re.fullmatch(
                                r"\s+(?:(?:that\s+are|which\s+are|based|located|situated)\s+)?"
                                r"(?:in|from|at)\s+(?:the\s+)?",
                                self.text[e:start],
                            )
                        ),
                        None,
                    )
                    by_table = (
                        [f for f in found if f[0].dataset is beside]
                        or [f for f in found if f[0].dataset is said_of]
                        or [f for f in found if f[0].dataset is q.root]
                        or found
                    )
                    columns = {f[0] for f in by_table}
                    if len(columns) > 1:
                        q.ambiguous.append(
                            f"'{words}' is a value of "
                            + ", ".join(sorted(r.label for r in columns))
                        )
                        self.cov.take(start, end)
                    else:
                        hits.append((start, end, by_table[0][0], by_table[0][1], negated))
                    i += n
                    matched = True
                    break
            if not matched:
                i += 1
        # group adjacent values of one column: "pending or paid", "lost + returned"
        groups: list[list[tuple[int, int, Ref, str, bool]]] = []
        for h in hits:
            if (
                groups
                and groups[-1][-1][2] == h[2]
                and groups[-1][-1][4] == h[4]
                and re.fullmatch(
                    rf"'?\s*(?:,|or|and|nor|/|\+|&|and/or|as\s+well\s+as|plus|,\s*or|,\s*and)\s*"
                    r"(?:(?:that|which|who)\s+)?(?:(?:is|are|was|were|got|get|been|being)\s+)?"
                    r"(?:(?:from|in|to|at|for|of)\s+(?:the\s+)?)?"  # "from France or from Spain"
                    rf"(?:(?:{_ADVERBS})\s+)*'?",
                    self.text[groups[-1][-1][1] : h[0]],
                )
            ):
                groups[-1].append(h)
            else:
                groups.append([h])
        placed: dict[Ref, list[str]] = {}
        for group in groups:
            self._value_filter(group, placed)
        for ref, kinds in placed.items():  # "returned and lost" apart: no row is both
            if kinds.count("=") > 1 or (kinds.count("IN") + kinds.count("=")) > 1:
                q.ambiguous.append(f"several values of {ref.label} asked apart: any of them, or?")

    def _value_filter(
        self, group: list[tuple[int, int, Ref, str, bool]], placed: dict[Ref, list[str]]
    ) -> None:
        """The condition of one run of values of a column, with the words around it: the
        column's name, a negation, "marked as", "the … ones"."""
        q = self.q
        ref = group[0][2]
        start, end = group[0][0], group[-1][1]
        before = self.text[:start]
        lead = re.search(
            rf"(?:\b(?:{_VALUE_LEADS})\s+(?:the\s+)?)?(?:\b(?:{_ADVERBS})\s+)*$", before
        )
        if lead and lead.start() < start:
            start = lead.start()
            before = self.text[:start]
        unequal = negated = False
        for _ in range(2):  # "whose status is not", "with any status except"
            col = re.search(
                r"\b([a-z_]+(?:\s+[a-z_]+)?)\s+(?P<op>is\s+not|isn't|!=|<>|not\s+equal\s+to|is|are"
                r"|=|of|in|equals?|with|being|having|one\s+of|is\s+one\s+of|in\s+one\s+of"
                r"|(?:is\s+)?(?:different\s+(?:from|than|to)|other\s+than|unlike))?\s*"
                r"(?:the\s+)?(?:\(\s*)?'?$",
                before,
            )
            if col:
                words = col[1].split()
                hit = next(
                    (
                        col.start(1) + col[1].rfind(" ".join(words[k:]))
                        for k in range(len(words))
                        if self._names_column(" ".join(words[k:]), ref)
                    ),
                    None,
                )
                if hit is not None:
                    having = re.search(r"\b(?:having|has|have)\s+(?:an?\s+|the\s+)?$", before[:hit])
                    start = having.start() if having else hit
                    unequal = unequal or bool(col["op"] and re.match(_UNEQUAL, col["op"]))
                    before = self.text[:start]
            neg = re.search(
                rf"\b(?:not|non-?|isn't|aren't|weren't|wasn't|haven't|hasn't|never|other\s+than"
                rf"|(?:did|do|does|has|have|had|was|were|is|are)(?:n't|\s+not)|neither|no|minus"
                rf"|outside(?:\s+of)?|except|excluding|without|but(?=\s+the)|but\s+not|{_NEGATE}"
                r"|apart\s+from|aside\s+from|(?:anywhere|anything|everything|anyone)\s+but)"
                r"\s*(?:in\s+|from\s+|to\s+|one\s+of\s+|been\s+|yet\s+|get\s+|got\s+|be\s+)?"
                r"(?:the\s+|any\s+|those\s+|an?\s+)?"
                r"(?:(?:ones?|those|rows|records)\s+(?:with|whose|where|that\s+are|which\s+are"
                r"|having|in)\s+(?:an?\s+|the\s+)?)?(?:(?:is|are|was|were)\s+)?$",
                before,
            )
            if neg is None:
                break
            negated = True
            start = neg.start()
            before = self.text[:start]
        restated = re.search(r"\b(?:i\.?\s?e|e\.?\s?g|that\s+is|namely|meaning)\.?,?\s*$", before)
        if restated:  # "from Germany, i.e. country DE"
            start = restated.start()
        negated = negated != unequal or group[0][4]
        trailing = re.match(
            r"'?\s+(?:as\s+(?:the\s+|its\s+)?)?([a-z_]+(?:\s+[a-z_]+)?)\b", self.text[end:]
        )
        if trailing:
            for words in (trailing[1], trailing[1].split()[0]):
                if self._names_column(words, ref):
                    end += (
                        len(trailing[0]) - len(trailing[1]) + len(words)
                    )  # "the kitchen category"
                    break
        ones = re.match(r"'?\s+ones?\b|'", self.text[end:])
        if ones:
            end += ones.end()
        after = re.match(  # "cancelled orders excluded", "(cancelled excluded)"
            rf"(?:\s+(?:{'|'.join(re.escape(f) for f in self.cat.forms(ref.dataset))}))?"
            r"\s+(?:are\s+|being\s+)?(?:excluded|removed|dropped|filtered\s+out|left\s+out|omitted"
            r"|skipped|ignored|not\s+included)\b",
            self.text[end:],
        )
        if after:
            negated = not negated
            end += after.end()
        closing = re.match(r"\s*\)", self.text[end:])
        if closing and "(" in self.text[max(0, start - 2) : start + 1] + before[-3:]:
            end += closing.end()
        values = list(dict.fromkeys(v for _, _, _, v, _ in group))
        literals = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        sql = self._use(ref)
        if len(values) == 1:
            cond = f"{sql} {'<>' if negated else '='} {literals}"
        else:
            cond = f"{sql} {'NOT IN' if negated else 'IN'} ({literals})"
        if cond not in q.where:
            q.where.append(cond)
            placed.setdefault(ref, []).append(
                "NOT" if negated else ("IN" if len(values) > 1 else "=")
            )
        self.cov.take(start, end)
        q.say(
            "filter",
            self.text[start:end],
            f"Keeps rows whose {ref.column.name} is {'not ' if negated else ''}{' or '.join(values)} (values found in {ref.label})",  # noqa: E501
            cond,
        )

    def _names_column(self, words: str, ref: Ref) -> bool:
        """``words`` name ``ref``'s column: by its name or synonym, or as a part of a name of
        several words ("type" for scan_type, "service" for service_level)."""
        refs = self.cat.columns_named(words, self.prefer)
        if ref in refs or any(r.column is ref.column for r in refs):
            return True
        parts = ref.column.name.lower().split("_")
        return len(words) >= 4 and len(parts) > 1 and words.replace(" ", "_") in parts

    def _booleans(self) -> None:
        q = self.q
        for d in self.prefer:
            for c in d.columns:
                if not is_boolean(c):
                    continue
                word = c.name.lower().removeprefix("is_").removeprefix("has_")
                spelled = "|".join(map(re.escape, [word, *self._misspelled(word)]))
                for m in re.finditer(
                    rf"\b(?:(?:marked|flagged|labell?ed|tagged|set)\s+(?:as\s+)?)?"
                    rf"(?P<neg>not\s+|non-?|in|un|(?:is|are|was|were)(?:n't|\s+not)\s+)?(?:{spelled})\b"
                    r"(?:\s*(?:is|=|==)\s*(?P<said>true|false|yes|no))?",
                    self.text,
                ):
                    if not self._free(m):
                        continue
                    # another table's flag only when said of it: "scans of fragile parcels"
                    if d.dataset not in q.tables and not any(
                        s == m.end() + 1 and t is d for s, _, t in self.mentions
                    ):
                        continue
                    ref = Ref(d, c)
                    negated = bool(m["neg"]) != (m["said"] in ("false", "no"))
                    cond = f"NOT {self._use(ref)}" if negated else self._use(ref)
                    q.where.append(cond)
                    self.cov.take_match(m)
                    q.say(
                        "filter",
                        m.group(0),
                        f"Keeps rows where {c.name} is {'false' if negated else 'true'}",
                        cond,
                    )

    def _misspelled(self, name: str) -> list[str]:
        """The intent's words that are a typo of ``name`` ("fragle" of fragile) and no word of
        the schema or of the framing."""
        known = schema_words(self.cat.datasets)
        return sorted(
            {
                w
                for w in _WORD.findall(self.text)
                if w != name and w not in known and w not in FILLER and near(w, name)
            }
        )

    def _picks(self) -> None:
        """Named columns: of other tables (joined in), or of the root (a projection)."""
        q = self.q
        projection: list[Out] = []
        self._projection_spans: dict[str, tuple[int, int]] = {}
        grouped = bool(q.groups)
        self._join_tables()
        for mention in self.cat.mentions(self.text, self.prefer):
            if not self.cov.free(mention.start, mention.end):
                continue
            ref = self._pick(mention.refs, self.text[mention.start : mention.end])
            start, end = mention.start, mention.end
            of = re.match(
                r"\s+of\s+(?:the|its|their|each)?\s*(?:parent\s+|related\s+|linked\s+)?([a-z_]+)",
                self.text[end:],
            )
            owner = re.search(r"\b([a-z_]+)'s\s+$", self.text[:start])
            role = self._role(owner[1]) if owner else None
            if owner and role is not None and self.cat.table_named(owner[1]) is None:
                # "the user's email": the table the events' user_id refers to
                refs = [
                    r
                    for r in self.cat.columns_named(self.text[start:end], [role])
                    if r.dataset is role
                ]
                if refs:
                    ref, start = refs[0], owner.start()
            if of:
                d = self.cat.table_named(of[1]) or self._role(of[1])
                if d is not None:
                    refs = [r for r in mention.refs if r.dataset is d] or self.cat.columns_named(
                        self.text[start:end], [d]
                    )
                    refs = [r for r in refs if r.dataset is d]
                    if refs:
                        ref = refs[0]
                        end += of.end()
            if ref.dataset is q.root:
                if all(p.sql != ref.sql for p in projection):
                    projection.append(Out(ref.sql, ref.column.name, ref))
                self.cov.take(start, end)
                self._projection_spans[ref.column.name] = (start, end)
                continue
            sql = self._use(ref)
            name = self._pick_name(ref)
            if name is None:
                self.cov.take(start, end)
                continue
            if q.aggregates:
                # "the 3 warehouses with the most shipments, with their code": one value per
                # group when the group is that table's row; "carrier name, number of shipments":
                # named next to aggregates with no other grouping, a group; else not placed
                if self._one_per_group(ref) or not grouped:
                    q.groups.append(Out(sql, name, ref))
                    self._place("group", start, end, f"Adds {ref.label} to each group", sql)
                    self._take_lead(start)
                else:
                    q.ambiguous.append(
                        f"'{self.text[start:end]}' named next to an aggregate, but not grouped by"
                    )
                continue
            q.picks.append(Out(sql, name, ref))
            self.cov.take(start, end)
            self._take_lead(start)
            q.say(
                "join",
                self.text[start:end],
                f"Adds {ref.label} as {name}, joined through the foreign keys",
                f"{sql} AS {name}",
            )
        q.picks = [*self._computed_cols, *q.picks]
        explicit = False
        if q.joins:  # "where there is one", "empty when no carrier is assigned": a LEFT join
            explicit = bool(
                re.search(
                    r"\b(?:all|every|each|even\s+(?:those|the\s+ones)|including)\b", self.text
                )
            )
            for m in re.finditer(
                r"(?:,\s*)?\b(?:(?:empty|null|blank|missing|none|nothing)\s+(?:when|if|where)\s+"
                r"(?:there\s+is\s+)?no\s+[a-z_]+(?:\s+(?:is|was))?(?:\s+(?:assigned|set|known|"
                r"given|linked|found|present))?|(?:where|when|if)\s+there\s+is\s+one|if\s+any)\b",
                self.text,
            ):
                if self._free(m):
                    self.cov.take_match(m)
                explicit = True
            explicit = explicit or self.left_kept
        if not q.aggregates and not explicit and not q.inner:
            # A column looked up through a reference that may be empty: are rows without it
            # kept (empty) or dropped? The wording did not say.
            for d, _ in q.joins:
                for edge in self.cat.edges:
                    if edge.parent is not d or edge.child.dataset not in q.tables:
                        continue
                    column = next(
                        (c for c in edge.child.columns if c.name == edge.child_column), None
                    )
                    guarded = f"{edge.child.dataset}.{edge.child_column} IS NOT NULL" in q.where
                    # a condition on the other table's columns drops those rows anyway
                    guarded = guarded or any(f"{d.dataset}." in w for w in q.where)
                    if column is not None and column.nullable and not guarded:
                        q.ambiguous.append(
                            f"{edge.child.table} without a {singular(d.table)}: kept with empty "
                            f"{singular(d.table)} columns, or left out?"
                        )
        if projection and not q.aggregates:
            marker = any(  # "keeping only matches" says which rows, not which columns
                self._free(m)
                for m in re.finditer(
                    r"\b(?:only|just|columns?|fields?|select|keep(?:ing)?)\b", self.text
                )
            )
            listed = q.picks and re.search(r":|->", self.text)  # "item: order id, product name"
            if marker or len(projection) >= 2 or listed:
                q.columns = projection
                q.say(
                    "projection",
                    ", ".join(p.name for p in projection),
                    "Keeps the columns " + ", ".join(p.name for p in projection),
                    ", ".join(p.sql for p in projection),
                )
                for m in re.finditer(r"\b(?:only|just|columns?|fields?)\b", self.text):
                    self.cov.take_match(m)
            else:
                # one root column named alone, with nothing done to it: not understood
                for p in projection:
                    span = self._projection_spans.get(p.name)
                    self.cov.taken = [t for t in self.cov.taken if t != span]
        elif projection and q.aggregates:
            grouped = bool(q.groups)
            for p in projection:
                if any(g.sql == p.sql for g in q.groups):
                    continue
                if any(g.name == p.name for g in q.groups):  # product_id, grouped by already
                    continue
                if (
                    p.ref is not None
                    and not self._one_per_group(p.ref)
                    and any(g.ref is not None and g.ref.column.name == p.name for g in q.groups)
                ):
                    # "per customer … their id, name": not the row's id, which has no one value
                    # per group, but the grouped table's column of that name
                    continue
                if not grouped or (p.ref is not None and self._one_per_group(p.ref)):
                    # "product_id + revenue": the columns listed next to an aggregate, with no
                    # other grouping, are its groups; product_id per product is one value
                    q.groups.append(p)
                    q.say("group", p.name, f"One row per {p.name}", f"GROUP BY {p.sql}")
                else:
                    q.ambiguous.append(f"'{p.name}' named next to an aggregate, but not grouped by")

    def _related_dates(self) -> None:
        """The date of a related row said by its verb: "the date their order was placed", "when
        its order was placed", "the placement date of the order" (orders.placed_at)."""
        q = self.q
        forms = "|".join(
            re.escape(f)
            for d in self.cat.datasets
            if d is not q.root
            for f in sorted(self.cat.forms(d), key=len)[::-1]
        )
        if not forms:
            return
        for m in re.finditer(
            r"\b(?:(?:the\s+)?(?:date|day|time|timestamp)\s+(?:when\s+|that\s+)?|when\s+)"
            rf"(?:its|their|the)\s+(?P<t>{forms})\s+(?:was|were|got)\s+(?P<v>[a-z]+)\b"
            rf"|\b(?:the\s+)?(?P<n>[a-z]+)\s+(?:date|time|timestamp)\s+of\s+(?:its|their|the)\s+"
            rf"(?P<u>{forms})\b"
            rf"|\b(?P<w>{forms})\s+(?P<m>[a-z]+)\s+(?:date|time|timestamp)\b",  # "order paid date"
            self.text,
        ):
            d = self.cat.table_named(m["t"] or m["u"] or m["w"])
            said = m["v"] or m["n"] or m["m"]
            if d is None or not self._free(m) or self.cat.references(d, q.root):
                continue  # only a row the rows refer to has one date per row
            ref = self.cat.date_named(said, d)
            for verb, names in DATE_VERBS.items():
                if ref is None and stem(verb) == stem(said):
                    ref = next((Ref(d, c) for c in d.columns if c.name.lower() in names), None)
            if ref is None:
                continue
            sql = self._use(ref)
            name = self._pick_name(ref)
            if name is None:
                continue
            q.picks.append(Out(sql, name, ref))
            self._place("join", m.start(), m.end(), f"Adds {ref.label} as {name}", sql)
            self._take_lead(m.start())

    def _relation_words(self) -> None:
        """Words that only say how a joined table relates to the rows, placed with the join:
        "the customer who placed them", "the shipment they belong to", "of whoever placed them",
        "orders placed by customers from …"."""
        q = self.q
        joined = {d.dataset for d, _ in q.joins}
        if not joined:
            return
        read = [q.root, *(d for d, _ in q.joins)]  # "the customer who placed the order"
        root = "|".join(
            re.escape(f)
            for f in sorted({f for d in read for f in self.cat.forms(d)}, key=len)[::-1]
        )
        verb = r"(?:[a-z]{3,}ed|made|bought|sold|sent|did)"
        does = rf"(?:{verb}|[a-z]{{2,}}s)"  # "the customer who placed them", "who owns it"
        restated = (  # nothing follows that could say more than the relation
            r"(?=\s*(?:$|[,.;:)]|-|\b(?:and|with|plus|including|along|together|sorted|ordered)\b))"
        )
        clause = re.compile(
            rf"\s*(?:(?:who|that|which)\s+(?:(?:have|has|had)\s+)?{does}\s+(?:them|it"
            rf"|(?:the|this|each|every)\s+(?:{root}))|(?:that\s+|which\s+)?(?:they|it)\s+"
            r"(?:belongs?|belonged|refers?|referred|relates?|related|(?:is|are|was|were)\s+"
            rf"(?:part\s+of|in|from|for))(?:\s+to)?){restated}"
        )
        for _, end, d in self.mentions:
            m = clause.match(self.text, end)
            if d.dataset in joined and m and self.cov.free(end, m.end()):
                self._place("join", end, m.end(), f"How {d.table} relate to the rows", "")
        # "the email of whoever placed them": the words after a joined table's column
        picked = {p.ref.dataset.dataset for p in q.picks if p.ref is not None}
        for m in re.finditer(
            rf"\bof\s+(?:whoever|whomever)\s+{does}\s+(?:them|it){restated}", self.text
        ):
            if picked & joined and self._free(m) and not self.cov.free(m.start() - 2, m.start()):
                self._place("join", m.start(), m.end(), "How the joined table relates", "")
        for m in re.finditer(
            rf"\s(?:next\s+to|beside|alongside)\s+(?:it|them|each){restated}", self.text
        ):
            if picked & joined and self._free(m) and not self.cov.free(m.start() - 2, m.start()):
                self.cov.take_match(m)  # "the customer email address next to it"
        # "placed by customers from Germany", "shipped from the Berlin warehouse": a verb said of
        # the rows before a table they refer to
        for start, _, d in self.mentions:
            if d.dataset not in joined or not self.cat.references(q.root, d):
                continue
            m = re.search(
                rf"\b{verb}\s+(?:by|from|at|through|via|with|to)\s+(?:the\s+|an?\s+|their\s+|its\s+)?$",
                self.text[:start],
            )
            if m and self._free(m):
                self._place("join", m.start(), start, f"Rows by their {singular(d.table)}", "")

    def _role(self, word: str) -> DatasetSchema | None:
        """The table a reference named ``word``_id refers to ("the user": events.user_id's
        customers), when that reference is the only way from its table to the other."""
        parents = {
            e.parent.dataset: e.parent
            for e in self.cat.edges
            if e.child_column.lower() == f"{word}_id"
            and len(self.cat.references(e.child, e.parent)) == 1
        }
        return next(iter(parents.values())) if len(parents) == 1 else None

    def _take_lead(self, start: int) -> None:
        """The words that introduce a column named at ``start``: "plus", "along with",
        "including", "showing", "with their"."""
        lead = re.search(
            r"(?:\b(?:plus|along\s+with|together\s+with|including|incl|add(?:ing)?|attach(?:ing)?|also|and\s+also"
            r"|as\s+well\s+as|enriched\s+with|joined\s+with|showing|show|with|and)\s+|\+\s*)"
            r"(?:(?:an?|the|its|their|each|every|his|her|that|this|these|those)\s+)*$",
            self.text[:start],
        )
        if lead is not None:
            self.cov.take(lead.start(), start)

    def _one_per_group(self, ref: Ref) -> bool:
        """True when each group is one row of ``ref``'s table (grouped by its id, or by the
        root's reference to it), so the column has one value per group."""
        q = self.q
        for g in q.groups:
            if g.ref is None:
                continue
            if g.ref.dataset is ref.dataset and g.ref.column.name.lower() == "id":
                return True
            if g.ref.column.name.lower() == "id" and any(
                e.child is ref.dataset and e.child_column == ref.column.name
                and e.parent is g.ref.dataset and e.parent_column.lower() == "id"
                for e in self.cat.edges
            ):  # fmt: skip
                return True  # the root's product_id, grouped by the product's id
            if any(
                e.child is g.ref.dataset and e.child_column == g.ref.column.name
                and e.parent is ref.dataset and e.parent_column.lower() == "id"
                for e in self.cat.edges
            ):  # fmt: skip
                return True
        return False

    def _pick_name(self, ref: Ref) -> str | None:
        """An output name for a joined table's column: its own, else prefixed with the table;
        None when both are taken (the join key the root already holds)."""
        q = self.q
        taken = {c.name.lower() for c in q.root.columns} | {p.name for p in q.picks}
        for name in (ref.column.name, f"{singular(ref.dataset.table)}_{ref.column.name}"):
            if name.lower() not in taken:
                return name
        return None

    def _join_tables(self) -> None:
        """ "Join orders with customers", "joined with customers": all of that table's columns."""
        q = self.q
        for m in re.finditer(
            r"\b(?:join(?:ed|ing)?|enrich(?:ed)?|combined?)\s+(?:(?P<first>[a-z_]+)\s+)?"
            r"(?:with|to|and|by)\s+(?:the\s+|their\s+|its\s+)?(?P<other>[a-z_]+)",
            self.text,
        ):
            names = [m["other"], *([m["first"]] if m["first"] else [])]
            self.fan_out_ok = True
            for word in names:
                d = self.cat.table_named(word)
                if d is None or d is q.root:
                    continue
                after = re.match(r"(?:'s)?\s+([a-z_]+(?:-[a-z]+)?)", self.text[m.end("other") :])
                if (
                    word == m["other"]
                    and after
                    and any(r.dataset is d for r in self.cat.columns_named(after[1], [d]))
                ):
                    # "enriched with the customer email": that column only (a pick)
                    self.cov.take(m.start(), m.start("other"))
                    q.inner = not self.left_kept
                    break
                for c in d.columns:
                    ref = Ref(d, c)
                    sql = self._use(ref)
                    name = self._pick_name(ref)
                    if name is not None:
                        q.picks.append(Out(sql, name, ref))
                self.cov.take_match(m)
                # "joined with customers on customer_id": the key the foreign key joins on
                keys = {
                    k.lower()
                    for e in [*self.cat.references(q.root, d), *self.cat.references(d, q.root)]
                    for k in (e.child_column, f"{e.child.table}.{e.child_column}")
                }
                on = re.match(
                    r"\s+(?:on|using|via)\s+(?:the\s+)?\(?([a-z_.]+)\)?", self.text[m.end() :]
                )
                if on and on[1] in keys:
                    self.cov.take(m.end(), m.end() + on.end())
                q.inner = not self.left_kept  # "join orders with customers": inner, as in SQL
                q.say("join", m.group(0), f"Adds the columns of {d.table}", f"JOIN {d.dataset}")
                break
            self.fan_out_ok = False

    def _order(self) -> None:
        q = self.q
        for m in re.finditer(r"\b(?:ordered|sorted|order|sort)\s+by\s+", self.text):
            found = self._column_after(m.end(), "", 3)
            if found is None:
                continue
            end, ref = found
            direction = re.match(
                r"\s*(desc(?:ending)?|asc(?:ending)?|newest first|oldest first|latest first|highest first|lowest first)",  # noqa: E501
                self.text[end:],
            )
            desc = bool(direction and re.match(r"desc|newest|latest|highest", direction[1]))
            if direction:
                end += direction.end()
            q.order.insert(0, f"{self._use(ref)} {'DESC' if desc else 'ASC'}")
            self._place(
                "order",
                m.start(),
                end,
                f"Ordered by {ref.column.name}{' descending' if desc else ''}",
                q.order[0],
            )
        # "newest first" with no column said: the date a row is of
        for m in re.finditer(
            r"(?:,\s*)?\b(?P<way>newest|latest|most\s+recent|oldest|earliest)\s+(?:ones\s+)?first\b",
            self.text,
        ):
            date = self.cat.main_date(q.root)
            if not self._free(m) or date is None or q.aggregates:
                continue
            desc = m["way"] in ("newest", "latest") or m["way"].startswith("most")
            q.order.append(f"{date.sql} {'DESC' if desc else 'ASC'}")
            said = f"Ordered by {date.column.name}{' descending' if desc else ''}"
            self._place("order", m.start(), m.end(), said, q.order[-1])


_CURRENCY = r"eur|euros?|usd|dollars?|bucks|gbp|€|\$"
_UNITS = rf"(?:kg|kgs|kilos?|kilograms?|g|grams?|lbs?|pounds?|cm|mm|m|km|meters?|metres?|%|percent|{_CURRENCY}|hours?|days?|minutes?|units?|items?|pieces?|pcs)(?![\w])"  # noqa: E501
_UNIT_COLUMNS = {
    r"kg|kgs|kilos?|kilograms?": ("kg", "weight"),
    r"g|grams?": ("g", "grams", "weight"),
    r"lbs?|pounds?": ("lb", "lbs", "weight"),
    r"cm": ("cm",),
    r"mm": ("mm",),
    r"m|meters?|metres?": ("m", "meters", "metres"),
    r"km": ("km", "distance"),
    r"%|percent": ("pct", "percent", "rate"),
    r"hours?": ("hours", "h"),
    r"days?": ("days", "d"),
    r"minutes?": ("minutes", "min"),
    r"units?|items?|pieces?|pcs": ("quantity", "qty", "units"),
}
_AFTER_NUMBER = (
    r"or more|and above|or above|and up|or higher|or greater|or over|at least|minimum|or less"
    r"|or fewer|and below|or below|or lower|or under|at most|max(?:imum)?|\+"
)
_DATE_NOUNS = r"timestamps?|dates?|times?"
_WORD = re.compile(r"\b[a-z_]+\b")
# Words between a date column's name and its period: "whose delivery was in", "that got"
_LINKS = (
    r"is|are|was|were|be|been|being|got|gets|get|has|have|had|falls?|fell|lies|lie|dated|that"
    r"|which|who|whose|happened|occurred|took\s+place"
)
_UNIT_SUFFIXES = {"kg", "g", "lb", "lbs", "cm", "mm", "m", "km", "pct", "h", "min"}
_SIZES = (
    r"big|bigger|large|larger|huge|high[- ]value|expensive|pricey|costly|heavy|long|small|smaller"
    r"|tiny|low[- ]value|cheap|light|short"
)
_SMALL = r"small|smaller|tiny|low|cheap|light|short"
_MEASURES = {
    r"heavier|lighter|heavy|light|weighing|weighs?": ("weight",),
    r"longer|shorter|long|short": ("length",),
    r"wider|narrower|wide|narrow": ("width",),
    r"taller|higher|tall|high": ("height",),
    r"older|younger|old|young": ("age",),
    r"costlier|cheaper|pricier|more\s+expensive|less\s+expensive|expensive|cheap": (
        "price",
        "cost",
    ),
    r"bigger|larger|smaller|big|large|small": ("size", "capacity", "volume"),
}
_SUPERLATIVES = (
    r"heaviest|lightest|largest|biggest|smallest|longest|shortest|most\s+expensive|cheapest"
)
_MEASURES[r"heaviest|lightest"] = ("weight",)
_MEASURES[r"longest|shortest"] = ("length",)
_MEASURES[r"most\s+expensive|cheapest"] = ("price", "cost")
_MEASURES[r"largest|biggest|smallest"] = ("size", "capacity", "volume", "weight")
_ADJECTIVES = "|".join(_MEASURES)
_KEEP_ITS = (
    r"\bfor\s+(?:each|every)\s+(?P<key>[a-z_]+)\s*,?\s*(?:keep|keeping|take|pick|retain)\s+"
    rf"(?:only\s+)?(?:its|their|the)\s+(?P<which>{_SUPERLATIVES}|latest|newest|most\s+recent|first"
    r"|earliest|oldest|last)\s+(?P<what>[a-z_]+)"
)
_KEEP_RE = re.compile(_KEEP_ITS)
# The first row by a column: "the parcel with the highest weight"
_ARGMAX = (
    r"highest|max(?:imum)?|biggest|largest|greatest|heaviest|lowest|min(?:imum)?|smallest"
    r"|least|latest|newest|most\s+recent|earliest|oldest|first|last"
)
# Between group keys: "per country and status", "grouped by country + status"
_WHOLE_TABLE = (
    r"\b(?:(?:as\s+)?(?:a|one)\s+(?:single\s+)?(?:row|number|figure|value|total)|overall"
    r"|in\s+total|altogether|all\s+together|for\s+the\s+whole\s+table)\b"
)
_MORE_GROUPS = r"\s*(?:,|\band\b|&|\+)\s*(?:(?:then\s+)?by\s+)?(?:the\s+)?"
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
# Words between "never"/"without" and the table or verb: "never placed an order", "don't have a
# single shipment", "not in any order", "never used for a shipment"
_ANTI_WORDS = {
    *["a", "an", "any", "single", "one", "been", "ever", "yet", "have", "has", "had", "got"],
    *["in", "on", "for", "by", "of", "to", "from", "with", "appear", "appears", "use", "get"],
}
# Words after the rows a clause describes that drop them: "sales without a customer excluded"
_DROPPED = re.compile(
    r"\s+(?:are\s+|is\s+|being\s+|get\s+)?(?:excluded|removed|dropped|filtered\s+out|left\s+out"
    r"|omitted|skipped|ignored)\b"
)
_MORE = r"heavier|longer|wider|taller|higher|older|costlier|pricier|more\s+expensive|bigger|larger"
_COMPARATIVES = _MORE + r"|lighter|shorter|narrower|younger|cheaper|less\s+expensive|smaller"
# The planner's own words of comparison and measure, written right when misspelled ("abvoe")
_VOCABULARY = {
    w
    for phrase in [*_OPS, *_COMPARATIVES.split("|"), *"|".join(_UNIT_COLUMNS).split("|")]
    for w in re.findall(r"[a-z]{5,}", phrase.replace("?", ""))
} - {"older", "least", "doesn", "excess"} | {"between", "without", "weighing", "costing"}
# ("older" and "least" are one letter from "order" and "lease")


class _Unplaceable(PlanningError):
    """A piece names tables that nothing joins."""


_OP_NAMES = {"*": "times", "/": "per", "+": "plus", "-": "minus"}
_SECONDS = {"hours": 3600, "days": 86400, "minutes": 60, "seconds": 1}


def _duration(late: str, early: str, unit: str) -> str:
    """The time from ``early`` to ``late`` in ``unit`` (hours, days, minutes, seconds)."""
    return f"EXTRACT(EPOCH FROM {late} - {early}) / {_SECONDS[unit]}"


def _disjoint(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Two periods (SQL bounds: on or after, before) of fixed dates that share no day."""
    days = [re.fullmatch(r"DATE '([\d-]+)'", x or "") for x in (*a, *b)]
    lo_a, hi_a, lo_b, hi_b = (m[1] if m else None for m in days)
    return bool(
        (lo_a and hi_b and lo_a >= hi_b) or (lo_b and hi_a and lo_b >= hi_a)
    )  # ISO dates compare as text


def _whole(c: Column) -> bool:
    """A column of whole numbers: divided by a whole number, SQL would drop the fraction."""
    return bool(re.search(r"int|serial", c.type, re.I)) and not is_boolean(c)


def _number(text: str) -> str:
    if text in NUMBER_WORDS:
        return str(NUMBER_WORDS[text])
    value = text.replace("$", "").replace(",", "")
    return value
