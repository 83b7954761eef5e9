"""Aggregates whose rows sit in another table than the one named: averages of counts ("average
number of orders per customer"), a parent's total compared ("customers whose orders add up to
more than 8000"), and distinct rows counted through the tables between ("unique parcels scanned
per warehouse")."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref
from ai.generation.intent.parse.grouping import Grouping, zero_words
from ai.generation.intent.parse.words import DONE, OP_RE, OPS, digits
from ai.generation.intent.query import Out
from ai.generation.planning import q as ident
from ai.generation.words import is_numeric, is_temporal, singular
from workflows.generation_payloads import Column, DatasetSchema

_PER = r"(?:per|for\s+each|for\s+every|in\s+each|in\s+every|in\s+an?|on\s+an?|by|of\s+an?)"
_TOTAL = r"\d[\d,]*(?:\.\d+)?"
# What the rows of a child table do to add up: "orders add up to", "shipments cost"
_ADD_UP = (
    r"adds?\s+up\s+to|sums?\s+(?:up\s+)?to|totals?|totall?ed|totall?ing|comes?\s+to|amounts?\s+to"
    r"|costs?|are\s+worth|is\s+worth"
)
_GROUPED = r"\s*(?:per|by|each|every|for\s+each|at\s+each|in\s+each)\b"
# An aggregate of each referring row's measure: "clients with an average order above 700"
_OF_EACH = {
    "average": "avg", "avg": "avg", "mean": "avg", "maximum": "max", "max": "max",
    "biggest": "max", "largest": "max", "minimum": "min", "min": "min", "smallest": "min",
}  # fmt: skip


def _key(c: Column) -> bool:
    """A column that refers to rows (id, customer_id), not a measure."""
    return c.name.lower() == "id" or c.name.lower().endswith("_id")


class AcrossTables(Grouping):
    """Places aggregates of rows counted or summed per row of another table."""

    _summed: tuple[re.Match[str], DatasetSchema, Ref | None, str] | None = None
    _count_said: tuple[int, int] | None = None
    _counted_per: tuple[re.Match[str], Ref] | None = None
    _summed_by: Ref | None = None  # the column grouped by, when not a table's rows

    def _summed_children(self) -> None:
        """ "customers whose orders add up to more than 8000", "carriers whose shipments cost
        over 8500 in total": the rows summed are the other table's (orders, shipments), one
        group per row of the table named first; the rows read from then on (kept for
        _parent_total)."""
        q = self.q
        m = re.search(
            r"\b(?P<parent>[a-z_]+)\s+(?:whose|where\s+(?:the\s+)?(?:their|its)|with|that\s+have"
            r"|which\s+have|who\s+have)\s+(?:total\s+)?(?:(?P<via>[a-z_]+)'s?\s+)?"
            r"(?P<rows>[a-z_]+(?:\s+[a-z_]+)?)\s+"
            rf"(?P<verb>{_ADD_UP})\s+(?:(?:a\s+total\s+of|in\s+total)\s+)?(?P<op>{OP_RE})\s+"
            rf"(?P<num>{_TOTAL})(?:\s+(?:in\s+total|altogether|overall|combined|in\s+sum))?",
            self.text,
        )
        if m is None and self.aggregate_ok:
            self._aggregated_children()
            if self._summed is None:
                self._counted_with_count()
            return
        if m is None or not self.aggregate_ok:
            return
        parent, rows = self.cat.table_named(m["parent"]), self.cat.table_named(m["rows"])
        ref = self._added_up(rows, m["verb"]) if rows is not None else None
        if parent is None and rows is not None and ref is not None:
            if "price" in ref.column.name.lower().split("_"):
                return  # "categories whose order items add up to …": a price is no amount
            by = self._value_column(m["parent"], rows, m["via"])
            if by is not None:  # "countries whose orders add up to more than 50000"
                self._read_children(rows)
                self._summed = (m, rows, ref, "sum")
                self._summed_by = by
            return
        if parent is not q.root or rows is None or not self.cat.references(rows, parent):
            return
        if ref is None or m["via"]:
            return
        self._read_children(rows)
        self._summed = (m, parent, ref, "sum")

    def _added_up(self, rows: DatasetSchema, verb: str) -> Ref | None:
        """The column of ``rows`` their verb adds up ("cost": cost), else their money, else their
        one measure."""
        verb = re.sub(r"s$", "", verb.split()[0])
        named = [c for c in rows.columns if c.name.lower() == verb and is_numeric(c)]
        measures = [c for c in rows.columns if is_numeric(c) and not _key(c)]
        ref = Ref(rows, named[0]) if named else self._money(rows)
        if ref is None and len(measures) == 1:  # "add up to": the one measure there is
            ref = Ref(rows, measures[0])
        return ref

    def _value_column(self, words: str, rows: DatasetSchema, via: str | None) -> Ref | None:
        """The one text column ``words`` name ("countries"), of ``rows`` or of a row they refer
        to (of the table ``via`` names, when one is: "customers' orders")."""
        owner = self.cat.table_named(via) if via else None
        if via and owner is None:
            return None
        refs = {
            (r.dataset.dataset, r.column.name): r
            for r in self.cat.columns_named(words, [rows])
            if not is_numeric(r.column)
            and not is_temporal(r.column)
            and not _key(r.column)
            and (owner is None or r.dataset is owner)
            and (r.dataset is rows or self.cat.path(rows, r.dataset, lookups_only=True))
        }
        return next(iter(refs.values())) if len(refs) == 1 else None

    def _aggregated_children(self) -> None:
        """ "clients with an average order above 700", "carriers with a maximum shipment cost
        over 900": an average, maximum or minimum of the measure of the rows that refer to the
        table named first (their amount when no column is named), compared; one group per row
        of that table, as for _summed_children. A sum said so ("with total orders over 10": a
        count, or a sum?) is left to the other passes."""
        q = self.q
        m = re.search(
            r"\b(?P<parent>[a-z_]+)\s+(?:with|having|that\s+have|which\s+have|who\s+have"
            r"|that\s+has|which\s+has|who\s+has)\s+(?:an?\s+|the\s+|their\s+|its\s+)?"
            rf"(?P<agg>{'|'.join(_OF_EACH)})\s+(?P<rows>[a-z_]+(?:\s+[a-z_]+){{0,2}}?)\s+"
            rf"(?:(?:is|are|of)\s+)?(?P<op>{OP_RE})\s+(?P<num>{_TOTAL})\b(?!\s*%)",
            self.text,
        )
        if m is None:
            return
        parent = self.cat.table_named(m["parent"])
        if parent is not q.root:
            return
        tokens = m["rows"].split()
        for n in range(len(tokens), 0, -1):
            rows = self.cat.table_named(" ".join(tokens[:n]))
            if rows is None or rows is parent or not self.cat.references(rows, parent):
                continue
            said = " ".join(tokens[n:])
            if said:  # "average order total": the column named, a measure of those rows
                named = [
                    r
                    for r in self.cat.columns_named(said, [rows])
                    if r.dataset is rows and is_numeric(r.column) and not _key(r.column)
                ]
                ref = named[0] if len(named) == 1 else None
            else:
                ref = self._money(rows)
            if ref is None:
                return
            self._read_children(rows)
            self._summed = (m, parent, ref, _OF_EACH[m["agg"]])
            return

    def _counted_with_count(self) -> None:
        """ "products that appear in more than 52 line items, with that count", "customers with
        over 11 orders and their number of orders": the rows referring to the table named first
        counted per row of it, compared, when the count is also asked as a column; one group
        per row of that table. Without the count asked ("customers with more than 11 orders"),
        the rows wanted (the customers, or their ids and counts?) stay open."""
        q = self.q
        for words in (r"[a-z_]+\s+[a-z_]+", r"[a-z_]+"):  # "line items", "orders"
            m = re.search(
                r"\b(?P<parent>[a-z_]+)\s+(?:(?:that|which|who)\s+)?(?:with|having|have|has"
                r"|(?:appear|appears|show\s+up|shows\s+up|occur|occurs|feature|features|are|is)"
                rf"\s+in)\s+(?P<op>{OP_RE})\s+(?P<num>{_TOTAL})\s+(?P<rows>{words})\b",
                self.text,
            )
            if m is not None and self.cat.table_named(m["rows"]) is not None:
                break
        else:
            return
        parent, rows = self.cat.table_named(m["parent"]), self.cat.table_named(m["rows"])
        if parent is not q.root or rows is None or not self.cat.references(rows, parent):
            return
        forms = "|".join(re.escape(f) for f in sorted(self.cat.forms(rows), key=len)[::-1])
        said = re.search(
            r"(?:,\s*|\s+)(?:with|and|plus|showing|including|incl)\s+(?:that|the|their|its|this"
            rf"|those|a)\s+(?:count|number|number\s+of\s+(?:{forms})|(?:{forms})\s+count)\b",
            self.text[m.end() :],
        )
        if said is None:
            return
        self._read_children(rows)
        self._summed = (m, parent, None, "count")
        self._count_said = (m.end() + said.start(), m.end() + said.end())

    def _counted_with_zero(self, d: DatasetSchema) -> Out | None:
        """ "all customers with their number of orders, including those with none", "every
        customer and their order count, 0 for those without orders": the rows of ``d`` that
        refer to the root counted per row read, the rows with none kept (a LEFT JOIN, counting
        the reference); one group per row read, with all its columns. None unless the words
        keep the rows with none and ``d`` refers to the root in one way only."""
        q = self.q
        edges = self.cat.references(d, q.root)
        if len(edges) != 1 or d is q.root or q.joins or not self.aggregate_ok:
            return None
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(q.root), key=len)[::-1])
        counted = "|".join(re.escape(f) for f in sorted(self.cat.forms(d), key=len)[::-1])
        zero = zero_words(rows, counted)
        said = [m for m in zero.finditer(self.text) if self._free(m)]
        key = next((c for c in q.root.columns if c.name.lower() == "id"), None)
        if len(said) != 1 or key is None:
            return None
        q.tables.add(d.dataset)
        q.joins.append((d, edges[0].sql()))
        q.keep_unmatched = True
        for c in q.root.columns:
            ref = Ref(q.root, c)
            q.groups.append(Out(ref.sql, c.name, ref))
        self._place("join", *said[0].span(), f"Keeps the {q.root.table} with no {d.table}", "")
        for m in re.finditer(
            rf"\b(?:per|for\s+each|for\s+every|by)\s+(?:{rows})\b"
            rf"|^(?:(?:list|show|get|give\s+me)\s+)?(?:all|every|each)\s+(?=(?:{rows})\b)",
            self.text,
        ):
            if self._free(m):
                self.cov.take_match(m)
        return Out(
            f"count({d.dataset}.{ident(edges[0].child_column)})", f"{singular(d.table)}_count"
        )

    def _read_children(self, rows: DatasetSchema) -> None:
        """The rows read from now on are ``rows`` (those that refer to the table named)."""
        q = self.q
        q.root = rows
        q.tables = {rows.dataset}
        self.prefer = [rows, *[d for d in self.prefer if d is not rows]]

    def _counted_children(self) -> None:
        """ "customer countries with more than 90 orders", "warehouse cities having at least
        50 shipments": the other table's rows counted per value of the column named (the
        orders per customer country; per customer too when the column holds no categories,
        "customer names"); those rows read from then on (kept for _parent_count). A table
        alone ("customers with more than 11 orders") is no column to group by."""
        q = self.q
        m = re.search(
            r"\b(?P<parent>[a-z_]+)\s+(?P<col>[a-z_]+)\s+(?:with|having|that\s+have|which\s+have)"
            rf"\s+(?P<op>{OP_RE})\s+(?P<num>{_TOTAL})\s+(?P<rows>[a-z_]+(?:\s+[a-z_]+)?)\b",
            self.text,
        )
        if m is None or not self.aggregate_ok or self._summed is not None:
            return
        parent, rows = self.cat.table_named(m["parent"]), self.cat.table_named(m["rows"])
        if parent is None or rows is None or rows is parent or q.root not in (parent, rows):
            return
        named = [r for r in self.cat.columns_named(m["col"], [parent]) if r.dataset is parent]
        if not named or _key(named[0].column) or not self.cat.path(rows, parent, lookups_only=True):
            return
        q.root = rows
        q.tables = {rows.dataset}
        self.prefer = [rows, *[d for d in self.prefer if d is not rows]]
        self._counted_per = (m, named[0])

    def _parent_count(self) -> list[tuple[int, int, Out]]:
        """The count and the condition _counted_children found, grouped by the column named."""
        if self._counted_per is None:
            return []
        q = self.q
        m, ref = self._counted_per
        out = Out("count(*)", f"{singular(q.root.table)}_count")
        op, number = OPS[m["op"]], digits(m["num"])
        q.having.append(f"count(*) {op} {number}")
        path = self.cat.path(q.root, ref.dataset, lookups_only=True)
        labels = ("name", "title", "email", "code", f"{singular(ref.dataset.table)}_name")
        labelled = ref.column.name.lower() in labels or not ref.column.values
        if labelled and path:  # "customer names": per customer, with the name
            edge = path[-1][0]
            key = Ref(
                edge.child, next(c for c in edge.child.columns if c.name == edge.child_column)
            )
            q.groups.append(Out(self._use(key), key.column.name, key))
        q.groups.append(Out(self._use(ref), ref.column.name, ref))
        self._place("group", m.start("parent"), m.end("col"), f"One row per {ref.label}",
                    f"GROUP BY {ref.sql}")  # fmt: skip
        self._place(
            "filter",
            m.end("col"),
            m.end(),
            f"Keeps the groups with {op} {number} {q.root.table}",
            f"count(*) {op} {number}",
        )
        return [(m.start("rows"), m.end("rows"), out)]

    def _parent_total(self) -> list[tuple[int, int, Out]]:
        """The aggregate and the condition _summed_children or _aggregated_children found,
        grouped by the table named first."""
        if self._summed is None:
            return []
        q = self.q
        m, parent, ref, fn = self._summed
        col = ref.column.name if ref is not None else ""
        if ref is None:
            out = Out("count(*)", f"{singular(q.root.table)}_count")
        elif fn == "sum":
            out = Out(f"sum({self._use(ref)})", col if col.startswith("total") else f"total_{col}")
        else:
            out = Out(f"{fn}({self._use(ref)})", f"{fn}_{col}")
        op, number = OPS[m["op"]], digits(m["num"])
        q.having.append(f"{out.sql} {op} {number}")
        by = self._summed_by
        if by is not None:  # "countries whose orders …": per country
            q.groups.append(Out(self._use(by), by.column.name, by))
            start = m.start("via") if m["via"] else m.start("rows")
            self._place("group", m.start("parent"), m.end("parent"), f"One row per {by.label}",
                        f"GROUP BY {by.sql}")  # fmt: skip
            self.cov.take(m.end("parent"), start)
        else:
            self._group_entity(parent, m.start("parent"), m.end("parent"))
        said = {"sum": m.start("rows"), "count": m.start("op")}.get(fn) or m.start("agg")
        if fn != "sum" and self.cov.free(m.end("parent"), said):
            self.cov.take(m.end("parent"), said)  # "with an", "having the", "that appear in"
        if self._count_said is not None:
            self.cov.take(*self._count_said)
        self._place(
            "filter",
            said,
            m.end(),
            f"Keeps the {parent.table} whose {m['rows']} {fn} to {op} {number}",
            f"{out.sql} {op} {number}",
        )
        return [(m.start("rows"), m.end("rows"), out)]

    def _averaged_counts(self) -> list[tuple[int, int, Out]]:
        """ "the average number of orders per customer", "on average how many parcels does a
        shipment have": the rows read counted per row of the table they refer to, averaged
        over the rows referred to (those with any): count / distinct references."""
        q = self.q
        found: list[tuple[int, int, Out]] = []
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(q.root), key=len)[::-1])
        forms = [
            rf"\b(?:the\s+)?(?:average|avg|mean)\s+(?:number|count|amount|qty|quantity)\s+of\s+"
            rf"(?:the\s+)?(?:{rows})\s+{_PER}\s+(?P<per>[a-z_]+)",
            rf"\b(?:on\s+average|in\s+average|on\s+avg)\s*,?\s+how\s+many\s+(?:{rows})\s+(?:does|do"
            r"|did|has|have|will)\s+(?:an?|each|every|the|one)\s+(?P<per>[a-z_]+)\s+(?:have|has"
            r"|hold|holds|contain|contains|get|gets|carry|carries|include|includes)\b",
            rf"\bhow\s+many\s+(?:{rows})\s+(?:does|do|did|has|have)\s+(?:an?|each|every|the|one)\s+"
            r"(?P<per>[a-z_]+)\s+(?:have|hold|contain|get|carry|include)\s+on\s+average\b",
        ]
        for form in forms:
            for m in re.finditer(form, self.text):
                key = self._reference_to(m["per"]) if self._free(m) else None
                if key is None:
                    continue
                name = f"avg_{q.root.table}_per_{singular(m['per'])}"
                out = Out(f"count(*) * 1.0 / count(DISTINCT {key.sql})", name)
                restated = re.match(  # "(parcels counted per shipment_id, then averaged)"
                    rf"\s*[?.!]?\s*\(\s*(?:(?:{rows})\s+)?counted\s+(?:per|by|for\s+each)\s+"
                    r"[a-z_]+\s*,?\s*(?:and\s+)?(?:then\s+)?averaged\s*\)",
                    self.text[m.end() :],
                )
                end = m.end() + (restated.end() if restated else 0)
                found.append((m.start(), end, out))
                self.cov.take(m.start(), end)
        return found

    def _reference_to(self, word: str) -> Ref | None:
        """The root's column naming the rows of ``word``: its reference to that table ("per
        customer": orders.customer_id), or its column of that name ("per shipment_id")."""
        q = self.q
        d = self.cat.table_named(word)
        edges = self.cat.references(q.root, d) if d is not None and d is not q.root else []
        if edges:
            return Ref(q.root, next(c for c in q.root.columns if c.name == edges[0].child_column))
        named = [r for r in self.cat.columns_named(word, [q.root]) if r.dataset is q.root]
        return named[0] if named else None

    def _distinct_of(self, d: DatasetSchema, words: str) -> Out | None:
        """count(DISTINCT …) of the rows of ``d`` the rows read refer to: the root's reference
        (orders.customer_id), or that of a table joined through references on the way
        (parcels.shipment_id, for tracking scans)."""
        q = self.q
        if d is q.root:
            return None
        edges = self.cat.references(q.root, d)
        if edges:
            col = f"{q.root.dataset}.{edges[0].child_column}"
            return Out(f"count(DISTINCT {col})", f"{singular(words)}_count")
        path = self.cat.path(q.root, d, lookups_only=True)
        if not path:
            return None
        edge = path[-1][0]
        column = next(c for c in edge.child.columns if c.name == edge.child_column)
        sql = self._use(Ref(edge.child, column))
        return Out(f"count(DISTINCT {sql})", f"{singular(d.table)}_count")

    def _distinct_done(self) -> list[tuple[int, int, Out]]:
        """ "distinct shipments scanned per location": the distinct rows of a table counted,
        said before what the rows read did to them, then the groups."""
        found = []
        for start, end, d in self.mentions:
            lead = re.search(
                r"(?:^|[,;:(]|\b(?:and|with|plus))\s*(?:the\s+)?(?P<agg>distinct|unique|different)"
                r"\s+$",
                self.text[:start],
            )
            done = self._done_words(end)
            grouped = re.match(_GROUPED, self.text[end + done :])
            if not done and lead is not None and lead.start() == 0:
                # "unique SKUs in each order": what opens the intent, counted per group
                grouped = re.match(r"\s+(?:per|(?:in|for|at)\s+(?:each|every))\b", self.text[end:])
                done = 0 if grouped is None else -1
            if lead is None or not done or grouped is None:
                continue
            done = max(done, 0)
            if not self.cov.free(lead.start("agg"), end):
                continue
            out = self._distinct_of(d, self.text[start:end])
            if out is not None:
                found.append((lead.start("agg"), end + done, out))
                self.cov.take(lead.start("agg"), end + done)
        return found

    def _asked_done(self, end: int) -> None:
        """ "how many distinct products has each customer bought", "does each warehouse ship
        to": the question's auxiliary and its verb around the group, said of the rows read."""
        asked = re.match(
            r"\s+(?P<aux>has|have|did|does|do)\s+(?:each|every|a|an|the)\s+[a-z_]+\s+"
            r"(?P<verb>[a-z]{3,}(?:\s+(?:to|from|in|at|for|with)\b)?)",
            self.text[end:],
        )
        verb = asked["verb"].split()[0] if asked else ""
        maker = self._made_by(verb)
        if asked and (maker is self.q.root or (re.fullmatch(DONE, verb) and maker is None)):
            self.cov.take(end + asked.start("aux"), end + asked.end("aux"))
            self.cov.take(end + asked.start("verb"), end + asked.end("verb"))

    def _count_said_again(self, m: re.Match[str], aggregates: list[tuple[int, int, Out]]) -> bool:
        """ "customer_id + count", "…, and the count": a bare count listed after a count
        already asked for is that count (its words placed). True when it was."""
        if not m["agg"].startswith("count") or not any(
            o.sql.startswith("count(") for _, _, o in aggregates
        ):
            return False
        listed = re.search(
            r"(?:\+|&|,|\band|\bwith|\bplus)\s*(?:the\s+|a\s+|its\s+|their\s+)?$",
            self.text[: m.start()],
        )
        if listed is None or not re.match(r"\s*(?:$|[,;:.)?!])", self.text[m.end("agg") :]):
            return False
        self.cov.take(m.start(), m.end("agg"))
        return True
