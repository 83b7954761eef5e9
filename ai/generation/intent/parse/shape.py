"""How the rows come out: the schedule and load words, one row per key ("latest order per
customer"), the first rows of each key, and the order."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref
from ai.generation.intent.lexicon import CREATION_VERBS, LEAD_VERBS
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import (
    AGG_WORDS,
    CAME_TO_BE,
    CREATION_NOUNS,
    GRAIN,
    SUPERLATIVES,
)
from ai.generation.intent.query import Out
from ai.generation.words import is_temporal, singular

_SCHEDULES = {
    r"\bevery hour\b|\bhourly\b": "0 * * * *",
    r"\bevery day\b|\bdaily\b|\bnightly\b|\beach night\b|\bevery night\b": "0 2 * * *",
    r"\bevery week\b|\bweekly\b": "0 2 * * 1",
    r"\bevery month\b|\bmonthly\b": "0 2 1 * *",
}

# The first row by a column: "the parcel with the highest weight"
_ARGMAX = (
    r"highest|max(?:imum)?|biggest|largest|greatest|heaviest|lowest|min(?:imum)?|smallest"
    r"|least|latest|newest|most\s+recent|earliest|oldest|first|last"
)


class RowShape(ParserBase):
    """Passes for the schedule, load words, one row per key and the order."""

    def _schedule(self) -> None:
        grain_words = "|".join(GRAIN.values())
        aggregated = re.search(
            r"\b(?:total|sum|count|number of|average|revenue|sales)\b", self.text
        )
        for pattern, cron in _SCHEDULES.items():
            m = re.search(pattern, self.text)
            if m and re.fullmatch(grain_words, m[0]) and self._measure_after(m.end()):
                return  # "monthly shipment cost": a sum per month, not a schedule
            came = next(
                (c for c in CAME_TO_BE.finditer(self.text) if m and c.end() == m.end()), None
            )
            loaded = re.match(rf"(?:please\s+)?(?:{'|'.join(LEAD_VERBS)})\b", self.text)
            created = CREATION_VERBS | CREATION_NOUNS.keys()
            if came is not None and came["verb"] in created and loaded is None:
                return  # "orders placed every month": counted per month, not a schedule
            if m and not (aggregated and re.fullmatch(grain_words, m.group(0))):
                self.q.schedule = cron
                self.cov.take_match(m)
                self.q.say("schedule", m.group(0), f"Runs on the schedule {cron} (UTC)", cron)
                return

    def _measure_after(self, end: int) -> bool:
        """True when the words after ``end`` name a measure of the rows ("monthly [sales]
        amount")."""
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(self.q.root), key=len)[::-1])
        table = re.match(rf"\s+(?:{rows})\b", self.text[end:])
        found = self._column_after(end + (table.end() if table else 0), "numeric", 2)
        return found is not None and found[1].dataset is self.q.root

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
        if self._argmax() or self._distinct_values():
            return
        which = rf"(?:very\s+)?(?:most\s+recent(?:ly)?|latest|newest|last|first|initial|earliest|oldest|{SUPERLATIVES})"  # noqa: E501
        verb = (
            r"(?:\s+(?P<verb>updated|modified|created|placed|changed|added|scanned|made"
            r"|recorded)\b)?"
        )
        what = r"(?P<what>[a-z_]+(?:\s+(?!(?:[a-z]+ed|by|per|for|of|in|with|and|or)\b)[a-z_]+)?)"
        key_re = r"(?P<key>[a-z_]+(?:'s)?(?:\s+[a-z_]+)?)"
        keep = (
            r"(?:(?:keep(?:ing)?|retain(?:ing)?|take|taking|pick(?:ing)?|just|only"
            r"|(?:down|reduced|narrowed|trimmed)\s+to)\s+)*"
        )
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
                    rf"\b(?:{AGG_WORDS})\s*(?:and|or|,|&|\+|/)\s*(?:the\s+)?$",
                    self.text[: x.start("which")],
                )
            ),
            None,
        )
        chosen = None
        if m is None:
            m = re.search(
                r"\b(?:dedup\w*|de-?dup\w*|remove\s+duplicates?|without\s+duplicates?|duplicates?"
                r"|(?:with\s+)?no\s+duplicates?|one\s+(?:row|record|entry)|unique|distinct)\s+"
                r"(?:(?:the\s+)?[a-z_]+\s+(?=(?:by|on|per|of|for|in|\(?\s*(?:with\s+(?:the\s+)?)?same"
                r"|sharing)\s))?(?:(?:by|on|per|of|for|in|\(?\s*(?:with\s+(?:the\s+)?)?same|sharing"
                r"(?:\s+an?|\s+the)?)\s+(?:each\s+|every\s+|the\s+)?)?(?P<key>[a-z_]+(?:\s+[a-z_]+)?)",
                self.text,
            )
            if m is None or not self._free(m) or self._counted_distinct(m.start()):
                return
            if m[0].startswith("distinct") and not re.search(r"\b(?:by|on|same|sharing)\b", m[0]):
                return  # "distinct customers per status": a count, or the values, not a dedupe
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
        valued = self._valued_rows(what_words)
        if valued:  # "the latest purchase event per user": the purchase events, one per user
            what_words = what_words[valued:].strip()
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
            r"first|initial|earliest|oldest|lightest|smallest|shortest|cheapest", which_words
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
            if order_col is None and re.fullmatch(SUPERLATIVES, which_words):
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
        if valued:  # the values' words are left for their filter (values._values)
            self.cov.take(m.start("what") + valued, span_end)
            span_end = m.start("what")
        self._place(
            "dedupe",
            m.start(),
            span_end,
            f"Keeps one row per {key.column.name}: the {which_words} by {order_col.column.name}",
            f"row_number() OVER (PARTITION BY {key.sql} ORDER BY {q.one_order}) = 1",
        )
        for extra in re.finditer(  # the dedupe said again: "unique", "duplicates … removed"
            r"\b(?:unique|distinct|dedup\w*|de-?dup\w*|(?:duplicates?\s+)?(?:removed|dropped"
            r"|eliminated)|wins|kept|retained|preserved|stays|remains"
            r"|(?:one|a\s+single)\s+(?:row|record|entry)\s+(?:each|apiece))\b",
            self.text,
        ):
            if self._free(extra):
                self.cov.take_match(extra)
            elif extra[0].endswith(("each", "apiece")):  # "one row each": "one row" placed
                self.cov.take(extra.end() - len(extra[0].split()[-1]), extra.end())
        if chosen is not None:
            self.cov.take(m.end() + chosen.start(), m.end() + chosen.end())
        elif m.groupdict().get("which") is not None and m.start("which") > span_end:
            self.cov.take(m.start("which"), m.end())

    def _valued_rows(self, what: str) -> int:
        """How many characters of ``what`` ("purchase event") are values of the root said
        before its rows ("event"); 0 when they are not."""
        said = what.split()
        if len(said) < 2 or self.cat.table_named(said[-1]) is not self.q.root:
            return 0
        if not all(self.cat.values_named(w, [self.q.root]) for w in said[:-1]):
            return 0
        return len(" ".join(said[:-1])) + 1

    def _distinct_values(self) -> bool:
        """ "unique list of customer countries", "distinct event types": the values of one
        column, each once. True when the words were read."""
        q = self.q
        m = re.search(
            r"\b(?:(?:an?|the)\s+)?(?:(?:list|set)\s+of\s+(?:the\s+|all\s+)?)?(?:unique|distinct"
            r"|different)\s+(?:(?:list|set)\s+of\s+(?:the\s+|all\s+)?)?",
            self.text,
        )
        if m is None or not self._free(m) or self._counted_distinct(m.start()):
            return False
        if re.search(r"\b(?:with|having|that\s+have|who\s+have)\s+$", self.text[: m.start()]):
            return False  # "customers with distinct emails": which rows?
        found = self._column_after(m.end(), "", 3)
        if found is None or found[1].dataset is not q.root:
            return False
        end, ref = found
        values = re.match(r"\s+values?\b", self.text[end:])
        end += values.end() if values else 0
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(q.root), key=len)[::-1])
        tail = re.match(
            rf"\s*(?:(?:of|from|in|across)\s+(?:the\s+|all\s+)?(?:{rows})\b)?", self.text[end:]
        )
        rest = self.text[end + (tail.end() if tail else 0) :]
        if not re.match(r"\s*(?:$|[,.;:)]|\b(?:please|pls|only)\b)", rest):
            return False  # "unique emails per country": more than a list of values
        out = Out(ref.sql, ref.column.name, ref)
        q.columns = [out]
        q.one_per = out
        q.one_order = ref.sql
        self._place(
            "dedupe",
            m.start(),
            end + (tail.end() if tail else 0),
            f"Keeps each value of {ref.column.name} once",
            f"SELECT DISTINCT {ref.sql}",
        )
        return True

    def _counted_distinct(self, start: int) -> bool:
        """True when "unique" at ``start`` says what is counted, not one row per key: "number
        of unique parcels …", "unique parcels scanned per warehouse"."""
        if re.search(
            r"\b(?:number\s+of|how\s+many|count\s+of|count(?:ing)?)\s+(?:the\s+)?$",
            self.text[:start],
        ):
            return True
        named = next(((s, e) for s, e, _ in self.mentions if s > start), None)
        if named is None or not re.fullmatch(r"[a-z]+\s+", self.text[start : named[0]]):
            return False
        done = self._done_words(named[1])
        grouped = r"\s*(?:per|by|each|every|for\s+each|at\s+each|in\s+each)\b"
        return bool(done and re.match(grouped, self.text[named[1] + done :]))

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
