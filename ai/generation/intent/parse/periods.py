"""Periods: a date column and the period its dates fall in ("ordered last month"), and the dates
of related rows."""

from __future__ import annotations

import re

from ai.generation.intent import dates
from ai.generation.intent.grounding import Ref, stem
from ai.generation.intent.lexicon import CREATION_VERBS, DATE_VERBS, FILLER, LEAD_VERBS
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import CAME_TO_BE, CREATION_NOUNS, DATE_NOUNS, WORD
from ai.generation.intent.query import Out
from ai.generation.words import is_temporal

# Words between a date column's name and its period: "whose delivery was in", "that got"
_LINKS = (
    r"is|are|was|were|be|been|being|got|gets|get|has|have|had|falls?|fell|lies|lie|dated|that"
    r"|which|who|whose|happened|occurred|took\s+place"
)


def _disjoint(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Two periods (SQL bounds: on or after, before) of fixed dates that share no day."""
    days = [re.fullmatch(r"DATE '([\d-]+)'", x or "") for x in (*a, *b)]
    lo_a, hi_a, lo_b, hi_b = (m[1] if m else None for m in days)
    return bool(
        (lo_a and hi_b and lo_a >= hi_b) or (lo_b and hi_a and lo_b >= hi_a)
    )  # ISO dates compare as text


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Periods(ParserBase):
    """Places periods and related dates."""

    def _periods(self) -> None:
        q = self.q
        self._grain_verbs()
        self._weekdays()
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
            found = self._date_for(p.start, p.end, p.words)
            if found is None:
                continue
            start, end, ref = found
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

    def _date_for(self, at: int, to: int, words: str) -> tuple[int, int, Ref] | None:
        """The date column a period or a day said from ``at`` to ``to`` is of, with the words
        that name it: (start, end, column); None, with the doubt said, when not known."""
        q = self.q
        self._undated = ""
        start, ref = self._date_column(at)
        end, named = self._date_after(to)
        if ref is not None and named is not None and named != ref:
            q.ambiguous.append(f"'{words}': of {ref.column.name} or {named.column.name}?")
            return None
        ref = ref or named
        if ref is None:
            ref = self._date_of(q.root)
            dated = {r for r in (self._date_of(d) for d in self._parents()) if r is not None}
            if ref is None and not any(is_temporal(c) for c in q.root.columns) and len(dated) == 1:
                ref = dated.pop()  # "order items from 2024": the date of their order
            other = self._other_date(ref) or self._valued_verb(start)
            if self._undated:  # "shipments that went out in Q2 2024"
                other = other or f"the date '{self._undated}' says"
            if ref is not None and other is not None:  # "delivered shipments in March 2024"
                q.ambiguous.append(f"'{words}': of {ref.column.name} or {other}?")
                self.cov.take(at, to)
                return None
        if ref is None:
            q.ambiguous.append(f"'{words}': which date column of {q.root.table} is meant?")
            return None
        return start, end, ref

    def _weekdays(self) -> None:
        """Rows of some days of the week: "orders placed on weekends", "on a Monday", "on
        weekdays", "weekend orders"; a day said once ("on Monday") may be one date: not here."""
        days = "|".join(_WEEKDAYS)
        for m in re.finditer(
            rf"\b(?:(?:on|at|during)\s+(?:an?\s+)?)?(?P<day>weekends|weekdays|(?:{days})s"
            rf"|(?<=\ba\s)(?:weekend|weekday|{days}))\b"
            rf"|\b(?P<adj>weekend|weekday)(?=\s+[a-z_]+)",
            self.text,
        ):
            if not self._free(m):
                continue
            if m["adj"]:  # "weekend orders": said before the rows' name
                after = re.match(r"\s+([a-z_]+)", self.text[m.end() :])
                if after is None or self.cat.table_named(after[1]) is not self.q.root:
                    continue
            lead = re.search(r"\b(?:on|at|during)\s+a\s+$", self.text[: m.start()])
            at = lead.start() if lead is not None else m.start()
            said = (m["day"] or m["adj"]).removesuffix("s")
            found = self._date_for(at, m.end(), self.text[at : m.end()])
            if found is None:
                continue
            start, end, ref = found
            day = f"EXTRACT(ISODOW FROM {self._use(ref)})"  # Monday 1 … Sunday 7
            if said in ("weekend", "weekday"):
                cond = f"{day} IN ({'6, 7' if said == 'weekend' else '1, 2, 3, 4, 5'})"
            else:
                cond = f"{day} = {_WEEKDAYS.index(said) + 1}"
            self.q.where.append(cond)
            text = f"Keeps rows whose {ref.column.name} falls on a {said}"
            self._place("filter", min(start, at), max(end, m.end()), text, cond)

    def _grain_verbs(self) -> None:
        """The verb of rows counted per period, when it names the date grouped by: "customers
        who signed up each year" (created_at), "orders placed per month"; another date of the
        rows named so is left for review. A verb that is also a value of the rows ("delivered",
        a status) is left to the value's filter."""
        q = self.q
        grains = [g.sql for g in q.groups if g.sql.startswith("CAST(date_trunc(")]
        loaded = re.match(rf"(?:please\s+)?(?:{'|'.join(LEAD_VERBS)})\b", self.text)
        if loaded and not re.search(r"\b(?:number|count|how\s+many)\b", self.text):
            return  # "load orders placed each day": counted per day, or loaded each day?
        for m in CAME_TO_BE.finditer(self.text):
            if not grains or not self.cov.free(m.start("said"), m.end("said")):
                continue
            verb = CREATION_NOUNS.get(m["verb"], m["verb"])
            if self.cat.values_named(m["verb"], [q.root]):
                continue  # "shipments delivered per year": status 'delivered', a filter too
            ref = self._date_verb(verb)
            if ref is None and verb in CREATION_VERBS:
                ref = self._date_of(q.root)
            if ref is None:
                continue
            said, name = m["said"], ref.column.name
            if any(f"({ref.sql})" in g or f", {ref.sql})" in g for g in grains):
                self._place("group", m.start("said"), m.end("said"), f"'{said}': by {name}", "")
            else:
                q.ambiguous.append(f"'{said}' names {name}, not the date grouped by")
                self.cov.take(m.start("said"), m.end("said"))

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
            word = re.match(rf"([a-z_]+)(?:\s+(?:{DATE_NOUNS}))?\b", self.text[at:])
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
        named = self._linking_verb_date(head, cut)
        if named is not None:  # "events that occurred in": occurred_at, when only it is so named
            return named
        # Only the words after the last number or mark: in "qty greater than 3 since 2024", the
        # comparison's "than" says nothing of the date.
        clause = re.search(r"[a-z_\s'-]*$", head[:cut])
        clause_start = clause.start() if clause else cut
        words = list(WORD.finditer(head, clause_start, cut))[-3:][::-1]
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

    def _linking_verb_date(self, head: str, cut: int) -> tuple[int, Ref] | None:
        """The one date column of the rows a linking verb before a period names by its stem
        ("occurred" occurred_at), with the start of the verb's words; else None."""
        verb = re.search(
            r"\b(?:(?:that|which|who)\s+)?(?:(?:has|have|had)\s+)?(occurred|happened)\b"
            r"[a-z\s]*$",
            head[cut:],
        )
        if verb is None or not self.cov.free(cut + verb.start(1), cut + verb.end(1)):
            return None
        found = [r for d in self.prefer if (r := self.cat.date_named(verb[1], d)) is not None]
        if not found and verb[1] == "happened":  # the one date of an event the lexicon knows
            found = [
                Ref(d, c)
                for d in self.prefer
                for c in d.columns
                if is_temporal(c)
                and c.name.lower() in DATE_VERBS[verb[1]]
                and c.name != "created_at"
            ]
        return (cut + verb.start(), found[0]) if len(found) == 1 else None

    def _valued_verb(self, start: int) -> str | None:
        """ "orders paid in 2024", "shipments lost in 2024": a value said as the verb of a
        period, with no date of its own; the date it happened on is not known."""
        word = re.search(rf"\b([a-z_]+)\s+(?:(?:{_LINKS})\s+)*$", self.text[:start])
        participle = r"[a-z]+ed|paid|lost|sold|sent|bought|held|kept|left|won|shut|done"
        if word is None or word[1] in CREATION_VERBS or not re.fullmatch(participle, word[1]):
            return None
        found = self.cat.values_named(word[1], [self.q.root])
        return f"the date it became {found[0][1]}" if found else None

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
