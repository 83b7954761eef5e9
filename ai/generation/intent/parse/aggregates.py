"""Aggregates: counts, sums, averages, minimums and maximums, what they are grouped by, and the
measures a ranking or a verb of trade says."""

from __future__ import annotations

import re

from ai.generation.intent import dates
from ai.generation.intent.grounding import Ref
from ai.generation.intent.lexicon import CREATION_VERBS
from ai.generation.intent.parse.across import AcrossTables
from ai.generation.intent.parse.computed import ComputedColumns
from ai.generation.intent.parse.ranking import Ranking
from ai.generation.intent.parse.words import AGG_WORDS, AGGS, CAME_TO_BE, CREATION_NOUNS
from ai.generation.intent.query import Out
from ai.generation.words import is_boolean, is_numeric, is_temporal, singular
from workflows.generation_payloads import DatasetSchema

# Words that open a question, never an aggregate's name ("what is the average total")
_QUESTION_WORDS = {"what", "which", "who", "how", "where", "when", "whats"}


class Aggregates(Ranking, ComputedColumns, AcrossTables):
    """Places aggregates and their groups."""

    def _aggregates(self) -> None:
        q = self.q
        aggregates = [
            *self._averaged_counts(),
            *self._parent_total(),
            *self._parent_count(),
            *self._distinct_done(),
        ]
        top = getattr(self, "_top_request", None)
        for pattern, fn in AGGS:
            for m in re.finditer(
                # the rest is looked at, not consumed: "avg weight_kg and avg cost" is two
                rf"\b(?P<agg>{pattern})\b(?:\s*\(|\s+(?:the|of|all)\b)*\s*(?=(?P<rest>[a-z_ ']*))",
                self.text,
            ):
                if not self.cov.free(m.start(), m.end("agg")):
                    continue
                if m["agg"] == "total" and re.search(
                    rf"\b(?:{AGG_WORDS})\s+$", self.text[: m.start()]
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
                        through = self._distinct_of(d, distinct[1]) if d is not None else None
                        if through is not None:
                            out = through
                        elif refs:
                            out = Out(
                                f"count(DISTINCT {self._use(refs[0])})",
                                f"{refs[0].column.name}_count",
                            )
                        else:
                            continue
                        end = m.start("rest") + distinct.end()
                        if through is not None:
                            end += self._done_words(end)
                        self._asked_done(end)
                    else:
                        word = self._table_words(rest)  # "orders", "line items"
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
                            if self._count_said_again(m, aggregates):
                                continue
                            # "order count", "shipment count"; "count and average total": rows
                            d, first, word = self._counted(m)
                            if d is None:
                                continue
                        zero = self._counted_with_zero(d) if d is not q.root else None
                        if d is not q.root and zero is None:
                            q.counted.append(d)
                            counted_words = f"{m.group(0).strip()} {rest.strip()}"
                            q.ambiguous.append(
                                f"'{counted_words}' counts {d.table}, but the rows read are "
                                f"{q.root.table}"
                            )
                        out = zero or Out("count(*)", f"{singular(d.table)}_count")
                        if word is None:
                            end = m.end("agg")
                        elif word.lastindex is None:
                            end = m.start("rest") + word.end()
                        else:
                            end = m.start("rest")  # the value words are placed by _values
                else:
                    measure = self._measure(rest) or self._superlative_measure(m["agg"], rest)
                    if measure is None and fn in ("min", "max"):
                        measure = self._date_measure(rest)  # "earliest and latest order date"
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
                if (
                    title
                    and self.cov.free(*title.span(1))
                    and title[1].split()[0] not in _QUESTION_WORDS  # "what is the number of …"
                    and self._new_name(title[1])
                ):
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
        if not aggregates and top is None:
            aggregates += self._summed_per_grain()
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
            elif summed and self.cov.free(end, end + summed.end()):
                # "revenue by category, quantity x unit price summed": the sum already placed
                self.cov.take(end, end + summed.end())
        for start, end, out in self._computed_spans:  # "revenue (qty x unit price) per category"
            if (
                # "total quantity and revenue (quantity * unit price)": the revenue summed too
                not any(out.sql in o.sql for _, _, o in aggregates)
                and out.name.split("_")[-1] in ("revenue", "sales", "turnover")
                and (re.search(r"\b(?:per|by|for each|each)\b", self.text) or top is not None)
            ):
                # "made the most revenue (qty * price)": the ranking's word names nothing
                name = re.sub(r"^(?:most|highest|largest|biggest|best|top)_", "", out.name)
                aggregates.append((start, end, Out(f"sum({out.sql})", name)))
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
            ranked_by = self.cat.table_named(m["measure"].strip())
            if (
                found is None
                and desc  # the fewest: values with no rows at all are not counted
                and ranked_by is q.root
                and m["ent"]
                and not self.cat.table_named(m["ent"])
            ):  # "the 3 countries with the most orders": the rows read counted per value
                count = Out("count(*)", f"{singular(q.root.table)}_count")
                self._top_values(m, n, desc, count, m.end("measure"))
                return
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
                and (summed or self._amount_of_rows(found[1]))
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
            if (
                entity is None
                and m["ent"]
                and (summed or self._amount_of_rows(found[1]))
                and found[1].dataset is q.root
                and desc  # the lowest: values with no rows at all are not summed
                and self._top_values(m, n, desc, self._sum_of(found[1]), found[0])
            ):  # "top 3 countries by order total"
                return
            if m["ent"] and entity is not q.root:
                # "the 5 biggest spenders by order total": ranked rows of what?
                q.ambiguous.append(
                    f"'{m.group(0).strip()}': the top {n} {m['ent']}, of which rows?"
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
                rf"\b(?:(?:with|and|including|include|plus|showing|show)\s+)?(?:the\s+|their\s+|its\s+)?(?:{re.escape(a.name.replace('_', ' '))}|{re.escape(a.name)})\b",  # noqa: E501
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

    def _sum_of(self, ref: Ref) -> Out:
        """The sum of ``ref``, named total_<column> (the column's name when it is a total)."""
        col = ref.column.name
        return Out(f"sum({self._use(ref)})", col if col.startswith("total") else f"total_{col}")

    def _top_values(self, m: re.Match[str], n: int, desc: bool, agg: Out, end: int) -> bool:
        """ "top 3 countries by order total", "the 3 countries with the most orders": ``agg``
        of the rows read per value of the one text column the ranked words name, on those
        rows or on a row they refer to, the first ``n`` by it (the ranking's words end at
        ``end``); only the groups and the aggregate are asked. True when placed."""
        q = self.q
        if not self.aggregate_ok:
            return False
        refs = [
            r
            for r in self.cat.columns_named(m["ent"], self.prefer)
            if not is_numeric(r.column)
            and not is_temporal(r.column)
            and (r.dataset is q.root or self.cat.path(q.root, r.dataset, lookups_only=True))
        ]
        if len({(r.dataset.dataset, r.column.name) for r in refs}) != 1:
            return False
        q.aggregates.append(agg)
        self._group_by_values(m["ent"], m.start("ent"), m.end("ent"))
        q.order.append(f"{agg.name} {'DESC' if desc else 'ASC'}")
        q.limit = n
        self.cov.take(m.start(), max(end, m.end("measure")))
        q.say(
            "aggregate",
            m.group(0),
            f"Computes {agg.name} as {agg.sql} per {refs[0].label}",
            f"{agg.sql} AS {agg.name} ORDER BY {agg.name} LIMIT {n}",
        )
        return True

    def _date_measure(self, words: str) -> tuple[str, str, str] | None:
        """(SQL, name, words used) of the date an earliest or latest reads: a date column named
        ("placed_at"), or a table's date ("order date"), read through the root's references."""
        words = words.strip()
        shared = re.match(rf"(?:and|or|,|/|&)\s*(?:the\s+)?(?:{AGG_WORDS})\s+", words)
        skipped = shared.end() if shared else 0  # "earliest and latest order date"
        tokens = words[skipped:].split()
        for n in range(min(3, len(tokens)), 0, -1):
            phrase = " ".join(tokens[:n])
            refs = [r for r in self.cat.columns_named(phrase, self.prefer) if is_temporal(r.column)]
            dated = re.fullmatch(r"(?:(?P<table>[a-z_]+)\s+)?(?:date|time|timestamp)", phrase)
            if not refs and dated is not None:
                d = self.cat.table_named(dated["table"]) if dated["table"] else self.q.root
                ref = self._date_of(d) if d is not None else None
                refs = [ref] if ref is not None else []
            if refs and (refs[0].dataset is self.q.root or refs[0].dataset in self._parents()):
                ref = refs[0]
                return self._use(ref), ref.column.name, words[:skipped] + phrase
        return None

    def _table_words(self, rest: str) -> re.Match[str] | None:
        """The words opening ``rest`` that name a table, the longest first ("line items"); else
        its first word."""
        for n in (3, 2):
            m = re.match(rf"[a-z_]+(?:\s+[a-z_]+){{{n - 1}}}\b", rest)
            if m and self.cat.table_named(m[0]) is not None:
                return m
        return re.match(r"[a-z_]+", rest)

    def _amount_of_rows(self, ref: Ref) -> bool:
        """True when ``ref`` is an amount its rows add up to (a total, a value, a quantity), not
        a rate like a price: what ranking the rows' parent by it sums ("top 5 customers by
        order value")."""
        parts = set(ref.column.name.lower().split("_"))
        amounts = {"amount", "total", "revenue", "value", "cost", "quantity", "qty", "units"}
        return is_numeric(ref.column) and bool(parts & amounts) and "price" not in parts

    def _summed_per_grain(self) -> list[tuple[int, int, Out]]:
        """ "monthly sales amount", "weekly cost": a measure said after a grain with no
        aggregate is its sum per period."""
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(self.q.root), key=len)[::-1])
        m = re.search(
            rf"\b(?:daily|weekly|monthly|quarterly|yearly|annual)\s+(?:(?:{rows})\s+)?", self.text
        )
        found = self._column_after(m.end(), "numeric", 2) if m and self._free(m) else None
        if m is None or found is None or found[1].dataset is not self.q.root:
            return []  # "weekly" read as a schedule is no period
        end, ref = found
        start = m.end() - len(m[0]) + m[0].index(" ") + 1
        self.cov.take(start, end)
        return [(start, end, Out(f"sum({self._use(ref)})", f"total_{ref.column.name}"))]

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
            fn = next(f for p, f in AGGS if re.fullmatch(p, m["agg"].replace("number", "count")))
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
        for m in re.finditer(  # "(name + total)", "name and the sum", "id, name and amount":
            # the one sum, listed by its word or its column's
            r"(?:\+|&|,|\band\b|\bplus\b|\bwith\b)\s*(?:the\s+|their\s+|its\s+)?"
            r"(?P<word>[a-z_]+)(?=\s*(?:$|[),.;?]))",
            self.text,
        ):
            word = m["word"]
            named = any(r.sql == summed for r in self.cat.columns_named(word, self.prefer))
            if (word in ("total", "sum") or named) and self._free(m, "word"):
                self.cov.take(m.start("word"), m.end("word"))

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
        them = re.match(
            r"\s+(?:them|those|these|it\s+all|all\s+of\s+them)(?:\s+up)?\b",
            self.text[m.end("agg") :],
        )
        if them is not None:  # "events by type, count them": the rows read
            self.cov.take(m.end("agg"), m.end("agg") + them.end())
            return self.q.root, m.start(), None
        if re.match(r"\s*(?:$|[,;:.)+&]|and\b|or\b|per\b|by\b|for\b)", self.text[m.end("agg") :]):
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
            verb = CAME_TO_BE.match(self.text, end)  # "customers who signed up each year"
            if verb is not None and verb["verb"] not in CREATION_VERBS | CREATION_NOUNS.keys():
                verb = None
            if (
                re.match(
                    r"\s+(?:per|for\s+each|for\s+every|grouped\s+by|broken\s+down\s+by)\s",
                    self.text[end:],
                )
                or (lead and re.match(r"\s+(?:by|per)\s", self.text[end:]))
                or verb is not None
            ):
                # "orders per customer country", "breakdown of orders by customer country"
                start = lead.start() if lead else start
                aggregates.append((start, end, Out("count(*)", f"{singular(d.table)}_count")))
                self.cov.take(start, end)
                return

    def _superlative_measure(self, agg: str, rest: str) -> tuple[str, str, str] | None:
        """ "the lightest and heaviest parcel": the measure the adjective names, of the rows."""
        shared = re.match(rf"(?:and|or|,|/)\s*(?:the\s+)?(?:{AGG_WORDS})\s+", rest.strip())
        words = rest.strip()[shared.end() if shared else 0 :]
        table = re.match(r"[a-z_]+", words)
        ref = self._measure_of(agg)
        if table is None or ref is None or self.cat.table_named(table[0]) is not self.q.root:
            return None
        used = (
            rest[: len(rest) - len(rest.lstrip())] + rest.strip()[: len(rest.strip()) - len(words)]
        )
        return self._use(ref), ref.column.name, used + table[0]

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

    def _measure(self, words: str) -> tuple[str, str, str] | None:
        """(SQL, name, words used) of what an aggregate reads: a column, a computed column, or
        a money word (revenue) over the table's amounts."""
        words = words.strip()
        shared = re.match(
            rf"(?:and|or|,|/|\+|&)\s*(?:the\s+)?(?:{AGG_WORDS})\s+(?:of\s+)?(?:the\s+)?", words
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
