"""Columns of other tables and relation words: "orders with their customer's name", "shipments
and their warehouse"."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.query import Out
from ai.generation.words import singular
from workflows.generation_payloads import DatasetSchema


class Picks(ParserBase):
    """Places the columns picked from joined tables."""

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
            if q.aggregates and any(g.sql == sql for g in q.groups):
                self.cov.take(start, end)  # "each customer … customer_id": the group named
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
            beside = re.match(  # "the user's name next to each event"
                r"\s+(?:next\s+to|beside|alongside)\s+(?=(?:each|every|all|the)\s)", self.text[end:]
            )
            if beside is not None:
                self.cov.take(end, end + beside.end())
            q.say(
                "join",
                self.text[start:end],
                f"Adds {ref.label} as {name}, joined through the foreign keys",
                f"{sql} AS {name}",
            )
        if q.picks and not q.aggregates and not q.groups:
            self._trailing_each()  # "order items with the product name for each"
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
            head = len(projection) == 1 and self._said_first(projection[0].name)
            # "customer name and the year of created_at": a column listed with a computed one
            listed_with_computed = bool(self._computed_cols)
            if marker or len(projection) >= 2 or listed or head or listed_with_computed:
                q.columns = projection
                q.say(
                    "projection",
                    ", ".join(p.name for p in projection),
                    "Keeps the columns " + ", ".join(p.name for p in projection),
                    ", ".join(p.sql for p in projection),
                )
                for m in re.finditer(r"\b(?:only|just|columns?|fields?)\b", self.text):
                    self.cov.take_match(m)
                self._trailing_each()
            else:
                # one root column named alone, with nothing done to it: not understood, unless
                # listed with columns of other tables ("with order id, order status and product
                # name"): a column every row keeps anyway
                for p in projection:
                    span = self._projection_spans.get(p.name)
                    if span is None or not self._listed_with_picks(*span):
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

    def _trailing_each(self) -> None:
        """ "order items: order id, … and product name for each": the rows, each given them."""
        each = re.search(
            r"\s(?:for\s+)?(?:each|every\s+one)(?:\s+(?:one|row|of\s+them))?\s*[.!]?\s*$",
            self.text,
        )
        if each is not None and self._free(each):
            self.cov.take_match(each)

    def _said_first(self, name: str) -> bool:
        """The root column ``name`` opens the intent, of its rows ("emails of active
        customers", "get the email for banned members"): the one column asked for."""
        span = self._projection_spans.get(name)
        if span is None:
            return False
        lead = re.fullmatch(
            r"\s*(?:(?:get|load|pull|extract|fetch|export|copy|list|give\s+me|i\s+need)\s+)?"
            r"(?:(?:all|the)\s+)*",
            self.text[: span[0]],
        )
        rows = re.compile(r"\s+(?:of|for|from)\s")  # "… of active customers", "… of customers"
        said = self.text[span[0] : span[1]]
        return lead is not None and bool(rows.match(self.text[span[1] :]) or rows.search(said))

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
            rf"(?:part\s+of|in|from|for))(?:\s+to)?"  # "the warehouse they ship from":
            r"|(?:that\s+|which\s+)?(?:they|it)\s+(?:(?:is|are|was|were|get|got)\s+)?[a-z]{2,}"
            rf"\s+(?:from|to|in|at|into|through|via|by|with|for)){restated}"
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
        for e in self.cat.edges:  # "events of users from France": the rows user_id refers to
            role = e.child_column.lower().removesuffix("_id")
            if e.child is not q.root or e.parent.dataset not in joined or role == e.child_column:
                continue
            if self._role(role) is not e.parent:
                continue
            for m in re.finditer(rf"\b{re.escape(role)}s?\b", self.text):
                if self._free(m):
                    self.cov.take_match(m)

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

    def _one_per_group(self, ref: Ref) -> bool:
        """True when each group is one row of ``ref``'s table (grouped by its id, or by the
        root's reference to it), so the column has one value per group."""
        q = self.q
        for g in q.groups:
            if g.ref is None:
                continue
            if g.ref == ref:  # grouped by that very column
                return True
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

    def _listed_with_picks(self, start: int, end: int) -> bool:
        """True when the words [start, end) sit in a list with a column of another table placed
        just before or after them ("order id, order status")."""
        if not self.q.picks:
            return False
        sep = r"\s*(?:,|\band\b|&|\+)\s*(?:the\s+|its\s+|their\s+)?"
        after = re.match(sep, self.text[end:])
        before = re.search(sep + "$", self.text[:start])
        return bool(
            (
                after
                and end + after.end() < len(self.text)
                and not self.cov.free(end + after.end(), end + after.end() + 1)
            )
            or (
                before
                and before.start() > 0
                and not self.cov.free(before.start() - 1, before.start())
            )
        )

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
