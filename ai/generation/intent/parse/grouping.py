"""Group keys: "per country and status", "by month", "for each customer"."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import GRAIN
from ai.generation.intent.query import Out
from ai.generation.words import is_numeric, is_temporal, singular
from workflows.generation_payloads import DatasetSchema

# Between group keys: "per country and status", "grouped by country + status"
_MORE_GROUPS = r"\s*(?:,|\band\b|&|\+)\s*(?:(?:then\s+)?by\s+)?(?:the\s+)?"
# "country / status combination", "country-status pair": keys joined by a slash or a dash
_COMBINATION = r"\s+(?:combination|combo|pair|tuple)s?\b"
_PAIRED_GROUPS = rf"\s*[/-]\s*(?=(?:[a-z_]+\s*[/-]\s*)*[a-z_]+{_COMBINATION})"
_NEXT_GROUP = re.compile(rf"{_MORE_GROUPS}|{_PAIRED_GROUPS}")

# Verbs a question asks of each group's rows ("how many orders did each country place")
_ASKED_VERBS = (
    r"place|make|have|get|receive|buy|purchase|order|generate|create|produce|log|record|see|do"
    r"|issue|send|raise|submit|book|file"
)


def zero_words(rows: str, counted: str) -> re.Pattern[str]:
    """Words that keep the rows (``rows``: their names' forms, a regex) with none of the rows
    counted (``counted``): "including customers with zero orders", "even those with none", "0
    for those without orders"."""
    return re.compile(
        r"(?:,\s*)?\b(?:(?:and\s+)?(?:including|incl|even|also|keep(?:ing)?|plus)\s+(?:also\s+)?"
        rf"(?:the\s+|all\s+)?(?:those|ones|them|{rows})?\s*(?:(?:who|that|which)\s+)?"
        r"(?:with|have|has|having|without)\s+(?:no|zero|0|none|any)"
        r"|(?:with\s+|showing\s+|as\s+)?(?:0|zero)\s+(?:for|when|if|where)\s+(?:those\s+|ones\s+"
        rf"|them\s+|(?:{rows})\s+)?(?:(?:who|that|which)\s+)?(?:(?:have|has)\s+)?"
        r"(?:without(?:\s+any)?|(?:with\s+)?(?:none|no|any)|there\s+(?:is|are)\s+(?:none|no))"
        r")\b"
        rf"(?:\s+(?:{counted}))?(?:\s+(?:at\s+all|too|as\s+well))?\b"
    )


class Grouping(ParserBase):
    """Finds the group keys of an aggregate."""

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
            # "total amount of every sale by customer": a group per row read is no group
            q.ambiguous.append(f"'{self.text[start:end]}': one group per {singular(d.table)}?")
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
            path = self.cat.path(q.root, d, lookups_only=True) if not edges else None
            if edges and label is None:
                col = next(c for c in q.root.columns if c.name == edges[0].child_column)
                ref = Ref(q.root, col)
                q.groups.append(Out(ref.sql, col.name, ref))
            elif path and label is None:  # "each customer" of order items: orders.customer_id
                edge = path[-1][0]
                col = next(c for c in edge.child.columns if c.name == edge.child_column)
                ref = Ref(edge.child, col)
                q.groups.append(Out(self._use(ref), col.name, ref))
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
        self._average_per_row()
        for grain, pattern in GRAIN.items():
            m = re.search(rf"\b(?:{pattern})\b", self.text)
            if m and self.cov.free(*m.span()):
                end = self._grain_group(grain, m)
                more = re.match(_MORE_GROUPS, self.text[end:]) if end is not None else None
                while end is not None and more is not None:  # "per year & status"
                    end = self._group_at(end + more.end(), end)
                    more = re.match(_MORE_GROUPS, self.text[end:]) if end is not None else None
        for m in re.finditer(
            r"\b(?:per|by|for each|for every|each|every|grouped by|group by|broken down by|split by|across)\s+(?:the\s+|its\s+|their\s+)?",  # noqa: E501
            self.text,
        ):
            if not self.cov.free(m.start(), m.end()):
                continue
            end = self._group_at(m.end(), m.start())
            if end is None:
                continue
            self._asked_of_group(m.start(), end)
            paired = False
            more = _NEXT_GROUP.match(self.text[end:])
            while more is not None:  # "per country and status", "per warehouse and status"
                then = self._group_at(end + more.end(), end)
                if then is None:
                    break
                paired = paired or more.group(0).strip() in ("/", "-")
                end = then
                more = _NEXT_GROUP.match(self.text[end:])
            combination = re.match(_COMBINATION, self.text[end:]) if paired else None
            if combination is not None and self.cov.free(end, end + combination.end()):
                self.cov.take(end, end + combination.end())
        for m in re.finditer(r"\s+(?:breakdown|split)\b", self.text):  # "order status breakdown"
            found = self._column_before(m.start(), "", 3)
            if found is not None and self.cov.free(m.start(), m.end()):
                start, ref = found
                q.groups.append(Out(self._use(ref), ref.column.name, ref))
                self._place("group", start, m.end(), f"One row per {ref.label}", ref.sql)
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(q.root), key=len)[::-1])
        if q.groups and not q.keep_unmatched:
            for m in zero_words(r"[a-z_]+", rows).finditer(self.text):
                if self._free(m):  # "orders per customer, even those with none": not grouped so
                    q.ambiguous.append(f"'{m[0].strip(' ,')}': groups with no {q.root.table}?")

    def _average_per_row(self) -> None:
        """ "avg quantity per line item, by product category": an average per row of the rows
        read is the average of their column, with the groups said after it."""
        spans = getattr(self, "_aggregate_spans", [])
        if not any(o.sql.startswith("avg(") for _, _, o in spans):
            return
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(self.q.root), key=len)[::-1])
        for m in re.finditer(rf"\bper\s+(?:an?\s+|each\s+|every\s+)?(?:{rows})\b", self.text):
            later = re.search(
                r"\b(?:per|by|for\s+each|for\s+every|grouped\s+by|broken\s+down\s+by)\s+",
                self.text[m.end() :],
            )
            if self._free(m) and later is not None:
                self.cov.take(m.start(), m.end())

    def _asked_of_group(self, start: int, end: int) -> None:
        """ "how many orders did each country place", "how many purchase events does every
        user have": the question's auxiliary before the group and its verb after, which only
        say that the group's rows are the ones counted."""
        aux = re.search(r"\b(?:did|do|does|has|have)\s+$", self.text[:start])
        verb = re.match(rf"\s+(?:{_ASKED_VERBS})\b", self.text[end:])
        if aux is not None and verb is not None and self.cov.free(aux.start(), aux.end()):
            self.cov.take(aux.start(), aux.end())
            self.cov.take(end, end + verb.end())

    def _grain_group(self, grain: str, m: re.Match[str]) -> int | None:
        """Group by the ``grain`` ("month") of the date said with it ("year (created_at)", "per
        month of placed_at") or of the rows' own date; the end of its words, None if none."""
        q = self.q
        named = re.match(r"\s*\(\s*([a-z_]+)\s*\)", self.text[m.end() :])
        found = self._column_after(m.end() + named.start(1), "temporal", 1) if named else None
        if named and found is not None and found[1].dataset.dataset in q.tables:
            date: Ref | None = found[1]
            end = m.end() + named.end()
        else:
            date, end = self._grain_date(m), m.end()
        if date is None:
            return None
        return self._group_by_grain(grain, date, m.start(), end)

    def _group_by_grain(self, grain: str, date: Ref, start: int, end: int) -> int:
        """Group by the ``grain`` of ``date`` (once, however often it is said), its words from
        ``start`` to ``end`` placed; ``end``."""
        q = self.q
        sql = f"CAST(date_trunc('{grain}', {self._use(date)}) AS DATE)"
        if all(g.sql != sql for g in q.groups):
            q.groups.append(Out(sql, grain))
        self.cov.take(start, end)
        words = self.text[start:end]
        q.say("group", words, f"One row per {grain} of {date.column.name}", f"GROUP BY {sql}")
        return end

    def _table_grain_group(self, pos: int, start: int) -> int | None:
        """Group by the grain of a table's date said as "<table> <grain>" ("by order month": the
        month of the order's date); the end of its words, None if the words are not that."""
        m = re.compile(r"([a-z_]+)(?:'s)?\s+(day|week|month|quarter|year)\b").match(self.text, pos)
        if m is None or not self.cov.free(pos, m.end()):
            return None
        d = self.cat.table_named(m[1])
        date = self._date_of(d) if d is not None else None
        root = self.q.root
        if date is None or (date.dataset is not root and self.cat.path(root, date.dataset) is None):
            return None
        return self._group_by_grain(m[2], date, start, m.end())

    def _referenced_column_group(self, pos: int, start: int) -> int | None:
        """Group by a column of the row a reference names, said as "<reference> <column>" ("per
        user country": the country of the row ``user_id`` refers to); the end of its words, None
        if the words are not that."""
        q = self.q
        m = re.compile(r"([a-z]+)(?:'s)?\s+").match(self.text, pos)
        edge = next(
            (
                e
                for e in self.cat.edges
                if m is not None and e.child is q.root and e.child_column.lower() == f"{m[1]}_id"
            ),
            None,
        )
        if m is None or edge is None or not self.cov.free(pos, m.end()):
            return None
        found = self._column_after(m.end(), "", 2)
        if found is None or found[1].dataset is not edge.parent:
            return None
        end, ref = found
        q.groups.append(Out(self._use(ref), ref.column.name, ref))
        self._place("group", start, end, f"One row per {ref.label}", f"GROUP BY {ref.sql}")
        return end

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
        return ref if ref is not None else self._parent_date()

    def _parent_date(self) -> Ref | None:
        """The date of the one table the root's rows refer to that has one (an order item's
        month is its order's), for rows with no date of their own; None if none or several."""
        dates = [ref for d in self._parents() if (ref := self._date_of(d)) is not None]
        return dates[0] if len(dates) == 1 else None

    def _group_at(self, pos: int, start: int) -> int | None:
        """A group key named at ``pos`` (a column, a table, or "user" for the root's user_id):
        grouped by, its words from ``start`` placed; the end of its words, None if none."""
        q = self.q
        grain = re.compile(r"(day|week|month|quarter|year)\b").match(self.text, pos)
        if grain is not None and self.cov.free(*grain.span()):  # "per country and year"
            self.cov.take(start, pos)
            return self._grain_group(grain[1], grain)
        if (end := self._table_grain_group(pos, start)) is not None:
            return end
        if (end := self._referenced_column_group(pos, start)) is not None:
            return end
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
