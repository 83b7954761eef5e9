"""Rows without a match: "customers who never placed an order", "orders without a customer",
rows kept when nothing matches (a LEFT JOIN)."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import plural
from ai.generation.intent.parse.base import ParserBase, participle_stem
from ai.generation.intent.parse.words import DONE, DROPPED, NEGATE, SET_WORDS
from ai.generation.planning import q as ident
from ai.generation.words import singular
from connectors.postgres.sql import quote_literal
from workflows.generation_payloads import DatasetSchema

# Words between "never"/"without" and the table or verb: "never placed an order", "don't have a
# single shipment", "not in any order", "never used for a shipment"
_ANTI_WORDS = {
    *["a", "an", "any", "single", "one", "been", "ever", "yet", "have", "has", "had", "got"],
    *["in", "on", "for", "by", "of", "to", "from", "with", "appear", "appears", "use", "get"],
}


# Before a value of a table that the rows reach through another: "who bought a", "containing"
_THROUGH_VALUE = re.compile(
    r"\b(?:(?:who|that|which)\s+(?:(?:have|has|had)\s+)?(?:(?:ever|already|once)\s+)?"
    rf"(?P<verb>{DONE}|contains?|includes?|holds?|have|has|had)|containing|including|holding)\s+"
    r"(?:(?:an?|any|some|the|at\s+least\s+one|one\s+or\s+more)\s+)?"
)
# Verbs that say a row holds another's value whatever the tables between are called
_HOLDING: set[str | None] = {"bought", "purchased", "contain", "contains", "include", "includes"}
_HOLDING |= {"hold", "holds", "have", "has", "had", None}  # None: "containing", "including"
# What ends the value's words: "…a lawn mower", "…a webcam, with their email"
_CLAUSE_END = re.compile(r"\s*(?:$|[,.;)?!]|\band\b|\bwith\b|\bplus\b|\bshowing\b)")

# After "no <table>": the verb of a relative clause ("warehouses no shipment came from")
_RELATIVE_VERB = re.compile(
    r"\s+(?:(?:has|have|had|was|were|is|are)\s+)?(?:ever\s+)?[a-z]{2,}(?:ed|t|me|ne|nt)?"
    r"\s+(?:from|to|for|in|at|on|with|by|into|through)\b"
)
# After the table: a value of its rows ("a loan that was overdue", "an order with status lost")
_QUALIFIER = re.compile(
    r"\s+(?:(?:that|which)\s+(?:was|were|is|are|got|has\s+been|have\s+been|had\s+been)\s+"
    r"|(?:with|in)\s+(?:the\s+)?(?:status|state)\s+(?:of\s+)?|)(?P<value>[a-z_]+)\b"
)


class AntiJoins(ParserBase):
    """Places anti-joins and unmatched rows."""

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
            rf"(?:\s+an?|\s+any)?|with\s+no|lacking(?:\s+an?)?)\s+(?:{tables}|one)"
            r"(?:\s+(?:too|as\s+well|also))?\b"
            r"|\b(?:or\s+)?(?:empty|null|blank|missing|none|nothing|left\s+(?:null|empty|blank))\s+"
            r"(?:when|if|where|for\s+(?:those|the\s+ones|rows))\s+(?:there\s+is\s+|there's\s+"
            r"|it\s+has\s+|they\s+have\s+|the\s+[a-z_]+\s+has\s+|without\s+an?\s+)?(?:no\s+)?"
            r"(?:[a-z_]+)(?:\s+(?:is|was))?(?:\s+(?:assigned|set|known|given|linked|found|present))?\b"
            r"|\b(?:with\s+)?(?:the\s+|its\s+|their\s+)?[a-z_]+\s+left\s+(?:null|empty|blank)\b"
            r"|\b(?:where|when|if)\s+(?:there\s+is\s+one|there's\s+one|it\s+has\s+one|they\s+have"
            r"\s+one|one\s+exists|known|available|present|any|set|assigned)\b"
            r"|\beven\s+(?:when|if|where)\s+(?:there\s+is|there's|it\s+has|they\s+have)\s+(?:no|none)"
            rf"\s+(?:an?\s+)?(?:{tables})(?:\s+(?:{SET_WORDS}))?\b"
            r"|\(\s*left(?:\s+outer)?(?:\s+join)?\s*\)"
            r"|\b(?:keep(?:ing)?|includ(?:e|ing)|retain(?:ing)?|even)\s+(?:the\s+)?(?:un(?:assigned|matched"
            rf"|linked)|anonymous|orphan(?:ed)?)\s+(?:ones|rows|{tables})(?:\s+(?:too|as\s+well|also))?\b",
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
            rf"\b(?:{NEGATE}|without|but\s+not|not)\s+(?:the\s+|any\s+)?(?:un(?:assigned|matched"
            rf"|linked)|anonymous|orphan(?:ed)?)\s+(?:ones|rows|{tables})\b",
            self.text,
        ):
            if self._free(m) and len(nullable) == 1:  # "drop unassigned ones": its reference set
                cond = f"{q.root.dataset}.{nullable[0].child_column} IS NOT NULL"
                q.where.append(cond)
                self._place("filter", m.start(), m.end(), "Keeps only rows with a match", cond)

    def _anti_joins(self) -> None:
        """ "customers who never placed an order", "products nobody ordered", "carriers that
        don't have a single shipment": no row of a table referring to the root refers to it."""
        q = self.q
        for m in re.finditer(
            r"\b(?:(?:that|which|who)\s+)?(?:without|with\s+(?:no|zero|0)|having\s+no|lacking"
            r"|lacks?|(?:have|has|had)\s+(?:no|zero)|(?:have|has|had|do|does|did)\s+not"
            r"|(?:have|has|had|do|does|did)n't|(?:have\s+|has\s+)?never|nobody|no\s+one|not"
            r"|(?:[a-z]{3,}ed|made|bought|sold)\s+(?:no|zero)"  # "who placed no orders"
            r"|where\s+no|for\s+which\s+no|(?<=[a-z]\s)no)\b",  # "warehouses no shipment came from"
            self.text,
        ):
            if not self._free(m) or re.search(
                rf"\b(?:{NEGATE})\s+(?:(?:any|all|the)\s+)?(?:[a-z_]+\s+)?$",
                self.text[: m.start()],
            ):
                continue  # "ignoring customers without orders": _nullness keeps those with
            bare = re.fullmatch(r"(?:where\s+|for\s+which\s+)?no", m.group(0)) is not None
            table, verb, end = None, None, m.end()
            said = list(re.finditer(r"[a-z_']+", self.text[m.end() :]))[:7]
            qualifiers: list[str] = []  # "no cancelled orders": words that are the rows' values
            for i, w in enumerate(said):
                at = m.end() + w.start()
                named = next(((s, e, d) for s, e, d in self.mentions if s == at), None)
                if named is not None:
                    table, end = named[2], named[1]
                    break
                auxiliary = re.search(r"(?:do|does|did|n't|not|never)$", m.group(0))
                first_verb = i == 0 and auxiliary is not None  # "did not place any orders"
                valued = w[0] not in _ANTI_WORDS and self._referring_value(w[0]) is not None
                if (bare and not valued) or (
                    w[0] not in _ANTI_WORDS
                    and not re.fullmatch(r"[a-z]{2,}ed", w[0])
                    and not first_verb
                    and not valued
                ):
                    break
                if valued or re.fullmatch(r"[a-z]{2,}ed", w[0]):
                    qualifiers.append(w[0])
                verb = w[0] if w[0] not in _ANTI_WORDS else verb
                end = m.end() + w.end()
            child = self._referring(table) if table is not None else None
            if child is None and table is None and verb is not None:
                child = self._child_by_verb(verb)  # "never ordered": no order refers to it
            if child is None:
                continue
            edge = self.cat.references(child, q.root)[0]
            rest = re.match(
                r"(?:\s+(?:at\s+all|ever|yet|anything|whatsoever|assigned|linked|exists?"
                r"|(?:is|are|was|were)\s+(?:found|recorded|listed|there)"
                r"|(?:to|for|with)\s+(?:it|them)))+\b",
                self.text[end:],
            )
            end += rest.end() if rest else 0
            if bare and rest is None:
                relative = _RELATIVE_VERB.match(self.text, end)  # "no shipment came from"
                if relative is None:
                    continue
                end = relative.end()
            where = [edge.sql()]
            for word in qualifiers:  # "never had a cancelled order", "no lost shipments"
                found = self._referring_value(word, child)
                if found is not None:
                    where.append(found)
                elif word != verb:
                    break  # a verb's participle, not a value: "never placed an order"
            else:
                after = _QUALIFIER.match(self.text, end)  # "a loan that was overdue"
                found = self._referring_value(after["value"], child) if after else None
                if after is not None and found is not None:
                    where.append(found)
                    end = after.end()
                qualifiers = []
            if qualifiers:
                continue  # a word before the table that is not one of its values
            dropped = DROPPED.match(self.text, end)  # "customers without orders excluded"
            end = dropped.end() if dropped else end
            exists = "EXISTS" if dropped else "NOT EXISTS"
            cond = f"{exists} (SELECT 1 FROM {child.dataset} WHERE {' AND '.join(where)})"
            q.where.append(cond)
            said_values = [w.rsplit("= ", 1)[1] for w in where[1:]]
            which = f" that are {', '.join(said_values)}" if said_values else ""
            self._place(
                "filter",
                m.start(),
                end,
                f"Keeps {q.root.table} {'with' if dropped else 'without'} any {child.table}{which}",
                cond,
            )
        self._semi_joins()
        self._valued_semi_joins()
        self._semi_joins_through_value()

    def _semi_joins(self) -> None:
        """ "clients who have ordered", "customers that placed an order", "products which were
        bought": some row of the one table the verb (or the table named) stands for refers to
        the root; never guessed among several such tables."""
        q = self.q
        for m in re.finditer(
            r"\b(?:who|that|which)\s+(?:(?:have|has|had)\s+been\s+|(?:was|were|have|has|had|did)"
            r"\s+)?(?:(?:ever|already)\s+)?"
            rf"(?P<verb>{DONE})(?:\s+(?:something|anything|before|already)|\s+(?:an?|some)\s+"
            r"(?P<table>[a-z_]+(?:\s+[a-z_]+)?))?(?=\s*(?:$|[,.;)?!]|\band\b|\bwith\b))",
            self.text,
        ):
            if not self._free(m):
                continue
            named = self.cat.table_named(m["table"]) if m["table"] else None
            if m["table"] and named is None:
                continue
            child = self._referring(named) if named is not None else self._child_by_verb(m["verb"])
            if child is None or child is q.root or not self.cat.references(child, q.root):
                continue
            edge = self.cat.references(child, q.root)[0]
            cond = f"EXISTS (SELECT 1 FROM {child.dataset} WHERE {edge.sql()})"
            q.where.append(cond)
            self._place(
                "filter", m.start(), m.end(), f"Keeps {q.root.table} with any {child.table}", cond
            )

    def _valued_semi_joins(self) -> None:
        """ "customers that have a cancelled order": some row of the table named, holding the
        values said before its name, refers to the root."""
        q = self.q
        for m in re.finditer(
            r"\b(?:that|which|who)\s+(?:have|has|had)\s+(?:an?|any|some|at\s+least\s+one)\s+"
            r"(?P<values>(?:[a-z_]+\s+){1,2}?)(?P<table>[a-z_]+(?:\s+[a-z_]+)?)(?=\s*(?:$|[,.;)?!]"
            r"|\band\b|\bwith\b))",
            self.text,
        ):
            named = self.cat.table_named(m["table"]) if self._free(m) else None
            child = self._referring(named) if named is not None else None
            if child is None or named is not child:
                continue
            found = [self._referring_value(w, child) for w in m["values"].split()]
            if not found or any(f is None for f in found):
                continue
            edge = self.cat.references(child, q.root)[0]
            where = " AND ".join([edge.sql(), *[f for f in found if f is not None]])
            cond = f"EXISTS (SELECT 1 FROM {child.dataset} WHERE {where})"
            q.where.append(cond)
            self._place(
                "filter", m.start(), m.end(), f"Keeps {q.root.table} with such {child.table}", cond
            )

    def _negation_restated(self) -> None:
        """ "customers with no purchases (no orders)": a word no table is named by, negated,
        then said again in brackets as the rows placed without any of a table: the brackets
        say which rows are meant."""
        for m in re.finditer(
            r"\b(?:without(?:\s+any)?|no)\s+(?P<noun>[a-z_]+)(?=\s*\()", self.text
        ):
            close = self.text.find(")", m.end())
            inner = self.text[m.end() : close] if close > 0 else ""
            if (
                not self._free(m)
                or self.cat.table_named(m["noun"]) is not None
                or not re.match(r"\s*\(\s*(?:no|without|with\s+no|zero|never)\b", inner)
            ):
                continue
            said = [(s, e) for s, e, _ in self.mentions if m.end() <= s < close]
            tables = [d for s, _, d in self.mentions if m.end() <= s < close]
            if self.cat.values_named(m["noun"], tables):
                continue  # "no purchases (no events)": purchase events, or none at all?
            if (
                said
                and not any(self.cov.free(s, e) for s, e in said)
                and any(w.startswith("NOT EXISTS") for w in self.q.where)
            ):
                self.cov.take_match(m)
                lead = re.search(r"\b(?:with|having)\s+$", self.text[: m.start()])
                if lead is not None and self.cov.free(*lead.span()):
                    self.cov.take_match(lead)

    def _semi_joins_through_value(self) -> None:
        """ "clients who bought a lawn mower", "orders containing a Webcam": some row of the one
        table that reaches both the root and the table holding the value named, through
        references (the order items), refers to the root and to a row with that value; never
        guessed among several such tables, nor for a value of several columns."""
        q = self.q
        for m in _THROUGH_VALUE.finditer(self.text):
            if not self._free(m):
                continue
            tokens = list(re.finditer(r"[a-z0-9][a-z0-9_-]*", self.text[m.end() :]))[:4]
            for n in range(len(tokens), 0, -1):
                end = m.end() + tokens[n - 1].end()
                if not _CLAUSE_END.match(self.text, end) or not self.cov.free(m.end(), end):
                    continue
                said = self.text[m.end() : end]
                cond = self._through_value(said, m["verb"])
                owner = re.fullmatch(r"(.+)\s+([a-z_]+)", said)  # "a garden product"
                if cond is None and owner is not None:
                    named = self.cat.table_named(owner[2])
                    cond = self._through_value(owner[1], m["verb"], named)
                if cond is not None:
                    q.where.append(cond)
                    self._place("filter", m.start(), end, f"Keeps {q.root.table} with such", cond)
                    break

    def _through_value(
        self, words: str, verb: str | None, table: DatasetSchema | None = None
    ) -> str | None:
        """The EXISTS condition for _semi_joins_through_value (the value's table ``table`` when
        it was named after it), or None; a verb other than one of holding ("bought",
        "contains") must name a table on the way ("ordered": order_items), never another's
        ("viewed a lawn mower" is no order line)."""
        q, cat = self.q, self.cat
        if cat.table_named(words) is not None:
            return None  # "who made a purchase": a table's rows, not a value
        wanted = {words, singular(words), plural(words)}
        found = {
            (ref.dataset.dataset, ref.column.name, value): ref
            for ref, value in cat.values_named(words, cat.datasets)
            if value.lower().replace("_", " ") in wanted | {w.replace("-", " ") for w in wanted}
        }
        if len(found) != 1:
            return None
        (_, column, value), ref = next(iter(found.items()))
        held = ref.dataset
        if (
            (table is not None and table is not held)
            or held is q.root
            or cat.path(q.root, held, lookups_only=True) is not None
        ):
            return None  # a value of the rows read, or of a row they refer to: another pass's
        bridges = []
        for d in cat.datasets:
            to_root = cat.path(d, q.root, lookups_only=True) if d is not q.root else None
            to_held = cat.path(d, held, lookups_only=True)
            if to_root and to_held:  # the value's own table: _valued_semi_joins
                bridges.append((d, to_root, to_held))
        if len(bridges) != 1:
            return None
        bridge, to_root, to_held = bridges[0]
        way = [bridge, *(t for _, t in to_root), *(t for _, t in to_held)]
        stem = participle_stem(verb) if verb else ""
        if verb not in _HOLDING and not (len(stem) >= 3 and any(stem in t.table for t in way)):
            return None
        joins: dict[str, str] = {}
        for edge, t in [*to_root[:-1], *to_held]:
            if t is q.root:
                return None
            joins.setdefault(t.dataset, f" JOIN {t.dataset} ON {edge.sql()}")
        valued = f"{held.dataset}.{ident(column)} = {quote_literal(value)}"
        where = f"{to_root[-1][0].sql()} AND {valued}"
        return f"EXISTS (SELECT 1 FROM {bridge.dataset}{''.join(joins.values())} WHERE {where})"

    def _referring_value(self, word: str, child: DatasetSchema | None = None) -> str | None:
        """``child.column = 'value'`` when ``word`` is one value of one column of ``child`` (or of
        a table referring to the root, when no child is known yet)."""
        tables = (
            [child]
            if child is not None
            else [
                d
                for d in self.cat.datasets
                if d is not self.q.root and self.cat.references(d, self.q.root)
            ]
        )
        found = {
            (ref.dataset.dataset, ref.column.name, value)
            for ref, value in self.cat.values_named(word, tables)
        }
        if len(found) != 1:
            return None
        dataset, column, value = found.pop()
        return f"{dataset}.{column} = {quote_literal(value)}"

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
