"""Filters on values: a column equal (or not) to a value, empty or set, true or false, and rows
that have a related row."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref, near
from ai.generation.intent.lexicon import FILLER
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import DATE_NOUNS, DROPPED, NEGATE, SET_WORDS, WORD
from ai.generation.intent.wording import schema_words
from ai.generation.words import is_boolean
from connectors.postgres.sql import quote_literal
from workflows.generation_payloads import DatasetSchema

_UNEQUAL = r"is\s+not|isn't|!=|<>|not|(?:is\s+)?(?:different|other|unlike)"

# Words around a value that say nothing more: "orders that are still pending", "marked as paid"
_ADVERBS = r"either|still|already|currently|presently|now|only|just|both"

_VALUE_LEADS = (
    r"marked(?:\s+as)?|flagged(?:\s+as)?|labell?ed(?:\s+as)?|tagged(?:\s+as)?|set\s+to"
    r"|categori[sz]ed\s+as|classified\s+as|listed\s+as|in\s+(?:the\s+)?(?:state|status)"
    r"|based\s+in|located\s+in|situated\s+in|living\s+in|residing\s+in|headquartered\s+in"
    r"|(?:lives?|resides?|comes?|came|hails?|hailing|coming)\s+(?:in|from)"
    r"|(?:belongs?|belonged|belonging)\s+to|(?:falls?|fell|falling)\s+(?:under|into|within|in)"
    r"|(?:filed|listed|grouped|sorted)\s+(?:under|into)|(?:sits?|sitting)\s+in"
    r"|got|get|gets|became|become|filtered\s+(?:to|on|for|by)|restricted\s+to"
    r"|limited\s+to|offering|providing|recording|called|named|offers?|provides?|supports?"
    r"|supporting|(?:(?:handled|carried|transported|operated|served)\s+)?by"
)


# Short words that are English before they are codes ("customers in de" is Germany, "send us" is
# no country): such a word is a code only right after the column's name ("country code us").
_WORDS_BEFORE_CODES = {
    *FILLER,
    *("am", "by", "do", "go", "he", "hi", "id", "no", "ok", "or", "pa", "ma", "mr", "ms", "vs"),
}


def _codes(column_values: list[str]) -> bool:
    """The values are codes written in capitals ("DE", "FR"): read in any case."""
    return bool(column_values) and all(
        re.fullmatch(r"[A-Z][A-Z0-9]{1,2}", v) for v in column_values
    )


class ValueFilters(ParserBase):
    """Places filters on values, nullness, existence and booleans."""

    def _nullness(self) -> None:
        q = self.q
        for m in re.finditer(
            rf"(?:(?P<neg>{NEGATE})\s+(?:(?:any|all|the)\s+)?(?:[a-z_]+\s+){{0,2}}?)?"
            r"(?P<kw>without|with\s+no|that\s+(?:have|has)\s+no|having\s+no|(?:where|when|if)\s+no|\(\s*no|who\s+(?:have|has)\s+no"
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
                noun = re.fullmatch(rf"([a-z_]+)\s+(?:{DATE_NOUNS})", m["colnull"].strip())
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
                dropped = DROPPED.match(self.text, end)  # "customers without orders excluded"
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
                    had = self._had_column(m.start("x") + len(first), False)
                    if found is None and had is not None:  # "without a coupon": coupon_code
                        found = (had[1], had[0])
                    if found is None:
                        continue
                    end, ref = found
                # "no carrier assigned", "without a delivered_at timestamp"
                rest = re.match(
                    rf"\s+(?:(?:is|was|has\s+been)\s+)?(?:{SET_WORDS}|{DATE_NOUNS}|values?|ids?|keys?"
                    r"|references?)\b",
                    self.text[end:],
                )
                if rest:
                    end += rest.end()
                is_null = not m["nonnull"]  # "with a non-null country": the value is there
                dropped = DROPPED.match(self.text, end)  # "sales without a customer excluded"
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
            r"\b(?:that|which|who)\s+(?:(?:do|does|did)\s+)?(?:have|has|had)\s+"
            r"(?:an?|some|at\s+least\s+one|any)\s+"
            rf"(?:assigned\s+)?(?P<x>[a-z_]+(?:\s+(?:{DATE_NOUNS}))?)(?:\s+(?:assigned|set|linked|attached|applied|recorded))?|\bhaving\s+(?:an?|some|at\s+least\s+one)\s+(?P<y>[a-z_]+(?:\s+(?:{DATE_NOUNS}))?)"
            rf"|\bwith\s+(?:an?\s+|the\s+)?(?:(?:known|{SET_WORDS})\s+(?P<k>[a-z_]+)"
            rf"|(?P<z>[a-z_]+)\s+(?:{SET_WORDS})\b)"
            r"|\b(?:with|having)\s+(?:at\s+least\s+one|one\s+or\s+more)\s+(?P<u>[a-z_]+)"
            # "customers who have placed at least one order", "parcels scanned at least once"
            r"|\b(?:(?:that|which|who)\s+)?(?:(?:have|has|had)\s+)?(?:been\s+)?"
            r"(?P<verb>[a-z]{2,}ed|made|sold|bought|sent)\s+(?:at\s+least\s+(?:once\b|one\s+"
            r"(?P<t>[a-z_]+))|one\s+or\s+more\s+(?P<s>[a-z_]+)|(?:one\s+or\s+more\s+times"
            r"|(?:once\s+)?or\s+more)\b)"
            rf"|\bwith\s+an?\s+(?P<w>[a-z_]+(?P<dated>\s+(?:{DATE_NOUNS}))?)(?=\s*(?:$|[,.;)]|\band\b|\bor\b))"
            r"|\b(?:linked|attached|assigned|tied|belonging|belongs?)\s+to\s+(?:an?|some)\s+(?P<v>[a-z_]+)",
            self.text,
        ):
            if not self._free(m):
                continue
            word = m["x"] or m["y"] or m["k"] or m["z"] or m["w"] or m["v"] or m["u"]
            word = word or m["t"] or m["s"] or ""
            end = m.end()
            d = self.cat.table_named(word) if word else self._child_by_verb(m["verb"])
            if m["verb"] and d is not None:  # the rows of the table that refers to the root
                d = self._referring(d)
                word = d.table if d is not None else word
            if m["w"] and not m["dated"] and (d is None or not self.cat.references(q.root, d)):
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
                noun = re.fullmatch(rf"([a-z_]+)\s+(?:{DATE_NOUNS})", word)
                dated = self.cat.date_named(noun[1], q.root) if noun and not refs else None
                if dated is not None:  # "that have a delivery date": delivered_at is set
                    refs = [dated]
                had = "x" if m["x"] else "y" if m["y"] else None
                if had and (longer := self._had_column(m.end(had), bool(refs))) is not None:
                    refs, end = [longer[0]], longer[1]  # "that have a coupon code", "a coupon"
                if refs:
                    cond = f"{refs[0].sql} IS NOT NULL"
            if cond is None:
                continue
            q.where.append(cond)
            self.cov.take(m.start(), max(end, m.end()))
            q.say("filter", m.group(0), f"Keeps only {q.root.table} that have {word}", cond)

    def _had_column(self, at: int, named: bool) -> tuple[Ref, int] | None:
        """The root's column named by the word right before ``at`` with the next one ("that have
        a coupon code", "an email address"); else, when that word names no column (``named``)
        nor table, the one nullable column whose name starts with it ("a coupon": coupon_code);
        and where its words end."""
        q = self.q
        said = re.search(r"[a-z_]+$", self.text[:at])
        if said is None:
            return None
        nxt = re.match(r"\s+([a-z_]+)\b", self.text[at:])
        if nxt is not None and nxt[1] not in FILLER:
            refs = [
                r
                for r in self.cat.columns_named(f"{said[0]} {nxt[1]}", [q.root])
                if r.dataset is q.root
            ]
            if len(refs) == 1:
                return refs[0], at + nxt.end()
        if named or self.cat.table_named(said[0]) is not None:
            return None
        if self.cat.values_named(said[0], self.cat.datasets):
            return None  # "shipments that have a delivery": delivered, or a delivery date?
        starting = [
            c
            for c in q.root.columns
            if c.name.lower().startswith(f"{said[0]}_") and c.nullable and not is_boolean(c)
        ]
        if len(starting) == 1 and not starting[0].name.lower().endswith("_id"):
            return Ref(q.root, starting[0]), at
        return None

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
                if not found and n == 1:  # "customers in de or fr": codes said in lower case
                    found = self._code_named(words, start, end, tables, hits)
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
                    r"(?:(?:those|the\s+ones|ones)\s+)?"  # "France plus those from Spain"
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
                r"\b([a-z_]+(?:\s+[a-z_]+)?)\s+(?P<op>not\s+in|not\s+one\s+of|is\s+not|isn't|!=|<>|not\s+equal\s+to|is|are"
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
                rf"|outside(?:\s+of)?|except|excluding|without|but(?=\s+the)|but\s+not|{NEGATE}"
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
        literals = ", ".join(quote_literal(v) for v in values)
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

    def _code_named(
        self,
        word: str,
        start: int,
        end: int,
        tables: list[DatasetSchema],
        hits: list[tuple[int, int, Ref, str, bool]],
    ) -> list[tuple[Ref, str]]:
        """The code ``word`` is in lower case, when its column holds only capital codes and the
        words around say so: the column named before it ("country code us", "country in de,
        fr"); else, a word that is no English word, after "in", "from" or "to" or in a list with
        another code of the column ("customers in de or fr"); found in several columns, the
        words around choose among them as for any value."""
        if not re.fullmatch(r"[a-z]{2}", word) or word in self.cat.shouted:
            return []
        found = [
            (Ref(d, c), v)
            for d in tables
            for c in d.columns
            if _codes(c.values)
            for v in c.values
            if v.lower() == word
        ]
        refs = {r for r, _ in found}
        before, after = self.text[:start], self.text[end:]
        col = re.search(
            r"\b([a-z_]+(?:\s+[a-z_]+)?)\s*(?:(?:=|!=|<>|:|is|isn't|of|in|equals?|one\s+of|not)\s*)*"
            r"\(?\s*"
            r"(?:[a-z]{2}\s*(?:,|or|and|/)\s*)*$",
            before,
        )
        if col:
            said = [" ".join(col[1].split()[k:]) for k in (0, 1)]
            named = [f for f in found if any(self._names_column(w, f[0]) for w in said)]
            if named:
                return named
        joined = r"\s*(?:,|or|and|/|&|,\s*or|,\s*and)\s*"
        listed = bool(
            hits and hits[-1][2] in refs and re.fullmatch(joined, self.text[hits[-1][1] : start])
        )
        mate = re.match(rf"{joined}([a-z]{{2}})\b", after)
        if mate and mate[1] not in _WORDS_BEFORE_CODES:
            listed = listed or any(v.lower() == mate[1] for r in refs for v in r.column.values)
        if listed:
            return found
        lead = re.search(r"\b(in|from|to)\s+(the\s+)?$", before)
        if lead is not None and (word not in _WORDS_BEFORE_CODES or lead[2]):
            return found  # "customers from de", "shipments to nl", "orders from the us"
        rows = "|".join(re.escape(f) for f in self.cat.forms(self.q.root))
        if lead is not None and (lead[1] != "to" or re.search(rf"\b(?:{rows})\s+to\s+$", before)):
            # "customers in us", "shipments to us": the code US, or a word? said so, never
            # dropped as a word ("send the shipments to us" is left as words)
            self.q.ambiguous.append(f"'{word}': the code {found[0][1]} of {found[0][0].label}?")
            self.cov.take(start, end)
        return []

    def _names_column(self, words: str, ref: Ref) -> bool:
        """``words`` name ``ref``'s column: by its name or synonym, or as a part of a name of
        several words ("type" for scan_type, "service" for service_level)."""
        code = re.fullmatch(r"(.+?)\s+codes?", words)
        if code and _codes(ref.column.values):  # "country code" of DE, FR
            words = code[1]
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
                for w in WORD.findall(self.text)
                if w != name and w not in known and w not in FILLER and near(w, name)
            }
        )
