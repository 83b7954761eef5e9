"""Comparisons of a column or an aggregate with a number: "over 100 kg", "between 5 and 10",
"heavier than 2 kg", "with more than 5 orders"."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref
from ai.generation.intent.lexicon import NUMBER_WORDS
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import (
    AGG_WORDS,
    AGGS,
    COMPARATIVES,
    CURRENCY,
    MEASURES,
    MORE,
    OP_RE,
    OPS,
    UNITS,
    digits,
)
from ai.generation.intent.query import Out

_NUM = r"-?\$?\d[\d,]*(?:\.\d+)?(?:k(?![a-z]))?"  # "1.5k": 1500

# a number compared: digits or a word ("under fifty"; not "one": "at least one order")
_AMOUNT = _NUM + "|" + "|".join(w for w in NUMBER_WORDS if w != "one")

_AFTER_NUMBER = (
    r"or more|and above|or above|and up|or higher|or greater|or over|at least|minimum|or less"
    r"|or fewer|and below|or below|or lower|or under|at most|max(?:imum)?|\+"
)

_SIZES = (
    r"big|bigger|large|larger|huge|high[- ]value|expensive|pricey|costly|heavy|long|small|smaller"
    r"|tiny|low[- ]value|cheap|light|short"
)

_SMALL = r"small|smaller|tiny|low|cheap|light|short"

_ADJECTIVES = "|".join(MEASURES)


class Comparisons(ParserBase):
    """Places comparisons with numbers."""

    def _between_numbers(self) -> None:
        for m in re.finditer(
            rf"(?:\b(?P<lead>between|from)\s+)?(?<![\w.-])({_NUM})\s*(?:{UNITS}\s*)?"
            rf"(?P<join>and|to|-)\s*({_NUM})(?:\s*(?P<unit>{UNITS}))?(?![\w.-])",
            self.text,
        ):
            if not self._free(m) or (m["join"] == "and" and m["lead"] != "between"):
                continue
            placed = self._compared(m, m.start(), require_said=not m["lead"])
            if placed is None:
                continue
            start, end, sql, name = placed
            lo, hi = digits(m[2]), digits(m[4])
            cond = f"{sql} BETWEEN {lo} AND {hi}"
            self.q.where.append(cond)
            said = f"Keeps rows whose {name} is between {lo} and {hi}"
            self._place("filter", start, end, said, cond)

    def _comparisons(self) -> None:
        matches = (
            [
                (m, OPS[m["op"] or m["sym"]])
                for m in re.finditer(
                    rf"(?:(?<![\w])(?P<op>{OP_RE})\s+|(?P<sym>>=|<=|!=|<>|>|<|=|≤|≥)\s*)"
                    rf"(?P<num>{_AMOUNT})(?:\s*(?P<unit>{UNITS}))?(?![\w-])",
                    self.text,
                )
            ]
            + [
                (m, ">" if re.match(MORE, m["adj"]) else "<")
                for m in re.finditer(
                    rf"(?<![\w])(?P<adj>{COMPARATIVES})\s+than\s+(?P<num>{_NUM})(?:\s*(?P<unit>{UNITS}))?(?![\w-])",
                    self.text,
                )
            ]
            + [
                (m, "<=" if re.search(r"less|fewer|below|lower|under|max", m["after"]) else ">=")
                for m in re.finditer(
                    rf"(?<![\w])(?P<num>{_NUM})\s*(?:(?P<unit>{UNITS})\s*)?(?P<after>{_AFTER_NUMBER})"
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
            start, end, sql, name = placed
            cond = f"{sql} {op} {digits(m['num'])}"
            self.q.where.append(cond)
            placed_ops.append(op)
            said = f"Keeps rows whose {name} {op} {digits(m['num'])}"
            self._place("filter", start, end, said, cond)
        # "a total of 500", "quantity 2 or 3": a number right after its column is its value
        for m in re.finditer(
            rf"(?<![\w.$-])(?P<num>{_NUM})(?P<more>(?:\s*(?:,|or)\s*{_NUM})*)(?![\w.%-])"
            rf"(?:\s*{UNITS})?",
            self.text,
        ):
            found = self._column_before(m.start(), "numeric", 3) if self._free(m) else None
            ranked = re.search(r"\b(?:top|first|last|limit|latest)\s+$", self.text[: m.start()])
            if found is None or ranked:
                continue
            start, ref = found
            values = [digits(v) for v in re.findall(_NUM, m["num"] + m["more"])]
            sql = self._use(ref)
            cond = f"{sql} = {values[0]}" if len(values) == 1 else f"{sql} IN ({', '.join(values)})"
            self.q.where.append(cond)
            said = f"Keeps rows whose {ref.column.name} is {' or '.join(values)}"
            self._place("filter", start, m.end(), said, cond)
        # "more than 50 but less than 100": "but" joins two conditions placed, as "and" does
        for m in re.finditer(r"(?:,\s*)?\bbut(?:\s+(?:also|still))?\b", self.text):
            before = re.search(r"(\S+)\s*,?\s*$", self.text[: m.start()])
            after = re.match(r"\s*(\S+)", self.text[m.end() :])
            if (
                self._free(m)
                and before is not None
                and after is not None
                and not self.cov.free(before.start(1), before.end(1))
                and not self.cov.free(m.end() + after.start(1), m.end() + after.end(1))
            ):
                self.cov.take_match(m)
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
            cond = f"count(*) {op} {digits(m['num'])}"
            q.having.append(cond)
            said = f"Keeps the groups with {op} {digits(m['num'])} {counted.table}"
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
            cond = f"{computed.sql} {op} {digits(m['num'])}"
            q.having.append(cond)
            text = f"Keeps the groups whose {computed.name} {op} {digits(m['num'])}"
            self._place("filter", before, m.end(), text, cond)
            if self._free(lead):
                self.cov.take_match(lead)
            return True
        found = self._column_before(start_at, "numeric")
        if found is None:
            return False
        aggregate = re.search(
            rf"\b(?P<agg>{AGG_WORDS})\s+(?:of\s+)?(?:the\s+|their\s+|its\s+)?$",
            self.text[: found[0]],
        )
        if aggregate is None or not self._free(aggregate):
            return False
        fn = next(f for p, f in AGGS if re.fullmatch(p, aggregate["agg"]))
        if fn == "count" or not q.aggregates:
            return True  # "where the count of cost …", an aggregate of rows kept: unresolved
        lead = re.search(
            r"\b(?:with|having|where|whose|in\s+which|for\s+which)\s+(?:an?\s+|the\s+|their\s+"
            r"|its\s+)?$",
            self.text[: aggregate.start()],
        )
        start = lead.start() if lead else aggregate.start()
        cond = f"{fn}({self._use(found[1])}) {op} {digits(m['num'])}"
        q.having.append(cond)
        said = f"Keeps the groups whose {fn} of {found[1].column.name} {op} {digits(m['num'])}"
        self._place("filter", start, m.end(), said, cond)
        return True

    def _compared(
        self, m: re.Match[str], start_at: int, *, require_said: bool = False
    ) -> tuple[int, int, str, str] | None:
        """(start, end, SQL, name) of what a comparison compares: a formula said just before it
        ("where quantity * unit_price is over 150"), else a column (_compared_column)."""
        formula = self._formula_before(start_at)
        if formula is not None:
            return formula[0], m.end(), formula[1].sql, formula[1].name
        placed = self._compared_column(m, start_at, require_said=require_said)
        if placed is None:
            return None
        start, end, ref = placed
        return start, end, self._use(ref), ref.column.name

    def _formula_before(self, start_at: int) -> tuple[int, Out] | None:
        """The computed column whose words end just before a comparison ("quantity * unit_price
        is over 150", "whose line total (qty x price) exceeds 300"): the formula compared. Said
        as a condition (after "where", "whose", "if", …, or with no name of its own), it is no
        column of the rows."""
        link = re.search(
            r"(?:\s+(?:is|are|was|were|comes?\s+to|amounts?\s+to|adds?\s+up\s+to))*\s*$",
            self.text[:start_at],
        )
        before = link.start() if link else start_at
        spans = getattr(self, "_computed_spans", [])
        found = next(((s, o) for s, e, o in spans if e == before), None)
        if found is None:
            return None
        start, out = found
        lead = re.search(
            r"\b(?:where|whose|if|when|with|having|that\s+(?:is|are|has|have)|which\s+(?:is|are"
            r"|has|have))\s+(?:an?\s+|the\s+|its\s+|their\s+)?$",
            self.text[:start],
        )
        named = not re.search(r"_(?:times|per|plus|minus)_", out.name)
        if lead is not None:
            self.cov.take(lead.start(), start)
            start = lead.start()
        if not named or (lead is not None and lead[0].split()[0] != "with"):
            self._computed_cols.remove(out)
            self.q.pieces = [
                p for p in self.q.pieces if not (p.kind == "computed" and p.sql == out.sql)
            ]
        return start, out

    def _compared_column(
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
        if found is None and unit and not re.fullmatch(CURRENCY, unit):
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
